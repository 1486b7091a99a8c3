"""Reads of reports, always scoped to one component (hence one organisation) and to what the user may see."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    Avg,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Floor
from django.utils import timezone

from parlons.common.errors import NotFound
from parlons.core import permissions
from parlons.core.models import Area, Component, Organisation, Service
from parlons.geo.geometry import BBox, cluster_cell_degrees, distance_m
from parlons.modules.reports import cells
from parlons.modules.reports.models import (
    OPEN_STATUSES,
    AnswerTemplate,
    Category,
    CategoryRoute,
    Report,
    ReportCell,
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


def categories_by_service(
    *, organisation: Organisation, active_only: bool = True
) -> list[tuple[str, list[Category]]]:
    """Categories (active ones by default) grouped under their service's name (for ``<optgroup>``),
    services alphabetically."""
    groups: dict[str, list[Category]] = {}
    for category in category_list(organisation=organisation, active_only=active_only):
        groups.setdefault(category.service.name if category.service else "", []).append(category)
    return sorted(groups.items(), key=lambda item: (item[0] == "", item[0]))


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
    """Adds what a list row shows (first published photo) without one query per row."""
    return qs.prefetch_related(
        Prefetch(
            "photos",
            queryset=ReportPhoto.objects.filter(kind="before", is_published=True).order_by("position", "id"),
        )
    )


def visible_photos(*, report: Report, user: Any) -> list[ReportPhoto]:
    """The report's photos this person may see: published ones, and all of them for its reporter and the
    organisation's staff (who review them). Uses the prefetched ``photos`` when there."""
    photos = list(report.photos.all())
    if can_see_private(user, report):
        return photos
    return [p for p in photos if p.is_published]


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


def access_photo(
    *, organisation: Organisation, user: Any, public_id: str, content_hash: str
) -> tuple[ReportPhoto, bool]:
    """A report's photo by its content hash, and whether it is public (cacheable by anyone). Held photos
    and private reports' photos only for the reporter and the organisation's staff; else NotFound."""
    from parlons.core.selectors import access_component_by_id

    photo = (
        ReportPhoto.objects.filter(
            report__organisation=organisation, report__public_id=public_id, content_hash=content_hash
        )
        .select_related("report", "report__organisation")
        .first()
    )
    if photo is None:
        raise NotFound("photo")
    report = photo.report
    access_component_by_id(organisation=organisation, user=user, component_id=report.component_id)
    public = photo.is_published and not report.is_private
    if not public and not can_see_private(user, report):
        raise NotFound("photo")
    return photo, public


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
            Prefetch(
                "photos",
                queryset=ReportPhoto.objects.filter(kind="before", is_published=True).order_by(
                    "position", "id"
                ),
            )
        )[:200]
    )
    near = [(r, distance_m(lon, lat, r.lon, r.lat)) for r in candidates]
    near = [(r, d) for r, d in near if d <= radius_m]
    near.sort(key=lambda item: item[1])
    return near[:limit]


# Street level: at most this many markers; a denser view gets clusters and a "zoom in" hint instead.
STREET_FEATURE_CAP = 500
# A clustered view holding at most this many reports reads them directly (exact markers for lone reports).
SMALL_VIEW = 300
# Lone reports in a large clustered view looked up to show them as markers; beyond, they stay clusters of 1.
MAX_LONE_LOOKUPS = 30


def _cells_answer(filters: ReportFilters) -> bool:
    """Whether the pre-aggregated cells can answer these filters (status, category, district, box)."""
    return not (
        filters.date_from
        or filters.date_to
        or filters.service_id
        or filters.assigned_to_id
        or filters.overdue
        or filters.older_than_days
    )


def _cell_range(bbox: BBox | None, side: float) -> dict[str, int]:
    if bbox is None:
        return {}
    return {
        "cx__gte": math.floor((bbox.west + 180.0) / side),
        "cx__lte": math.floor((bbox.east + 180.0) / side),
        "cy__gte": math.floor((bbox.south + 90.0) / side),
        "cy__lte": math.floor((bbox.north + 90.0) / side),
    }


def _clusters_from_cells(
    *, component: Component, filters: ReportFilters, zoom: int, private_too: bool
) -> list[dict[str, Any]]:
    """Clusters of the grid at ``zoom`` summed from the stored cells (one indexed, grouped query)."""
    level = max(cells.COARSEST_LEVEL, min(cells.FINEST_LEVEL, zoom))
    shift = level - zoom if zoom < level else 0
    qs = ReportCell.objects.filter(
        component=component, level=level, n__gt=0, **_cell_range(filters.bbox, cluster_cell_degrees(level))
    )
    if not private_too:
        qs = qs.filter(is_private=False)
    if filters.category_ids:
        qs = qs.filter(category_id__in=filters.category_ids)
    if filters.statuses:
        qs = qs.filter(status__in=filters.statuses)
    if filters.area_id:
        qs = qs.filter(district=filters.area_id)
    if shift:
        factor = 2**shift
        qs = qs.annotate(
            gx=ExpressionWrapper(F("cx") / factor, output_field=IntegerField()),
            gy=ExpressionWrapper(F("cy") / factor, output_field=IntegerField()),
        )
    else:
        qs = qs.annotate(gx=F("cx"), gy=F("cy"))
    rows = qs.values("gx", "gy").annotate(n=Sum("n"), slon=Sum("sum_lon"), slat=Sum("sum_lat")).order_by()
    return [
        {"cx": r["gx"], "cy": r["gy"], "n": r["n"], "clon": r["slon"] / r["n"], "clat": r["slat"] / r["n"]}
        for r in rows
        if r["n"]
    ]


def _clusters_from_reports(qs: QuerySet[Report], zoom: int) -> list[dict[str, Any]]:
    """Clusters of the grid at ``zoom`` grouped from the reports themselves (filters the cells lack)."""
    side = cluster_cell_degrees(zoom)
    return list(
        qs.annotate(
            cx=Floor((F("lon") + 180.0) / side, output_field=FloatField()),
            cy=Floor((F("lat") + 90.0) / side, output_field=FloatField()),
        )
        .values("cx", "cy")
        .annotate(n=Count("id"), clon=Avg("lon"), clat=Avg("lat"))
        .order_by()
    )


def _cell_of(lon: float, lat: float, side: float) -> tuple[int, int]:
    return math.floor((lon + 180.0) / side), math.floor((lat + 90.0) / side)


_MARKER_COLUMNS = ("public_id", "lon", "lat", "status", "category__name", "created_at")


def _marker(row: tuple[Any, ...]) -> dict[str, Any]:
    public_id, lon, lat, status, category, created_at = row
    return {
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


def _cluster(c: dict[str, Any], *, zoom_in: bool = False) -> dict[str, Any]:
    properties: dict[str, Any] = {"cluster": True, "count": int(c["n"])}
    if zoom_in:
        properties["zoom_in"] = True
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(c["clon"], 6), round(c["clat"], 6)]},
        "properties": properties,
    }


def map_geojson(*, component: Component, user: Any, filters: ReportFilters, zoom: int) -> dict[str, Any]:
    """GeoJSON of the reports in ``filters.bbox``: one feature per report at street level, else clusters.

    Clusters are cells of a fixed world grid (``cluster_cell_degrees(zoom)``, so they do not jump when the
    map pans). With the public map's filters (status, category, district) they are read from the
    pre-aggregated ``ReportCell`` table (``cells.py``): a handful of rows per cell whatever the number of
    reports; a cell's count covers the whole cell, even where it reaches beyond the box. With a date filter
    (or the back office's filters), which the cells do not hold, they fall back to grouping the reports
    themselves in SQL. A view of at most ``SMALL_VIEW`` reports reads them directly, so lone reports are
    markers; a signed-in person's own private reports are added as markers.

    At street level (``zoom >= UNCLUSTERED_ZOOM``) each report is a marker, read as a few columns
    (``values_list``), up to ``STREET_FEATURE_CAP``; a denser view answers clusters of the finest grid with
    ``zoom_in`` set (on the collection and on each cluster) instead of thousands of markers.
    """
    organisation = component.process.organisation
    staff = user is not None and permissions.is_staff(user, organisation)
    private_too = staff and filters.include_private
    by_cells = _cells_answer(filters)
    features: list[dict[str, Any]] = []
    result: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if zoom >= UNCLUSTERED_ZOOM:
        qs = report_list(component=component, user=user, filters=filters).order_by()
        rows = list(qs.values_list(*_MARKER_COLUMNS)[: STREET_FEATURE_CAP + 1])
        if len(rows) <= STREET_FEATURE_CAP:
            features.extend(_marker(row) for row in rows)
            return result
        if by_cells:
            found = _clusters_from_cells(
                component=component, filters=filters, zoom=cells.FINEST_LEVEL, private_too=private_too
            )
        else:
            found = _clusters_from_reports(qs, zoom)
        features.extend(_cluster(c, zoom_in=True) for c in found)
        result["zoom_in"] = True
        return result

    side = cluster_cell_degrees(zoom)
    public = report_list(component=component, user=None, filters=filters).order_by()
    if private_too:
        public = report_list(component=component, user=user, filters=filters).order_by()
    if not by_cells:
        found = _clusters_from_reports(public, zoom)
    else:
        found = _clusters_from_cells(component=component, filters=filters, zoom=zoom, private_too=private_too)
        if sum(c["n"] for c in found) <= SMALL_VIEW:
            found = []
            rows = list(public.values_list(*_MARKER_COLUMNS))
            grid: dict[tuple[int, int], list[tuple[Any, ...]]] = {}
            for row in rows:
                grid.setdefault(_cell_of(row[1], row[2], side), []).append(row)
            for members in grid.values():
                if len(members) == 1:
                    features.append(_marker(members[0]))
                else:
                    features.append(
                        _cluster(
                            {
                                "n": len(members),
                                "clon": sum(m[1] for m in members) / len(members),
                                "clat": sum(m[2] for m in members) / len(members),
                            }
                        )
                    )
    lone = [c for c in found if c["n"] == 1][:MAX_LONE_LOOKUPS]
    if lone:
        boxes = Q()
        for c in lone:
            west, south = c["cx"] * side - 180.0, c["cy"] * side - 90.0
            boxes |= Q(lat__gte=south, lat__lte=south + side, lon__gte=west, lon__lte=west + side)
        wanted = {(int(c["cx"]), int(c["cy"])) for c in lone}
        filters_no_box = replace(filters, bbox=None)
        singles = report_list(
            component=component, user=user if private_too else None, filters=filters_no_box
        ).order_by()
        for row in singles.filter(boxes).values_list(*_MARKER_COLUMNS)[: 2 * len(lone)]:
            key = _cell_of(row[1], row[2], side)
            if key in wanted:
                wanted.discard(key)
                features.append(_marker(row))
        shown = {(int(c["cx"]), int(c["cy"])) for c in lone} - wanted
        found = [c for c in found if (int(c["cx"]), int(c["cy"])) not in shown]
    features.extend(_cluster(c) for c in found)
    if user is not None and user.is_authenticated and not private_too:
        own = Report.objects.filter(component=component, is_private=True, reporter=user)
        features.extend(_marker(row) for row in _apply(own, filters).values_list(*_MARKER_COLUMNS))
    return result


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
