"""E-mails about reports: to the reporter and followers, to the service, to an external body.

Messages are rendered in each recipient's language (their account's, else the organisation's) once the transaction has committed (nothing is sent
about a change that was rolled back) and handed to Django's ``send_mail``, which in Parlons enqueues them
(``QueuedEmailBackend``). Each person gets their own message: addresses are never shown to each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from parlons.modules.reports.models import Report, ReportFollower


def absolute_url(report: Report, path: str) -> str:
    """An absolute link for an e-mail: the organisation's host, else the embedded site's address."""
    org = report.organisation
    if org.host:
        return f"https://{org.host}{path}"
    base = getattr(settings, "PARLONS_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    prefix = "" if org.is_default or path.startswith(f"/o/{org.slug}/") else f"/o/{org.slug}"
    return f"{base}{prefix}{path}"


def report_url(report: Report) -> str:
    return absolute_url(report, report.get_absolute_url())


def audience(report: Report, *, exclude: Any = None) -> list[str]:
    """The reporter's and followers' addresses, each once, without the person who made the change."""
    emails: list[str] = []
    if reporter_email := report.reporter_email():
        emails.append(reporter_email)
    for follower in ReportFollower.objects.filter(report=report).select_related("user"):
        email = follower.user.email if follower.user_id and not follower.user.deleted_at else follower.email
        if email:
            emails.append(email)
    excluded = {getattr(exclude, "email", "").lower()} if exclude is not None else set()
    seen: set[str] = set()
    result = []
    for email in emails:
        key = email.lower()
        if key not in seen and key not in excluded:
            seen.add(key)
            result.append(email)
    return result


def languages_of(recipients: list[str], default: str) -> dict[str, str]:
    """Each address's language: its account's ``language`` when it has one, else ``default``. One query."""
    from django.contrib.auth import get_user_model

    available = {code for code, _name in settings.LANGUAGES}
    known = {
        email.lower(): language
        for email, language in get_user_model()
        .objects.filter(email__in=recipients)
        .exclude(language="")
        .values_list("email", "language")
    }
    return {r: known[r.lower()] if known.get(r.lower()) in available else default for r in recipients}


def send(template: str, recipients: Iterable[str], report: Report, **context: Any) -> None:
    """Render ``reports/email/<template>.txt`` (first line = subject) in each recipient's language (their
    account's, else the organisation's default) and send it after the commit, one message per person."""
    recipients = [r for r in recipients if r]
    if not recipients:
        return
    default = report.organisation.default_language or settings.LANGUAGE_CODE

    def deliver() -> None:
        by_language: dict[str, list[str]] = {}
        for recipient, language in languages_of(recipients, default).items():
            by_language.setdefault(language, []).append(recipient)
        for language, group in by_language.items():
            with translation.override(language):
                text = render_to_string(
                    f"reports/email/{template}.txt",
                    {
                        "report": report,
                        "url": report_url(report),
                        "organisation": report.organisation,
                        **context,
                    },
                ).strip()
            subject, _blank, body = text.partition("\n")
            for recipient in group:
                send_mail(subject.strip(), body.strip() + "\n", None, [recipient])

    transaction.on_commit(deliver, robust=True)
