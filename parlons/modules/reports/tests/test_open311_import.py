"""The Open311 importer: real GeoReport v2 responses from other servers, and our own fixtures, become reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from parlons.core.models import DecisionEvent, Process
from parlons.core.tests.factories import ComponentFactory, ProcessFactory
from parlons.modules.reports.models import Category, Report, Status
from parlons.modules.reports.open311 import formats
from parlons.modules.reports.open311.reading import read_document
from parlons.modules.reports.open311.services import open311_import

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "open311_fixtures"


@pytest.fixture
def component(org):
    process = ProcessFactory(
        organisation=org, visibility=Process.Visibility.PUBLIC, published_at=timezone.now()
    )
    return ComponentFactory(process=process, module_key="reports", name="Signalements")


def _import(component, path: Path, source: str | None = None):
    document = read_document(path.read_bytes(), name=path.name, default_tz=timezone.get_current_timezone())
    return open311_import(component=component, document=document, source=source or path.name)


def test_imports_own_json_fixture(component):
    summary = _import(component, FIXTURES / "requests_valmont.json")
    assert (summary.created, summary.skipped, summary.categories_created) == (2, 1, 2)
    assert "VAL-2025-0003 has no position" in summary.problems[0]
    pothole = Report.objects.get(category__slug="nid-de-poule")
    assert pothole.status == Status.RECEIVED
    assert (pothole.lat, pothole.lon) == (47.4012, 0.9815)
    assert pothole.created_at == datetime(2025, 3, 3, 7, 15, tzinfo=UTC)
    assert pothole.due_at == datetime(2025, 3, 10, 7, 15, tzinfo=UTC)
    light = Report.objects.get(category__slug="eclairage")
    assert light.status == Status.CLOSED and light.closed_at is not None
    event = DecisionEvent.objects.get(object_id=str(light.pk))
    assert event.body == "Lampadaire remplacé." and event.author_role == "Éclairage public"


def test_import_is_idempotent(component):
    _import(component, FIXTURES / "requests_valmont.json")
    again = _import(component, FIXTURES / "requests_valmont.json")
    assert again.created == 0 and again.skipped == 3
    assert Report.objects.count() == 2


def test_imports_services_then_requests_from_xml(component):
    services = _import(component, FIXTURES / "services_valmont.xml")
    assert services.categories_created == 2
    assert Category.objects.get(slug="nid-de-poule").description == "Trou ou affaissement de la chaussée."
    summary = _import(component, FIXTURES / "requests_valmont.xml")
    assert summary.created == 1
    report = Report.objects.get()
    assert report.category.slug == "depot-sauvage" and report.address.startswith("Chemin des Vignes")


def test_imported_requests_are_served_back_identically(component, client_for, org):
    """What we read from a server, we serve again with the same ids of services, positions and statuses."""
    _import(component, FIXTURES / "requests_valmont.json")
    start = "2025-02-01T00:00:00+01:00"
    response = client_for().get("/open311/v2/requests.json", {"start_date": start})
    documents = json.loads(response.content)
    assert sorted((d["service_code"], d["status"], d["lat"], d["long"]) for d in documents) == [
        ("eclairage", "closed", 47.4, 0.98),
        ("nid-de-poule", "open", 47.4012, 0.9815),
    ]
    by_code = {d["service_code"]: d for d in documents}
    assert formats.parse_w3c_datetime(by_code["nid-de-poule"]["requested_datetime"]) == datetime(
        2025, 3, 3, 7, 15, tzinfo=UTC
    )
    assert by_code["eclairage"]["status_notes"] == "Lampadaire remplacé."


@pytest.mark.parametrize(
    ("name", "created", "categories"),
    [
        ("service_requests.json", 2, 2),
        ("requests_many.xml", 2, 1),
        ("requests_single.xml", 1, 1),
        ("service_list.json", 0, 3),
        ("services_giessen.xml", 0, 8),
    ],
)
def test_imports_real_responses(component, shared_data, name, created, categories):
    summary = _import(component, shared_data / "open311" / "samples" / name)
    assert summary.created == created and summary.categories_created == categories
    assert summary.problems == []
    for report in Report.objects.all():
        assert 2014 <= report.created_at.year <= 2018  # the original dates, not today's


def test_real_chicago_requests_keep_their_fields(component, shared_data):
    _import(component, shared_data / "open311" / "samples" / "service_requests.json")
    report = Report.objects.get(address__startswith="7408 S NORMAL")
    assert report.category.name == "Building Violation"
    assert report.created_at == datetime(2014, 7, 12, 15, 48, 56, tzinfo=UTC)
    assert DecisionEvent.objects.get(object_id=str(report.pk)).body == "Locked"


def test_command(component, shared_data, capsys):
    call_command(
        "open311_import",
        str(FIXTURES / "requests_valmont.xml"),
        str(shared_data / "open311" / "samples" / "requests_many.xml"),
        "--component",
        str(component.pk),
    )
    out = capsys.readouterr().out
    assert "requests_valmont.xml: 1 reports created" in out
    assert "requests_many.xml: 2 reports created" in out


def test_command_errors(component, tmp_path):
    with pytest.raises(CommandError, match="no reports component"):
        call_command("open311_import", str(FIXTURES / "requests_valmont.xml"), "--component", "999999")
    bad = tmp_path / "bad.xml"
    bad.write_text("<html/>")
    with pytest.raises(CommandError, match="unexpected root element"):
        call_command("open311_import", str(bad), "--component", str(component.pk))
    with pytest.raises(CommandError, match=r"not well-formed|refused"):
        call_command("open311_import", str(FIXTURES / "entity_bomb.xml"), "--component", str(component.pk))
