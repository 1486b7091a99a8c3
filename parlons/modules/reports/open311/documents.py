"""Parlons objects as GeoReport v2 documents (plain dicts, written as XML or JSON by ``formats``).

Status mapping: received / acknowledged / in progress are ``open``; fixed and closed are ``closed``.
``status_notes`` is the latest public explanation in the report's decision trail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.core.models import DecisionEvent
from parlons.modules.reports.models import OPEN_STATUSES, Category, CloseReason, PhotoKind, Report, Status
from parlons.modules.reports.open311 import formats

# Absolute URL of a path on the current host (``request.build_absolute_uri``).
Absolute = Callable[[str], str]


def open311_status(parlons_status: str) -> str:
    return "open" if parlons_status in OPEN_STATUSES else "closed"


def service_attributes(category: Category) -> list[dict[str, Any]]:
    """The attributes every Parlons service asks for (categories carry no attribute definitions of their own).

    ``danger`` flags a hazard; ``landmark`` helps the agent find the place (added to the address). Both are
    kept with the request (``extended_attributes``).
    The first one is informational (``variable`` false): clients show it and send nothing back.
    """
    return [
        {
            "variable": False,
            "code": "routing",
            "datatype": "text",
            "required": False,
            "datatype_description": None,
            "order": 1,
            "description": _(
                "Your report goes to the service responsible for “%(category)s” in the district where the problem is."
            )
            % {"category": category.name},
        },
        {
            "variable": True,
            "code": "danger",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": None,
            "order": 2,
            "description": _("Is it a danger for passers-by?"),
            "values": [{"key": "yes", "name": _("Yes")}, {"key": "no", "name": _("No")}],
        },
        {
            "variable": True,
            "code": "landmark",
            "datatype": "string",
            "required": False,
            "datatype_description": _("A shop, a bus stop, a house number…"),
            "order": 3,
            "description": _("Nearby landmark"),
        },
    ]


def service_document(category: Category) -> dict[str, Any]:
    return formats.service(
        {
            "service_code": category.slug,
            "service_name": category.name,
            "description": category.description or None,
            "metadata": bool(service_attributes(category)),
            "type": "realtime",
            "keywords": ", ".join(category.keyword_list()) or None,
            "group": category.service.name if category.service_id and category.service else None,
        }
    )


def service_definition_document(category: Category) -> dict[str, Any]:
    return {"service_code": category.slug, "attributes": service_attributes(category)}


def _status_notes(report: Report, events: list[DecisionEvent]) -> str | None:
    for event in reversed(events):
        if event.body:
            return str(event.body)
    if report.status == Status.CLOSED and report.close_reason:
        return str(CloseReason(report.close_reason).label)
    return None


def _agency(report: Report) -> str | None:
    if report.service_id and report.service:
        return report.service.name
    category = report.category
    if category.external_name:
        return category.external_name
    if category.service_id and category.service:
        return category.service.name
    return None


def _media_url(report: Report, absolute: Absolute) -> str | None:
    photos = getattr(report, "open311_photos", None)
    if photos is None:  # not loaded by open311 selectors
        photos = list(report.photos.filter(kind=PhotoKind.BEFORE, is_published=True).order_by("id"))
    if photos:
        return absolute(photos[0].url)
    submission = getattr(report, "open311_submission", None)
    return (submission.media_url or None) if submission is not None else None


def _note_type(event: DecisionEvent) -> str:
    if event.kind == DecisionEvent.Kind.ANSWER:
        return "answer"
    if event.to_status in (Status.FIXED, Status.CLOSED):
        return "closed"
    if event.from_status in (Status.FIXED, Status.CLOSED):
        return "reopened"
    return "status_change"


def _label(status: str) -> str:
    try:
        return str(Status(status).label)
    except ValueError:
        return status


def notes(report: Report, events: list[DecisionEvent]) -> list[dict[str, Any]]:
    """The ``notes`` extension: the request's history, starting with its opening."""
    tz = timezone.get_current_timezone()
    history = [
        {
            "datetime": formats.w3c_datetime(report.created_at, tz),
            "type": "opened",
            "status": "open",
            "status_detail": Status.RECEIVED.value,
            "summary": _("Request opened"),
            "description": None,
        }
    ]
    current = Status.RECEIVED.value
    for event in events:
        if event.kind == DecisionEvent.Kind.STATUS and event.to_status:
            current = event.to_status
        summary = (
            _("Official answer")
            if event.kind == DecisionEvent.Kind.ANSWER
            else _("Status changed to “%(status)s”") % {"status": _label(event.to_status)}
        )
        history.append(
            {
                "datetime": formats.w3c_datetime(event.created_at, tz),
                "type": _note_type(event),
                "status": open311_status(current),
                "status_detail": current,
                "summary": summary,
                "description": event.body or None,
            }
        )
    return history


def request_document(
    report: Report, events: list[DecisionEvent], *, absolute: Absolute, extensions: bool = False
) -> dict[str, Any]:
    tz = timezone.get_current_timezone()
    closed = open311_status(report.status) == "closed"
    fields = {
        "service_request_id": report.public_id,
        "status": open311_status(report.status),
        "status_notes": _status_notes(report, events),
        "service_name": report.category.name,
        "service_code": report.category.slug,
        "description": (report.description or "")[: formats_max_description()] or None,
        "agency_responsible": _agency(report),
        "service_notice": None,
        "requested_datetime": formats.w3c_datetime(report.created_at, tz),
        # For a closed request, the specification wants the closing date here.
        "updated_datetime": formats.w3c_datetime(
            (report.closed_at or report.fixed_at or report.updated_at) if closed else report.updated_at, tz
        ),
        "expected_datetime": formats.w3c_datetime(report.due_at, tz),
        "address": report.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": report.lat,
        "long": report.lon,
        "media_url": _media_url(report, absolute),
    }
    extra = None
    if extensions:
        submission = getattr(report, "open311_submission", None)
        extra = {
            "notes": notes(report, events),
            "extended_attributes": {
                "status_detail": report.status,
                "close_reason": report.close_reason or None,
                "followers_count": report.followers_count,
                "url": absolute(report.get_absolute_url()),
                "attributes": dict(submission.attributes) if submission is not None else {},
            },
        }
    return formats.service_request(fields, extra)


def formats_max_description() -> int:
    from parlons.modules.reports.open311.parsing import MAX_DESCRIPTION

    return MAX_DESCRIPTION
