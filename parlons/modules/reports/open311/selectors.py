"""Reads behind the Open311 endpoints, scoped to one organisation and to what the public may see.

Only reports of published components of public processes, and not marked private, are served; the
decision trail gives ``status_notes`` and the ``notes`` extension.
"""

from __future__ import annotations

import hashlib

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, QuerySet

from parlons.common.errors import NotFound, PermissionDenied
from parlons.core.models import Component, DecisionEvent, Organisation, Process
from parlons.core.selectors import decision_trail
from parlons.modules.reports.models import (
    OPEN_STATUSES,
    Category,
    Open311ApiKey,
    Open311Submission,
    PhotoKind,
    Report,
    ReportPhoto,
    Status,
)
from parlons.modules.reports.open311.parsing import RequestQuery

MODULE_KEY = "reports"


def public_components(*, organisation: Organisation) -> QuerySet[Component]:
    """Published reports components of the organisation's public processes (the ones Open311 serves)."""
    return Component.objects.for_organisation(organisation).filter(
        module_key=MODULE_KEY,
        published_at__isnull=False,
        process__visibility=Process.Visibility.PUBLIC,
    )


def open311_service_list(*, organisation: Organisation) -> QuerySet[Category]:
    return Category.objects.for_organisation(organisation).filter(is_active=True).select_related("service")


def open311_service_get(*, organisation: Organisation, code: str) -> Category:
    category = open311_service_list(organisation=organisation).filter(slug=code).first()
    if category is None:
        raise NotFound("service_code")
    return category


def _public_reports(organisation: Organisation) -> QuerySet[Report]:
    # The component ids as literals, not a sub-query: with a sub-query PostgreSQL misjudges how many reports
    # match and sorts the whole 90-day window (0.6 s at 1,000,000 reports) instead of reading the
    # created_at index backwards (a few ms); see bench/results.md.
    component_ids = list(public_components(organisation=organisation).values_list("pk", flat=True))
    return Report.objects.for_organisation(organisation).filter(
        component_id__in=component_ids, is_private=False
    )


def open311_request_list(*, organisation: Organisation, query: RequestQuery) -> QuerySet[Report]:
    """Public reports matching ``query``, newest first, with what rendering needs prefetched.

    Paging is left to the caller (``[offset:offset + page_size]``) so counts stay one query.
    """
    qs = _public_reports(organisation)
    if query.ids:
        qs = qs.filter(public_id__in=query.ids)
    else:
        if query.service_codes:
            qs = qs.filter(category__slug__in=query.service_codes)
        if query.statuses and set(query.statuses) != {"open", "closed"}:
            if "open" in query.statuses:
                qs = qs.filter(status__in=OPEN_STATUSES)
            else:
                qs = qs.exclude(status__in=OPEN_STATUSES)
        if query.start is not None:
            qs = qs.filter(created_at__gte=query.start)
        if query.end is not None:
            qs = qs.filter(created_at__lte=query.end)
        if query.updated_after is not None:
            qs = qs.filter(updated_at__gte=query.updated_after)
        if query.updated_before is not None:
            qs = qs.filter(updated_at__lte=query.updated_before)
    return with_rendering_data(qs).order_by("-created_at", "-id")


def with_rendering_data(qs: QuerySet[Report]) -> QuerySet[Report]:
    return qs.select_related(
        "category", "category__service", "service", "open311_submission", "component__process"
    ).prefetch_related(
        # media_url shows the problem as reported: published "before" photos (blurred ones are the
        # publishable version), the first uploaded first.
        Prefetch(
            "photos",
            queryset=ReportPhoto.objects.filter(kind=PhotoKind.BEFORE, is_published=True).order_by("id"),
            to_attr="open311_photos",
        )
    )


def open311_request_get(*, organisation: Organisation, service_request_id: str) -> Report:
    report = with_rendering_data(_public_reports(organisation)).filter(public_id=service_request_id).first()
    if report is None:
        raise NotFound("service_request_id")
    return report


def open311_request_by_token(*, organisation: Organisation, token: str) -> Open311Submission:
    submission = (
        Open311Submission.objects.for_organisation(organisation)
        .filter(token=token)
        .select_related("report")
        .first()
    )
    if submission is None:
        raise NotFound("token")
    return submission


def api_key_digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def access_api_key(*, organisation: Organisation, plaintext: str) -> Open311ApiKey:
    """The organisation's active key with this value, or PermissionDenied (missing, unknown, revoked, other town)."""
    if not plaintext:
        raise PermissionDenied("api_key")
    key = (
        Open311ApiKey.objects.for_organisation(organisation)
        .filter(digest=api_key_digest(plaintext), revoked_at__isnull=True)
        .select_related("component")
        .first()
    )
    if key is None:
        raise PermissionDenied("api_key")
    return key


def open311_api_key_list(*, organisation: Organisation) -> QuerySet[Open311ApiKey]:
    return Open311ApiKey.objects.for_organisation(organisation).order_by("-created_at")


def notes_by_report(*, organisation: Organisation, reports: list[Report]) -> dict[int, list[DecisionEvent]]:
    """Public decision-trail events of each report, oldest first: one query for a whole page.

    The same events as ``parlons.core.selectors.decision_trail(subject=report)`` (public ones only),
    read for many reports at once so a page of 1000 requests costs one query, not 1000.
    """
    if not reports:
        return {}
    content_type = ContentType.objects.get_for_model(Report)
    by_id: dict[int, list[DecisionEvent]] = {r.pk: [] for r in reports}
    events = (
        DecisionEvent.objects.for_organisation(organisation)
        .filter(content_type=content_type, object_id__in=[str(pk) for pk in by_id], is_public=True)
        .order_by("created_at", "id")
    )
    for event in events:
        by_id[int(event.object_id)].append(event)
    return by_id


def report_notes(*, organisation: Organisation, report: Report) -> list[DecisionEvent]:
    """One report's public decision trail (the core selector)."""
    return list(decision_trail(organisation=organisation, subject=report))


def latest_public_note(events: list[DecisionEvent]) -> str:
    for event in reversed(events):
        if event.body:
            return str(event.body)
    return ""


def is_closed(report: Report) -> bool:
    return report.status in (Status.FIXED, Status.CLOSED)
