"""The GeoReport v2 endpoints at /open311/v2/, in XML and JSON, against the spec and the shared schemas."""

from __future__ import annotations

import io
import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from defusedxml import ElementTree as SafeET
from django.conf import settings
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from parlons.core.models import DecisionEvent, Process
from parlons.core.services import decision_record
from parlons.core.tests.factories import AreaFactory, ComponentFactory, ProcessFactory, ServiceFactory
from parlons.modules.reports.models import Category, Open311ApiKey, Open311Submission, Report, Status
from parlons.modules.reports.open311 import formats
from parlons.modules.reports.open311.reading import read_xml_tree
from parlons.modules.reports.open311.services import open311_api_key_create, open311_api_key_revoke
from parlons.modules.reports.tests.open311_schemas import (
    assert_valid,
    assert_valid_schema,
    swagger_schema,
    xml_as_json,
)

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
# A district of Valmont around (0.98 E, 47.40 N).
DISTRICT = MultiPolygon(
    Polygon(((0.95, 47.38), (1.01, 47.38), (1.01, 47.42), (0.95, 47.42), (0.95, 47.38))), srid=4326
)


@pytest.fixture
def town(org):
    voirie = ServiceFactory(organisation=org, name="Voirie", slug="voirie")
    AreaFactory(organisation=org, name="Centre", slug="centre", geometry=DISTRICT)
    process = ProcessFactory(
        organisation=org, visibility=Process.Visibility.PUBLIC, published_at=timezone.now()
    )
    component = ComponentFactory(process=process, module_key="reports", name="Signalements")
    pothole = Category.objects.create(
        organisation=org,
        service=voirie,
        slug="nid-de-poule",
        name="Nid-de-poule",
        keywords="trou, chaussée",
        description="Trou dans la chaussée",
    )
    light = Category.objects.create(organisation=org, slug="eclairage", name="Éclairage public")
    return {"component": component, "pothole": pothole, "light": light, "service": voirie}


def _report(town, *, category=None, status=Status.RECEIVED, days_ago=1, private=False, **fields):
    component = town["component"]
    category = category or town["pothole"]
    report = Report.objects.create(
        organisation=component.process.organisation,
        component=component,
        category=category,
        service=category.service,
        point=f"SRID=4326;POINT({fields.get('lon', 0.98)} {fields.get('lat', 47.40)})",
        lon=fields.pop("lon", 0.98),
        lat=fields.pop("lat", 47.40),
        description=fields.pop("description", "Un trou profond devant l'école"),
        address=fields.pop("address", "Place du Marché, 37530 Valmont-sur-Loire"),
        status=status,
        is_private=private,
        due_at=timezone.now() + timedelta(days=6),
        **fields,
    )
    created = timezone.now() - timedelta(days=days_ago)
    Report.objects.filter(pk=report.pk).update(created_at=created, updated_at=created)
    report.refresh_from_db()
    return report


@pytest.fixture
def check_schema(request):
    """Validate with the shared GeoReport v2 schemas when ../shared is there; the tests' own assertions
    check the behaviour either way (``test_every_json_endpoint_validates`` requires the schemas)."""
    path = Path(os.environ.get("PARLONS_SHARED_DATA", settings.SHARED_DATA_DIR))
    if not path.is_dir():
        return lambda name, document: None
    return lambda name, document: assert_valid(path, name, document)


@pytest.fixture
def api_key(org, town):
    _key, plaintext = open311_api_key_create(organisation=org, by=None, name="Appli mobile")
    return plaintext


def _get(client_for, path, **params):
    return client_for().get(f"{BASE}/{path}", params)


def _json(response, status=200):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def _xml(response, status=200):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return SafeET.fromstring(response.content)


# --- discovery and services ---------------------------------------------------------------------------


def test_discovery_in_both_formats(client_for, town):
    document = _json(_get(client_for, "discovery.json"))
    endpoint = document["endpoints"][0]
    assert endpoint["url"] == "http://valmont.example.test/open311/v2/"
    assert endpoint["specification"] == formats.SPECIFICATION_URL
    formats.parse_w3c_datetime(document["changeset"])
    root = _xml(_get(client_for, "discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_services_json_validates(client_for, town, check_schema):
    services = _json(_get(client_for, "services.json"))
    check_schema("services.json", services)
    by_code = {s["service_code"]: s for s in services}
    assert by_code["nid-de-poule"] == {
        "service_code": "nid-de-poule",
        "service_name": "Nid-de-poule",
        "description": "Trou dans la chaussée",
        "metadata": True,
        "type": "realtime",
        "keywords": "trou, chaussée",
        "group": "Voirie",
    }
    assert by_code["eclairage"]["group"] is None


def test_services_xml_has_spec_elements(client_for, town):
    root = _xml(_get(client_for, "services.xml"))
    assert root.tag == "services"
    service = root.find("service")
    assert [c.tag for c in service] == list(formats.SERVICE_FIELDS)
    assert service.findtext("metadata") == "true"


def test_inactive_categories_are_not_services(client_for, town):
    Category.objects.filter(pk=town["light"].pk).update(is_active=False)
    codes = [s["service_code"] for s in _json(_get(client_for, "services.json"))]
    assert codes == ["nid-de-poule"]


def test_service_definition_in_both_formats(client_for, town, check_schema):
    document = _json(_get(client_for, "services/nid-de-poule.json"))

    check_schema("service-definition.json", document)
    assert document["service_code"] == "nid-de-poule"
    assert [a["code"] for a in document["attributes"]] == ["routing", "danger", "landmark"]
    root = _xml(_get(client_for, "services/nid-de-poule.xml"))
    assert root.tag == "service_definition"
    danger = root.findall("attributes/attribute")[1]
    assert danger.findtext("code") == "danger"
    assert danger.findtext("variable") == "true"
    assert danger.findtext("required") == "false"
    assert [v.findtext("key") for v in danger.findall("values/value")] == ["yes", "no"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_is_404_in_spec_format(client_for, town, fmt):
    response = _get(client_for, f"services/inconnu.{fmt}")
    if fmt == "json":
        assert _json(response, 404) == [{"code": 404, "description": "No service has this service_code."}]
    else:
        root = _xml(response, 404)
        assert root.tag == "errors" and root.findtext("error/code") == "404"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_wrong_jurisdiction_is_404(client_for, town, fmt):
    response = _get(client_for, f"services.{fmt}", jurisdiction_id="autreville")
    assert response.status_code == 404
    assert "jurisdiction_id" in response.content.decode()
    assert _get(client_for, f"services.{fmt}", jurisdiction_id="valmont").status_code == 200


def test_unknown_endpoint_and_format(client_for, town):
    assert _json(_get(client_for, "nothing.json"), 404)[0]["code"] == 404
    assert _xml(_get(client_for, "nothing.xml"), 404).findtext("error/code") == "404"
    assert _json(_get(client_for, "services.csv"), 404)[0]["code"] == 404


# --- GET requests -------------------------------------------------------------------------------------


def test_requests_json_validates_and_maps_fields(client_for, town, check_schema):
    report = _report(town, status=Status.IN_PROGRESS)
    closed = _report(town, category=town["light"], status=Status.FIXED, days_ago=3)
    decision_record(
        organisation=report.organisation,
        subject=closed,
        by=None,
        kind=DecisionEvent.Kind.STATUS,
        from_status="in_progress",
        to_status="fixed",
        body="Lampe remplacée.",
    )
    _report(town, private=True)  # never shown
    documents = _json(_get(client_for, "requests.json"))
    check_schema("requests.json", documents)
    assert [d["service_request_id"] for d in documents] == [report.public_id, closed.public_id]
    first, second = documents
    assert first["status"] == "open" and second["status"] == "closed"
    assert second["status_notes"] == "Lampe remplacée."
    assert first["service_code"] == "nid-de-poule" and first["service_name"] == "Nid-de-poule"
    assert first["agency_responsible"] == "Voirie"
    assert first["lat"] == 47.40 and first["long"] == 0.98
    assert first["requested_datetime"].endswith(("+01:00", "+02:00"))  # Europe/Paris offset, W3C
    assert formats.parse_w3c_datetime(first["requested_datetime"]) == report.created_at.replace(microsecond=0)
    assert first["expected_datetime"] is not None


def test_requests_xml_matches_spec_field_names(client_for, town):
    _report(town)
    root = _xml(_get(client_for, "requests.xml"))
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    assert [c.tag for c in request] == list(formats.REQUEST_FIELDS)
    assert request.findtext("status") == "open"
    float(request.findtext("lat"))


def test_status_mapping(client_for, town):
    for status in Status.values:
        _report(town, status=status)
    documents = _json(_get(client_for, "requests.json"))
    assert sorted(d["status"] for d in documents) == ["closed", "closed", "open", "open", "open"]
    assert len(_json(_get(client_for, "requests.json", status="open"))) == 3
    assert len(_json(_get(client_for, "requests.json", status="closed"))) == 2
    assert len(_json(_get(client_for, "requests.json", status="open,closed"))) == 5


def test_filters_service_code_dates_and_ids(client_for, town):
    recent = _report(town, days_ago=2)
    light = _report(town, category=town["light"], days_ago=5)
    old = _report(town, days_ago=120)
    ids = lambda response: [d["service_request_id"] for d in _json(response)]  # noqa: E731
    assert ids(_get(client_for, "requests.json")) == [recent.public_id, light.public_id]  # last 90 days
    assert ids(_get(client_for, "requests.json", service_code="eclairage")) == [light.public_id]
    assert ids(_get(client_for, "requests.json", service_code="eclairage,nid-de-poule")) == [
        recent.public_id,
        light.public_id,
    ]
    start = (timezone.now() - timedelta(days=150)).isoformat(timespec="seconds")
    end = (timezone.now() - timedelta(days=100)).isoformat(timespec="seconds")
    assert ids(_get(client_for, "requests.json", start_date=start, end_date=end)) == [old.public_id]
    # service_request_id overrides every other filter, the 90 days included.
    assert ids(
        _get(
            client_for,
            "requests.json",
            service_request_id=f"{old.public_id},{light.public_id}",
            status="closed",
        )
    ) == [
        light.public_id,
        old.public_id,
    ]


def test_updated_after_and_before(client_for, town):
    report = _report(town, days_ago=10)
    other = _report(town, days_ago=10)
    Report.objects.filter(pk=report.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    after = (timezone.now() - timedelta(days=1)).isoformat(timespec="seconds")
    ids = [d["service_request_id"] for d in _json(_get(client_for, "requests.json", updated_after=after))]
    assert ids == [report.public_id]
    ids = [d["service_request_id"] for d in _json(_get(client_for, "requests.json", updated_before=after))]
    assert ids == [other.public_id]


def test_pagination_and_1000_limit(client_for, town):
    for _ in range(5):
        _report(town)
    all_ids = [d["service_request_id"] for d in _json(_get(client_for, "requests.json"))]
    page1 = [d["service_request_id"] for d in _json(_get(client_for, "requests.json", page_size=2))]
    page3 = [d["service_request_id"] for d in _json(_get(client_for, "requests.json", page_size=2, page=3))]
    assert page1 == all_ids[:2] and page3 == all_ids[4:]
    assert _json(_get(client_for, "requests.json", page_size=2, page=4)) == []
    errors = _json(_get(client_for, "requests.json", page_size=1001), 400)
    assert "between 1 and 1000" in errors[0]["description"]


def test_never_more_than_1000_results(client_for, town, monkeypatch):
    from parlons.modules.reports.open311 import parsing

    monkeypatch.setattr(parsing, "MAX_RESULTS", 3)
    for _ in range(4):
        _report(town)
    assert len(_json(_get(client_for, "requests.json"))) == 3


def test_bad_filters_are_400_in_both_formats(client_for, town):
    errors = _json(_get(client_for, "requests.json", start_date="2025-01-01", status="pending"), 400)
    assert {e["code"] for e in errors} == {400}
    assert len(errors) == 2
    root = _xml(
        _get(client_for, "requests.xml", start_date="2024-01-01T00:00:00Z", end_date="2024-06-01T00:00:00Z"),
        400,
    )
    assert "90 days" in root.findtext("error/description")


def test_extensions_give_notes_history(client_for, town, check_schema):
    report = _report(town)
    org = report.organisation
    decision_record(
        organisation=org,
        subject=report,
        by=None,
        kind="status",
        from_status="received",
        to_status="fixed",
        body="Rebouché.",
    )
    decision_record(
        organisation=org,
        subject=report,
        by=None,
        kind="status",
        from_status="fixed",
        to_status="received",
        body="Toujours là.",
    )
    decision_record(
        organisation=org, subject=report, by=None, kind="answer", body="Nous repassons.", is_public=False
    )
    (document,) = _json(_get(client_for, "requests.json", extensions="true"))
    check_schema("requests.json", [document])
    assert [n["type"] for n in document["notes"]] == ["opened", "closed", "reopened"]  # private answer hidden
    assert document["notes"][1]["status"] == "closed" and document["notes"][2]["status"] == "open"
    assert document["notes"][1]["description"] == "Rebouché."
    assert document["extended_attributes"]["url"].endswith(f"/{report.public_id}/")
    (plain,) = _json(_get(client_for, "requests.json"))
    assert "notes" not in plain
    root = _xml(_get(client_for, f"requests/{report.public_id}.xml", extensions="true"))
    assert [n.findtext("type") for n in root.findall("request/notes/note")] == [
        "opened",
        "closed",
        "reopened",
    ]


def test_request_detail_in_both_formats(client_for, town, check_schema):
    report = _report(town)
    documents = _json(_get(client_for, f"requests/{report.public_id}.json"))
    check_schema("requests.json", documents)
    assert documents[0]["service_request_id"] == report.public_id
    root = _xml(_get(client_for, f"requests/{report.public_id}.xml"))
    assert root.findtext("request/service_request_id") == report.public_id


def test_media_url_is_the_first_published_before_photo(client_for, town):
    from parlons.modules.reports.models import PhotoKind, ReportPhoto

    report = _report(town)

    def photo(name, **fields):
        return ReportPhoto.objects.create(
            report=report, file=f"reports/photos/{name}.jpg", content_hash=name.ljust(64, "0"), **fields
        )

    photo("held", is_published=False)
    first = photo("blurred", is_blurred=True)  # blurred: the publishable version of a "before" photo
    photo("second")
    photo("after", kind=PhotoKind.AFTER, position=0)
    documents = _json(_get(client_for, f"requests/{report.public_id}.json"))
    listed = _json(_get(client_for, "requests.json"))
    assert documents[0]["media_url"] == listed[0]["media_url"]
    assert first.content_hash in documents[0]["media_url"] or "blurred" in documents[0]["media_url"]
    assert "after" not in documents[0]["media_url"] and "second" not in documents[0]["media_url"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_and_private_requests_are_404(client_for, town, fmt):
    private = _report(town, private=True)
    for identifier in ("inconnu", private.public_id):
        response = _get(client_for, f"requests/{identifier}.{fmt}")
        assert response.status_code == 404
        assert "service_request_id" in response.content.decode()


def test_other_organisation_sees_nothing(client_for, town, other_org):
    report = _report(town)
    other = lambda path: client_for(organisation=other_org).get(f"{BASE}/{path}")  # noqa: E731
    assert _json(other("requests.json")) == []
    assert _json(other("services.json")) == []
    assert other(f"requests/{report.public_id}.json").status_code == 404


def test_unpublished_components_are_not_served(client_for, town):
    _report(town)
    town["component"].published_at = None
    town["component"].save()
    assert _json(_get(client_for, "requests.json")) == []


def test_requests_list_query_count_does_not_grow(client_for, town, django_assert_max_num_queries):
    for _ in range(30):
        _report(town)
    with django_assert_max_num_queries(12):
        assert len(_json(_get(client_for, "requests.json", extensions="true"))) == 30


# --- POST requests ------------------------------------------------------------------------------------


def _post(client_for, fmt="json", **data):
    return client_for().post(f"{BASE}/requests.{fmt}", data)


def _valid(api_key, **overrides):
    data = {
        "api_key": api_key,
        "service_code": "nid-de-poule",
        "lat": "47.401",
        "long": "0.981",
        "description": "Un trou profond devant l'école",
        "email": "habitant@example.test",
        "first_name": "Anne",
        "last_name": "Martin",
    }
    data.update(overrides)
    return data


def test_post_creates_a_report_through_report_submit(client_for, town, api_key, mailoutbox):
    response = _post(
        client_for,
        **_valid(api_key, **{"attribute[danger]": "yes", "media_url": "https://example.test/p.jpg"}),
    )
    (answer,) = _json(response)
    report = Report.objects.get(public_id=answer["service_request_id"])
    assert answer["token"] and answer["account_id"] is None
    assert report.category == town["pothole"] and report.service == town["service"]  # routed
    assert report.area.slug == "centre" and report.status == Status.RECEIVED
    assert report.contact_email == "habitant@example.test" and report.reporter is None
    submission = Open311Submission.objects.get(report=report)
    assert submission.attributes == {"danger": "yes"}
    assert submission.media_url == "https://example.test/p.jpg"
    assert DecisionEvent.objects.filter(object_id=str(report.pk), to_status="received").exists()
    # The new request is then readable, with its media_url and its token.
    (document,) = _json(_get(client_for, f"requests/{report.public_id}.json"))
    assert document["media_url"] == "https://example.test/p.jpg"
    (token,) = _json(_get(client_for, f"tokens/{answer['token']}.json"))
    assert token == {"service_request_id": report.public_id, "token": answer["token"]}
    root = _xml(_get(client_for, f"tokens/{answer['token']}.xml"))
    assert root.findtext("request/service_request_id") == report.public_id


def test_post_xml_answer(client_for, town, api_key):
    root = _xml(_post(client_for, "xml", **_valid(api_key)))
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id")
    assert root.find("request/token") is not None


def test_post_with_address_string_is_geocoded(client_for, town, api_key):
    data = _valid(
        api_key, address_string="Place du Marché, Valmont-sur-Loire", **{"attribute[landmark]": "la fontaine"}
    )
    del data["lat"], data["long"]
    (answer,) = _json(_post(client_for, **data))
    report = Report.objects.get(public_id=answer["service_request_id"])
    assert abs(report.lat - 47.40) < 0.01
    assert "la fontaine" in report.address


def test_post_with_media_upload(client_for, town, api_key):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(buffer, "JPEG")
    media = SimpleUploadedFile("trou.jpg", buffer.getvalue(), content_type="image/jpeg")
    (answer,) = _json(_post(client_for, **_valid(api_key, media=media)))
    report = Report.objects.get(public_id=answer["service_request_id"])
    assert report.photos.count() == 1
    # Held for review (the component's default): no media_url until a moderator publishes it.
    (document,) = _json(_get(client_for, f"requests/{report.public_id}.json"))
    assert not document.get("media_url")
    report.photos.update(is_published=True)
    (document,) = _json(_get(client_for, f"requests/{report.public_id}.json"))
    assert document["media_url"].startswith("http://valmont.example.test/")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_wrong_or_missing_api_key_is_403(client_for, town, api_key, fmt):
    for value in ("", "o311_wrong"):
        response = _post(client_for, fmt, **_valid(value))
        assert response.status_code == 403
        assert "api_key" in response.content.decode()
    assert Report.objects.count() == 0


def test_revoked_key_and_other_towns_key_are_403(client_for, org, other_org, town, api_key):
    key = Open311ApiKey.objects.get(organisation=org)
    _theirs, their_plaintext = open311_api_key_create(organisation=other_org, by=None, name="Autre")
    assert _post(client_for, **_valid(their_plaintext)).status_code == 403
    open311_api_key_revoke(organisation=org, by=None, key_id=key.pk)
    assert _post(client_for, **_valid(api_key)).status_code == 403


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"service_code": ""}, "service_code is required."),
        ({"service_code": "inconnu"}, "service_code inconnu is not a service of this jurisdiction."),
        ({"lat": "", "long": ""}, "A location is required: lat and long, or address_string, or address_id."),
        ({"lat": "", "long": "", "address_id": "A-12"}, "address_id alone cannot be located here"),
        ({"attribute[danger]": "peut-être"}, "attribute[danger] must be one of: no, yes."),
        ({"attribute[couleur]": "rouge"}, "attribute[couleur] is not an attribute of this service."),
        ({"lat": "48.85", "long": "2.35"}, "This place is not served by Valmont."),
        ({"description": "x" * 4001}, "description is limited to 4000 characters."),
        ({"email": ""}, "Give your e-mail address"),
    ],
)
def test_post_missing_or_invalid_fields_are_precise_400(client_for, town, api_key, overrides, message):
    errors = _json(_post(client_for, **_valid(api_key, **overrides)), 400)
    assert errors[0]["code"] == 400
    assert any(message in e["description"] for e in errors), errors
    assert Report.objects.count() == 0 and Open311Submission.objects.count() == 0


def test_post_is_csrf_exempt(town, api_key, org):
    from django.test import Client

    client = Client(HTTP_HOST=org.host, enforce_csrf_checks=True)
    assert client.post(f"{BASE}/requests.json", _valid(api_key)).status_code == 200


def test_unknown_token_is_404(client_for, town):
    assert (
        _json(_get(client_for, "tokens/nope.json"), 404)[0]["description"]
        == "No service request has this token."
    )


def test_method_not_allowed(client_for, town):
    response = client_for().post(f"{BASE}/services.json")
    assert response.status_code == 405 and response["Allow"] == "GET"


def test_rate_limited(client_for, town, settings):
    settings.PARLONS_OPEN311_RATE_READ = "3/m"
    statuses = [_get(client_for, "services.json").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert _json(_get(client_for, "services.json"), 429)[0]["code"] == 429


# --- API keys -----------------------------------------------------------------------------------------


def test_api_keys_are_managed_by_administrators_and_stored_hashed(org, town, admin_user, citizen):
    from parlons.common.errors import PermissionDenied

    key, plaintext = open311_api_key_create(organisation=org, by=admin_user, name="Appli")
    assert plaintext.startswith("o311_") and plaintext not in (key.digest, key.prefix)
    assert len(key.digest) == 64 and plaintext.startswith(key.prefix)
    with pytest.raises(PermissionDenied):
        open311_api_key_create(organisation=org, by=citizen, name="Pirate")
    with pytest.raises(PermissionDenied):
        open311_api_key_revoke(organisation=org, by=citizen, key_id=key.pk)


def test_key_command(org, town, capsys):
    from django.core.management import call_command

    call_command("open311_key", "create", "--organisation", org.slug, "--name", "Appli")
    out = capsys.readouterr().out
    assert "o311_" in out
    call_command("open311_key", "list", "--organisation", org.slug)
    assert "Appli" in capsys.readouterr().out


def test_every_json_endpoint_validates_against_the_shared_schemas(client_for, town, api_key, shared_data):
    report = _report(town, status=Status.FIXED)
    decision_record(
        organisation=report.organisation,
        subject=report,
        by=None,
        kind="status",
        to_status="fixed",
        body="Fait.",
    )
    _json(_post(client_for, **_valid(api_key)))
    assert_valid(shared_data, "services.json", _json(_get(client_for, "services.json")))
    for code in ("nid-de-poule", "eclairage"):
        assert_valid(shared_data, "service-definition.json", _json(_get(client_for, f"services/{code}.json")))
    for params in ({}, {"extensions": "true"}, {"status": "closed"}, {"page_size": 1, "page": 2}):
        documents = _json(_get(client_for, "requests.json", **params))
        assert documents
        assert_valid(shared_data, "requests.json", documents)
    assert_valid(shared_data, "requests.json", _json(_get(client_for, f"requests/{report.public_id}.json")))


def test_every_xml_endpoint_validates_against_the_shared_schemas(client_for, town, api_key, shared_data):
    """The XML answers, read back with our own reader and typed as the schemas say, pass the same
    GeoReport v2 schemas as the JSON ones: services, definitions, requests, a request, POST answer, tokens."""
    _report(town, days_ago=2, private=False)
    report = _report(town, status=Status.FIXED)
    decision_record(
        organisation=report.organisation,
        subject=report,
        by=None,
        kind="status",
        to_status="fixed",
        body="Fait.",
    )

    def read(path, **params):
        response = _get(client_for, path, **params)
        _xml(response)  # status, content type and declaration
        return read_xml_tree(response.content)

    def check(name, path, **params):
        tag, tree = read(path, **params)
        document = xml_as_json(shared_data, name, tree)
        assert_valid(shared_data, name, document)
        return tag, document

    tag, services = check("services.json", "services.xml")
    assert tag == "services" and {s["service_code"] for s in services} == {"nid-de-poule", "eclairage"}
    for code in ("nid-de-poule", "eclairage"):
        tag, definition = check("service-definition.json", f"services/{code}.xml")
        assert tag == "service_definition" and definition["service_code"] == code
    for params in ({}, {"extensions": "true"}, {"status": "closed"}, {"page_size": 1, "page": 2}):
        tag, documents = check("requests.json", "requests.xml", **params)
        assert tag == "service_requests" and documents
    tag, (one,) = check("requests.json", f"requests/{report.public_id}.xml")
    assert one["service_request_id"] == report.public_id and one["status"] == "closed"

    answer_schema = swagger_schema(shared_data, "RequestResponse", array=True)
    token_schema = swagger_schema(shared_data, "TokenResponse", array=True)
    # The JSON answer keeps null for an absent account_id/service_notice, as the specification's own example
    # does (swagger.json says string); XML has no null, so its empty elements are checked as strings.
    answer = _json(_post(client_for, **_valid(api_key)))
    tag, tree = read_xml_tree(
        _post(client_for, "xml", **_valid(api_key, description="Un autre trou profond.")).content
    )
    xml_answer = xml_as_json(shared_data, answer_schema, tree)
    assert tag == "service_requests" and xml_answer[0]["token"]
    assert_valid_schema(answer_schema, xml_answer)
    token = answer[0]["token"]
    assert_valid_schema(token_schema, _json(_get(client_for, f"tokens/{token}.json")))
    tag, tree = read_xml_tree(_get(client_for, f"tokens/{token}.xml").content)
    tokens = xml_as_json(shared_data, token_schema, tree)
    assert_valid_schema(token_schema, tokens)
    assert tokens[0]["token"] == token and tokens[0]["service_request_id"]
