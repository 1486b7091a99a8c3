"""Reads of reports, always scoped to one component (hence one organisation) and to what the user may see."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, F, FloatField, Max, Min, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Floor
from django.utils import timezone

from parlons.common.errors import NotFound
from parlons.core import permissions
from parlons.core.models import Area, Component, Organisation, Service
from parlons.geo.geometry import BBox, cluster_cell_degrees, distance_m
from parlons.modules.reports.models import (
    OPEN_STATUSES,
    AnswerTemplate,
    Category,
    CategoryRoute,
    Report,
    ReportFollower,
    ReportPhoto,
    SatisfactionSurvey,
    Status,
)

# Beyond this zoom every report is its own marker (a street seen from close).
UNCLUSTERED_ZOOM = 17


# --- Categories and routing --------------------------------------------------------------------------


def category_list(*, organisation: Organisation, active_only: bool = True) -> QuerySet[Category]:
    qs = Category.objects.for_organisation(organisation).select_related("service")
    return qs.filter(is_active=True) if active_only else qs


def categories_by_service(*, organisation: Organisation) -> list[tuple[str, list[Category]]]:
    """Active categories grouped under their service's name (for ``<optgroup>``), services alphabetically."""
    groups: dict[str, list[Category]] = {}
    for category in category_list(organisation=organisation):
        groups.setdefault(category.service.name if category.service else "", []).append(category)
    return sorted(groups.items(), key=lambda item: (item[0] == "", item[0]))


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def suggest_category(*, organisation: Organisation, text: str) -> Category | None:
    """The category whose keywords (or name) best match the words typed, or None."""
    words = set(re.findall(r"\w{3,}", _fold(text)))
    if not words:
        return None
    best, best_score = None, 0
    for category in category_list(organisation=organisation):
        terms = [_fold(k) for k in category.keyword_list()] + [_fold(category.name)]
        score = 0
        for term in terms:
            term_words = set(re.findall(r"\w{3,}", term))
            if term_words and term_words <= words:
                score += 2 * len(term_words)
            elif any(w.startswith(t[:5]) for t in term_words for w in words if len(t) >= 5):
                score += 1
        if score > best_score:
            best, best_score = category, score
    return best


def area_at(*, organisation: Organisation, lon: float, lat: float) -> tuple[Area | None, bool]:
    """(the district containing the point, whether the organisation has drawn any district at all)."""
    from parlons.geo.geometry import point

    areas = Area.objects.for_organisation(organisation).filter(geometry__isnull=False)
    found = areas.filter(geometry__intersects=point(lon, lat)).order_by("pk").first()
    return found, found is not None or areas.exists()


def route_service(*, category: Category, area: Area | None) -> Service | None:
    """Category + district → the responsible service (a district rule first, else the category's service)."""
    if area is not None:
        route = CategoryRoute.objects.filter(category=category, area=area).select_related("service").first()
        if route is not None:
            return route.service
    return category.service


# --- Reports -----------------------------------------------------------------------------------------


@dataclass
class ReportFilters:
    category_ids: list[int] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    area_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    bbox: BBox | None = None
    # Back office only.
    service_id: int | None = None
    assigned_to_id: int | None = None
    overdue: bool = False
    older_than_days: int | None = None
    include_private: bool = False


def _apply(qs: QuerySet[Report], filters: ReportFilters) -> QuerySet[Report]:
    if filters.category_ids:
        qs = qs.filter(category_id__in=filters.category_ids)
    if filters.statuses:
        qs = qs.filter(status__in=filters.statuses)
    if filters.area_id:
        qs = qs.filter(area_id=filters.area_id)
    tz = timezone.get_current_timezone()
    if filters.date_from:
        qs = qs.filter(created_at__gte=datetime.combine(filters.date_from, datetime.min.time(), tz))
    if filters.date_to:
        qs = qs.filter(
            created_at__lt=datetime.combine(filters.date_to + timedelta(days=1), datetime.min.time(), tz)
        )
    if filters.bbox:
        b = filters.bbox
        qs = qs.filter(lat__gte=b.south, lat__lte=b.north, lon__gte=b.west, lon__lte=b.east)
    if filters.service_id:
        qs = qs.filter(service_id=filters.service_id)
    if filters.assigned_to_id:
        qs = qs.filter(assigned_to_id=filters.assigned_to_id)
    if filters.overdue:
        qs = qs.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
    if filters.older_than_days:
        qs = qs.filter(created_at__lt=timezone.now() - timedelta(days=filters.older_than_days))
    return qs


def report_list(
    *, component: Component, user: Any = None, filters: ReportFilters | None = None
) -> QuerySet[Report]:
    """Reports of the component as the public sees them: private ones only for staff (and their reporter)."""
    qs = Report.objects.filter(component=component).select_related("category", "area", "service")
    filters = filters or ReportFilters()
    staff = user is not None and permissions.is_staff(user, component.process.organisation)
    if not (staff and filters.include_private):
        visible = Q(is_private=False)
        if user is not None and user.is_authenticated:
            visible |= Q(reporter=user)
        qs = qs.filter(visible)
    return _apply(qs, filters)


def report_list_page(qs: QuerySet[Report]) -> QuerySet[Report]:
    """Adds what a list row shows (first photo) without one query per row."""
    return qs.prefetch_related(
        Prefetch("photos", queryset=ReportPhoto.objects.filter(kind="before").order_by("position", "id"))
    )


def can_see_private(user: Any, report: Report) -> bool:
    if user is not None and user.is_authenticated and report.reporter_id == user.pk:
        return True
    return permissions.is_staff(user, report.organisation)


def access_report(*, component: Component, user: Any, public_id: str) -> Report:
    """The report with this public id in the component; private ones only for staff and their reporter."""
    report = (
        Report.objects.filter(component=component, public_id=public_id)
        .select_related(
            "category", "service", "area", "reporter", "assigned_to", "duplicate_of", "organisation"
        )
        .prefetch_related("photos")
        .first()
    )
    if report is None:
        raise NotFound("report")
    report.component = component
    if report.is_private and not can_see_private(user, report):
        raise NotFound("report")
    return report


def report_by_idempotency_key(*, component: Component, key: str) -> Report | None:
    if not key:
        return None
    report = Report.objects.filter(component=component, idempotency_key=key[:64]).first()
    if report is not None:
        report.component = component
    return report


def report_queue(
    *, component: Component, user: Any, filters: ReportFilters | None = None
) -> QuerySet[Report]:
    """The back-office work queue: agents of a service see their service's reports (and those assigned to
    them); administrators, moderators and agents without a service see all. Oldest open first."""
    organisation = component.process.organisation
    membership = permissions.membership_of(user, organisation)
    if membership is None or not membership.is_staff_member:
        return Report.objects.none()
    filters = filters or ReportFilters()
    qs = Report.objects.filter(component=component).select_related(
        "category", "service", "area", "assigned_to"
    )
    if membership.role == "agent" and membership.service_id:
        qs = qs.filter(Q(service_id=membership.service_id) | Q(assigned_to=user))
    filters.include_private = True
    return _apply(qs, filters).order_by("created_at", "id")


def nearby_open_reports(
    *, component: Component, category_id: int | None, lon: float, lat: float, radius_m: float, limit: int = 5
) -> list[tuple[Report, float]]:
    """Open public reports of the same category within ``radius_m`` of a point, nearest first.

    The indexed lon/lat box narrows the candidates; the exact distance is then computed on the few left.
    """
    box = BBox.around(lon, lat, radius_m)
    qs = Report.objects.filter(
        component=component,
        status__in=OPEN_STATUSES,
        is_private=False,
        lat__gte=box.south,
        lat__lte=box.north,
        lon__gte=box.west,
        lon__lte=box.east,
    )
    if category_id:
        qs = qs.filter(category_id=category_id)
    candidates = list(
        qs.select_related("category").prefetch_related(
            Prefetch("photos", queryset=ReportPhoto.objects.filter(kind="before").order_by("position", "id"))
        )[:200]
    )
    near = [(r, distance_m(lon, lat, r.lon, r.lat)) for r in candidates]
    near = [(r, d) for r, d in near if d <= radius_m]
    near.sort(key=lambda item: item[1])
    return near[:limit]


def map_geojson(*, component: Component, user: Any, filters: ReportFilters, zoom: int) -> dict[str, Any]:
    """GeoJSON of the reports in ``filters.bbox``: one feature per report at street level, else clusters.

    Clusters are cells of a fixed world grid (so they do not jump when the map pans) computed in SQL from the
    indexed lon/lat columns: one grouped query, plus one for the reports that are alone in their cell. The
    counts are exact for the filters given.
    """
    qs = report_list(component=component, user=user, filters=filters).order_by()
    features: list[dict[str, Any]] = []
    if zoom >= UNCLUSTERED_ZOOM:
        singles = list(qs.values_list("pk", flat=True)[:2000])
        cells: list[dict[str, Any]] = []
    else:
        cell = cluster_cell_degrees(zoom)
        cells = list(
            qs.annotate(
                cx=Floor((F("lon") + 180.0) / cell, output_field=FloatField()),
                cy=Floor((F("lat") + 90.0) / cell, output_field=FloatField()),
            )
            .values("cx", "cy")
            .annotate(n=Count("id"), clon=Avg("lon"), clat=Avg("lat"), first=Min("id"))
            .order_by()
        )
        singles = [c["first"] for c in cells if c["n"] == 1]
        for c in cells:
            if c["n"] > 1:
                features.append(
                    {
                        "type": "Feature",
                        "geometry": {
                            "type": "Point",
                            "coordinates": [round(c["clon"], 6), round(c["clat"], 6)],
                        },
                        "properties": {"cluster": True, "count": c["n"]},
                    }
                )
    if singles:
        rows = Report.objects.filter(pk__in=singles).values_list(
            "public_id", "lon", "lat", "status", "category__name", "created_at"
        )
        for public_id, lon, lat, status, category, created_at in rows:
            features.append(
                {
                    "type": "Feature",
                    "id": public_id,
                    "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                    "properties": {
                        "cluster": False,
                        "count": 1,
                        "id": public_id,
                        "status": status,
                        "status_label": str(Status(status).label),
                        "category": category,
                        "created_at": created_at.isoformat(),
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features}


def followers_of(*, report: Report) -> QuerySet[ReportFollower]:
    return ReportFollower.objects.filter(report=report).select_related("user")


def is_following(*, report: Report, user: Any) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return ReportFollower.objects.filter(report=report, user=user).exists()


def survey_by_token(*, report: Report, token: str) -> SatisfactionSurvey:
    survey = SatisfactionSurvey.objects.filter(report=report, token=token).first()
    if survey is None:
        raise NotFound("survey")
    return survey


def answer_templates(*, organisation: Organisation, service: Service | None) -> QuerySet[AnswerTemplate]:
    qs = AnswerTemplate.objects.for_organisation(organisation)
    if service is not None:
        qs = qs.filter(Q(service=service) | Q(service__isnull=True))
    return qs


def agent_choices(*, organisation: Organisation, service: Service | None = None) -> list[tuple[int, str]]:
    """(user id, name) of the staff who can be assigned a report, the service's agents first."""
    from parlons.accounts.models import STAFF_ROLES, Membership

    members = (
        Membership.objects.for_organisation(organisation)
        .filter(role__in=list(STAFF_ROLES))
        .select_related("user")
        .order_by("user__display_name", "user__email")
    )
    people = [
        (m.user_id, m.user.public_name, m.service_id == (service.pk if service else None)) for m in members
    ]
    people.sort(key=lambda p: not p[2])
    return [(pk, name) for pk, name, _same in people]


def report_stats(*, component: Component) -> dict[str, int | float]:
    """The module's KPIs: open, fixed, overdue, satisfaction average (1–5, 0 when none), re-openings."""
    now = timezone.now()
    counts = Report.objects.filter(component=component).aggregate(
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        fixed=Count("id", filter=Q(status=Status.FIXED)),
        closed=Count("id", filter=Q(status=Status.CLOSED)),
        overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now)),
        reopened=Sum("reopened_count"),
        total=Count("id"),
    )
    surveys = SatisfactionSurvey.objects.filter(
        report__component=component, answered_at__isnull=False
    ).aggregate(avg=Avg("rating"), answered=Count("id"), still_broken=Count("id", filter=Q(answer="no")))
    return {
        "total": counts["total"],
        "open": counts["open"],
        "fixed": counts["fixed"],
        "closed": counts["closed"],
        "overdue": counts["overdue"],
        "reopened": counts["reopened"] or 0,
        "satisfaction_avg": round(float(surveys["avg"] or 0), 2),
        "surveys_answered": surveys["answered"],
    }


def last_change(*, component: Component) -> Any:
    return Report.objects.filter(component=component).aggregate(m=Max("updated_at"))["m"]
