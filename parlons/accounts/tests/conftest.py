"""Fixtures of the accounts tests: a real SMTP server and a real OpenID Connect provider on localhost."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
from dataclasses import dataclass, field

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SmtpInbox:
    """Messages the local SMTP server received, parsed."""

    messages: list[email.message.EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def to(self, address: str) -> list[email.message.EmailMessage]:
        with self.lock:
            return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def last_body(self, address: str) -> str:
        messages = self.to(address)
        assert messages, f"no e-mail received for {address}"
        part = messages[-1].get_body(preferencelist=("plain", "html"))
        assert part is not None
        return part.get_content()


class _Handler:
    def __init__(self, inbox: SmtpInbox) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.inbox.lock:
            self.inbox.messages.append(message)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_inbox(settings):
    """A real SMTP server on 127.0.0.1; every e-mail goes through the queue (inline) and SMTP to it."""
    from aiosmtpd.controller import Controller

    inbox = SmtpInbox()
    port = free_port()
    controller = Controller(_Handler(inbox), hostname="127.0.0.1", port=port)
    controller.start()
    # pytest-django swaps EMAIL_BACKEND for locmem; put the project's real path back.
    settings.EMAIL_BACKEND = "parlons.notifications.email_backend.QueuedEmailBackend"
    settings.PARLONS_EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()


def first_link(body: str, fragment: str) -> str:
    match = re.search(rf"https?://\S*{re.escape(fragment)}\S*", body)
    assert match, f"no link containing {fragment!r} in:\n{body}"
    return match.group(0).rstrip(".,)>")


def path_of(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
