"""The map's pre-aggregated cluster cells: always equal to counting the reports, after every service."""

from __future__ import annotations

import json
import math

import pytest
from django.core.management import call_command
from django.db.models import Count, F, FloatField, Sum
from django.db.models.functions import Coalesce, Floor
from django.urls import reverse

from parlons.common.errors import PermissionDenied
from parlons.geo.geometry import BBox, cluster_cell_degrees
from parlons.modules.reports import cells, selectors, services
from parlons.modules.reports.models import Report, ReportCell, SatisfactionSurvey, Status
from parlons.modules.reports.tests.conftest import NORD, SUD
from parlons.modules.reports.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db

BBOX = "1.99,47.99,2.02,48.02"


def raw_counts(component):
    """What the cells must hold: the reports grouped per level in SQL, as the map did before the cells."""
    found = {}
    for level in cells.CELL_LEVELS:
        side = cluster_cell_degrees(level)
        rows = (
            Report.objects.filter(component=component)
            .annotate(
                cx=Floor((F("lon") + 180.0) / side, output_field=FloatField()),
                cy=Floor((F("lat") + 90.0) / side, output_field=FloatField()),
                district=Coalesce("area_id", 0),
            )
            .values("cx", "cy", "status", "category_id", "district", "is_private")
            .annotate(n=Count("id"), slon=Sum("lon"))
            .order_by()
        )
        for r in rows:
            key = (
                level,
                int(r["cx"]),
                int(r["cy"]),
                r["status"],
                r["category_id"],
                r["district"],
                r["is_private"],
            )
            found[key] = (r["n"], r["slon"])
    return found


def cell_counts(component):
    rows = ReportCell.objects.filter(component=component).exclude(n=0)
    return {
        (c.level, c.cx, c.cy, c.status, c.category_id, c.district, c.is_private): (c.n, c.sum_lon)
        for c in rows
    }


def assert_cells_match(component):
    raw, stored = raw_counts(component), cell_counts(component)
    assert {k: v[0] for k, v in stored.items()} == {k: v[0] for k, v in raw.items()}
    for key, (_n, sum_lon) in raw.items():
        assert stored[key][1] == pytest.approx(sum_lon, abs=1e-6)


def submit(component, by, category, lonlat, **kwargs):
    return services.report_submit(
        component=component,
        by=by,
        category_id=category.pk,
        description="Un gros trou dans la chaussée.",
        lon=lonlat[0],
        lat=lonlat[1],
        **kwargs,
    )


def test_cells_equal_raw_counts_after_every_service(
    component, citizen, agent, moderator, admin_user, pothole, streetlight, template
):
    reports = [submit(component, citizen, pothole, (SUD[0] + i * 1.5e-3, SUD[1])) for i in range(3)]
    reports.append(submit(component, citizen, streetlight, NORD))
    assert_cells_match(component)
    steps = [
        lambda: services.report_acknowledge(report=reports[0], by=agent),
        lambda: services.report_set_status(report=reports[0], by=agent, status=Status.FIXED),
        lambda: services.report_answer(report=reports[1], by=agent, template_id=template.pk),
        lambda: services.report_reroute(report=reports[2], by=agent, category_id=streetlight.pk),
        lambda: services.report_mark_private(report=reports[3], by=admin_user),
        lambda: services.report_mark_private(report=reports[3], by=admin_user, private=False),
        lambda: services.report_merge(report=reports[2], into=reports[3], by=admin_user),
        lambda: services.report_satisfaction_answer(
            survey=SatisfactionSurvey.objects.get(report=reports[0]), answer="no"
        ),
        lambda: services.report_set_status(report=reports[1], by=agent, status=Status.IN_PROGRESS),
        lambda: services.report_delete(report=Report.objects.get(pk=reports[1].pk), by=moderator),
    ]
    for step in steps:
        step()
        assert_cells_match(component)
    assert Report.objects.filter(component=component).count() == 3


def test_deleting_needs_a_moderator(component, citizen, agent, pothole):
    report = submit(component, citizen, pothole, SUD)
    with pytest.raises(PermissionDenied):
        services.report_delete(report=report, by=agent)
    assert_cells_match(component)


def test_rebuild_gives_the_same_cells(component, pothole, streetlight, districts):
    for i in range(12):
        ReportFactory(
            organisation=component.process.organisation,
            component=component,
            category=pothole if i % 2 else streetlight,
            area=districts["sud"] if i % 3 else None,
            lon=SUD[0] + i * 7e-4,
            lat=SUD[1] - i * 3e-4,
            status=Status.FIXED if i % 4 == 0 else Status.RECEIVED,
            is_private=i == 5,
        )
    incremental = cell_counts(component)
    ReportCell.objects.all().delete()
    call_command("reports_rebuild_cells", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert cell_counts(component).keys() == incremental.keys()
    assert_cells_match(component)


def test_coarse_levels_nest_exactly():
    lon, lat = 2.0000001, 48.00049
    fx, fy = cells.finest_cell(lon, lat)
    for level in cells.CELL_LEVELS:
        side = cluster_cell_degrees(level)
        shift = cells.FINEST_LEVEL - level
        assert (fx >> shift, fy >> shift) == (math.floor((lon + 180) / side), math.floor((lat + 90) / side))


def _geo(client, component, **params):
    url = reverse(
        "reports:map_geojson", kwargs={"process_slug": component.process.slug, "component_id": component.pk}
    )
    return json.loads(client.get(url, {"bbox": BBOX, **params}).content)


def _spread(component, category, n, **fields):
    return [
        ReportFactory(
            organisation=component.process.organisation,
            component=component,
            category=category,
            lon=2.0 + (i % 40) * 2.5e-4,
            lat=48.0 + (i // 40) * 2.5e-4,
            **fields,
        )
        for i in range(n)
    ]


def test_large_views_read_the_cells_with_filters(component, pothole, streetlight, client_for, settings):
    _spread(component, pothole, 250)
    _spread(component, streetlight, 150, status=Status.FIXED)
    client = client_for()
    total = _geo(client, component, zoom=13)
    assert sum(f["properties"]["count"] for f in total["features"]) == 400
    fixed = _geo(client, component, zoom=13, status="fixed")
    assert sum(f["properties"]["count"] for f in fixed["features"]) == 150
    one = _geo(client, component, zoom=6, category=pothole.pk)
    assert sum(f["properties"]["count"] for f in one["features"]) == 250 and len(one["features"]) == 1
    # A date filter is not in the cells: the reports themselves are grouped, with the same counts.
    dated = _geo(client, component, zoom=13, **{"from": "2000-01-01"})
    assert sum(f["properties"]["count"] for f in dated["features"]) == 400


def test_street_level_caps_markers_and_says_zoom_in(component, pothole, client_for, monkeypatch):
    monkeypatch.setattr(selectors, "STREET_FEATURE_CAP", 20)
    _spread(component, pothole, 30)
    data = _geo(_c := client_for(), component, zoom=17)
    assert data["zoom_in"] is True and all(f["properties"]["zoom_in"] for f in data["features"])
    assert sum(f["properties"]["count"] for f in data["features"]) == 30
    few = _geo(_c, component, zoom=17, bbox="1.9999,47.9999,2.0004,48.0001")
    assert "zoom_in" not in few and few["features"] and not few["features"][0]["properties"]["cluster"]


def test_lone_reports_in_a_large_view_are_markers(component, pothole, monkeypatch):
    monkeypatch.setattr(selectors, "SMALL_VIEW", 5)
    _spread(component, pothole, 10)
    far = ReportFactory(
        organisation=component.process.organisation,
        component=component,
        category=pothole,
        lon=2.015,
        lat=48.015,
    )
    data = selectors.map_geojson(
        component=component, user=None, filters=selectors.ReportFilters(bbox=BBox.parse(BBOX)), zoom=15
    )
    markers = [f for f in data["features"] if not f["properties"]["cluster"]]
    assert [f["id"] for f in markers] == [far.public_id]
    assert sum(f["properties"]["count"] for f in data["features"]) == 11


def test_private_reports_only_for_their_reporter(component, citizen, pothole, client_for):
    _spread(component, pothole, 5, is_private=True, reporter=citizen)
    assert _geo(client_for(), component, zoom=13)["features"] == []
    mine = _geo(client_for(citizen), component, zoom=13)
    assert sum(f["properties"]["count"] for f in mine["features"]) == 5


def test_map_query_counts_are_pinned(component, pothole, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(selectors, "STREET_FEATURE_CAP", 100)
    _spread(component, pothole, 400)
    component = type(component).objects.select_related("process__organisation").get(pk=component.pk)

    def geo(zoom, bbox=BBOX):
        filters = selectors.ReportFilters(bbox=BBox.parse(bbox))
        return selectors.map_geojson(component=component, user=None, filters=filters, zoom=zoom)

    # Clustered: one grouped query on the cells, whatever the number of reports.
    with django_assert_num_queries(1):
        geo(13)
    # Street level, dense: the capped markers, then clusters of the finest cells.
    with django_assert_num_queries(2):
        assert geo(17)["zoom_in"]
    # Street level, few reports: one query for the markers (a few columns, not model rows).
    with django_assert_num_queries(1):
        geo(18, bbox="1.9999,47.9999,2.0004,48.0001")
