from __future__ import annotations

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.message import EmailMessage
from huey import crontab  # noqa: F401
from huey.contrib.djhuey import task


class _RawMessage(EmailMessage):
    """Carries an already-rendered MIME message (headers, alternatives, attachments) unchanged."""

    def __init__(self, raw: bytes, from_email: str, recipients: list[str]) -> None:
        super().__init__(from_email=from_email, to=recipients)
        self._raw = raw

    def message(self, *, policy=None):  # type: ignore[override]
        import email

        return email.message_from_bytes(self._raw)

    def recipients(self) -> list[str]:
        return list(self.to)


@task(retries=5, retry_delay=60)
def send_email_message(raw: bytes, from_email: str, recipients: list[str]) -> int:
    """Send one rendered message through the real backend (SMTP, or a file in embedded mode)."""
    connection = get_connection(settings.PARLONS_EMAIL_BACKEND)
    return connection.send_messages([_RawMessage(raw, from_email, recipients)])
