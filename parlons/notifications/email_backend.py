"""An e-mail backend that hands every message to the task queue; the task sends it for real.

Requests never wait on SMTP, and a failed send is retried by the worker instead of failing a page.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend


class QueuedEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        from parlons.notifications.tasks import send_email_message

        count = 0
        for message in email_messages:
            send_email_message(message.message().as_bytes(), message.from_email, list(message.recipients()))
            count += 1
        return count
