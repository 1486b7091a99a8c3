"""The core's combined map (/map/) shows the reports layer through the registry, with filters and a list."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from parlons.modules.reports.models import Status
from parlons.modules.reports.tests.conftest import NORD, SUD
from parlons.modules.reports.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db


def _report(component, category, lonlat, **fields):
    return ReportFactory(
        organisation=component.process.organisation,
        component=component,
        category=category,
        lon=lonlat[0],
        lat=lonlat[1],
        **fields,
    )


def _data(body):
    return json.loads(body.split('id="combined-map-data" type="application/json">')[1].split("</script>")[0])


def test_combined_map_lists_layers_and_filters(component, pothole, streetlight, districts, client_for):
    _report(component, pothole, SUD, area=districts["sud"])
    _report(component, streetlight, NORD, area=districts["nord"])
    _report(component, pothole, NORD, is_private=True)
    _report(component, pothole, NORD, status=Status.FIXED)
    client = client_for()
    page = client.get(reverse("core:map"))
    body = page.content.decode()
    assert page.status_code == 200 and f'href="{reverse("core:map")}"' in body
    key = f"{component.pk}-reports"
    assert f'id="layer-{key}"' in body and "Reported problems" in body
    assert "Nid-de-poule" in body and "Lampadaire" in body and "2 points" in body
    (layer,) = _data(body)["layers"]
    assert len(layer["features"]) == 2
    south = client.get(reverse("core:map"), {"area": districts["sud"].pk}).content.decode()
    assert "1 point" in south and "Lampadaire" not in south.split('id="map-list-title"')[1]
    hidden = client.get(reverse("core:map"), {"layer": "none"}).content.decode()
    assert _data(hidden)["layers"] == [] and "0 points" in hidden


def test_combined_map_of_another_town_is_empty(component, pothole, client_for, other_org):
    _report(component, pothole, SUD)
    body = client_for(organisation=other_org).get(reverse("core:map")).content.decode()
    assert "Nid-de-poule" not in body and _data(body)["layers"] == []
