from __future__ import annotations

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.message import EmailMessage
from huey import crontab  # noqa: F401
from huey.contrib.djhuey import task


class _RenderedMime:
    """An already-rendered MIME message, as the mail backends expect ``EmailMessage.message()`` to be."""

    def __init__(self, raw: bytes) -> None:
        self._raw = raw.replace(b"\r\n", b"\n")

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        return self._raw.replace(b"\n", linesep.encode())


class _RawMessage(EmailMessage):
    """Carries a rendered message (headers, alternatives, attachments) from the web process to the worker."""

    def __init__(self, raw: bytes, from_email: str, recipients: list[str]) -> None:
        super().__init__(from_email=from_email, to=recipients)
        self._raw = raw

    def message(self, *, policy=None):  # type: ignore[override]
        return _RenderedMime(self._raw)

    def recipients(self) -> list[str]:
        return list(self.to)


@task(retries=5, retry_delay=60)
def send_email_message(raw: bytes, from_email: str, recipients: list[str]) -> int:
    """Send one rendered message through the real backend (SMTP, or a file in embedded mode)."""
    connection = get_connection(settings.PARLONS_EMAIL_BACKEND)
    return connection.send_messages([_RawMessage(raw, from_email, recipients)])
