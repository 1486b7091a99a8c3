"""Open311 wire formats, parameter checks and reading other servers' responses: no database needed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from defusedxml import ElementTree as SafeET
from django.http import QueryDict

from parlons.modules.reports.open311 import formats, reading
from parlons.modules.reports.open311.parsing import (
    MAX_RESULTS,
    Open311Error,
    check_attributes,
    parse_new_request,
    parse_request_query,
)
from parlons.modules.reports.tests.open311_schemas import assert_valid, validator

FIXTURES = Path(__file__).parent / "open311_fixtures"
PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


# --- dates --------------------------------------------------------------------------------------------


def test_w3c_datetime_has_seconds_and_offset():
    value = datetime(2025, 3, 3, 7, 15, 0, 123456, tzinfo=UTC)
    assert formats.w3c_datetime(value, PARIS) == "2025-03-03T08:15:00+01:00"
    assert formats.w3c_datetime(datetime(2025, 7, 1, 10, 0, tzinfo=UTC), PARIS) == "2025-07-01T12:00:00+02:00"
    assert formats.w3c_datetime(None) is None
    with pytest.raises(ValueError):
        formats.w3c_datetime(datetime(2025, 1, 1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2014-07-12T10:58:43-05:00", datetime(2014, 7, 12, 15, 58, 43, tzinfo=UTC)),
        ("2014-07-12T10:58:43Z", datetime(2014, 7, 12, 10, 58, 43, tzinfo=UTC)),
        ("2014-07-12T10:58-0500", datetime(2014, 7, 12, 15, 58, tzinfo=UTC)),
        ("2014-07-12T10:58:43.5+01:00", datetime(2014, 7, 12, 9, 58, 43, 500000, tzinfo=UTC)),
    ],
)
def test_parse_w3c_datetime(text, expected):
    assert formats.parse_w3c_datetime(text) == expected


@pytest.mark.parametrize(
    "text", ["2014-07-12", "2014-07-12T10:58:43", "yesterday", "2014-13-12T10:58:43Z", ""]
)
def test_parse_w3c_datetime_refuses_dates_without_time_zone_or_invalid(text):
    with pytest.raises(formats.InvalidDatetime):
        formats.parse_w3c_datetime(text)


# --- writing ------------------------------------------------------------------------------------------


def _request_fields(**overrides):
    fields = {
        "service_request_id": "abc123",
        "status": "open",
        "service_code": "nid-de-poule",
        "service_name": "Nid-de-poule",
        "requested_datetime": "2025-03-03T08:15:00+01:00",
        "lat": 47.4,
        "long": 0.98,
        "description": "Trou",
    }
    fields.update(overrides)
    return fields


def test_service_request_document_types_and_order():
    document = formats.service_request(_request_fields(service_request_id=12, lat="47.4"))
    assert list(document)[:5] == [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
    ]
    assert document["service_request_id"] == "12"
    assert document["lat"] == 47.4 and isinstance(document["lat"], float)
    assert document["media_url"] is None


def test_xml_rendering_is_well_formed_with_spec_element_names():
    body = formats.render_xml(
        "service_requests", [formats.service_request(_request_fields(description="<b>&"))]
    )
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = SafeET.fromstring(body)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert [child.tag for child in request] == list(formats.REQUEST_FIELDS)
    assert request.findtext("description") == "<b>&"
    assert request.findtext("lat") == "47.4"
    assert request.find("media_url").text is None  # empty element, like real servers


def test_xml_lists_and_booleans():
    body = formats.render_xml(
        "service_definition",
        {
            "service_code": "x",
            "attributes": [
                {"variable": True, "code": "c", "values": [{"key": "yes", "name": "Oui"}], "order": 1}
            ],
        },
    )
    root = SafeET.fromstring(body)
    attribute = root.find("attributes/attribute")
    assert attribute.findtext("variable") == "true"
    assert attribute.findtext("order") == "1"
    assert attribute.findtext("values/value/key") == "yes"


def test_error_documents_in_both_formats():
    body, content_type = formats.render_errors("json", 400, ["service_code is required."])
    assert content_type.startswith("application/json")
    assert json.loads(body) == [{"code": 400, "description": "service_code is required."}]
    body, content_type = formats.render_errors("xml", 403, ["A valid api_key is required."])
    assert content_type.startswith("text/xml")
    root = SafeET.fromstring(body)
    assert root.tag == "errors"
    assert root.findtext("error/code") == "403"
    assert root.findtext("error/description") == "A valid api_key is required."


def test_discovery_document():
    document = formats.discovery(
        url="https://valmont.example.test/open311/v2/",
        changeset=datetime(2025, 1, 1, tzinfo=UTC),
        contact="mairie@valmont.example.test",
        key_service="Ask the town hall",
        tz=PARIS,
    )
    endpoint = document["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert document["changeset"] == "2025-01-01T01:00:00+01:00"


# --- GET requests filters -----------------------------------------------------------------------------


def test_request_query_defaults_to_last_90_days_and_1000_results():
    query = parse_request_query({}, now=NOW)
    assert query.end == NOW and query.start == NOW - timedelta(days=90)
    assert query.page == 1 and query.page_size == MAX_RESULTS == 1000
    assert not query.extensions


def test_request_query_with_one_date_spans_90_days():
    start = datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    query = parse_request_query({"start_date": "2025-01-01T00:00:00+01:00"}, now=NOW)
    assert query.start == start and query.end == start + timedelta(days=90)
    query = parse_request_query({"end_date": "2025-01-01T00:00:00+01:00"}, now=NOW)
    assert query.start == start - timedelta(days=90)


def test_request_query_lists_and_extensions():
    query = parse_request_query(
        {
            "service_code": "a,b",
            "status": "open,closed",
            "page": "3",
            "page_size": "50",
            "extensions": "true",
            "updated_after": "2025-05-01T00:00:00Z",
        },
        now=NOW,
    )
    assert query.service_codes == ("a", "b")
    assert query.statuses == ("open", "closed")
    assert (query.page, query.page_size, query.extensions) == (3, 50, True)
    assert query.updated_after == datetime(2025, 5, 1, tzinfo=UTC)


def test_service_request_id_overrides_other_filters():
    query = parse_request_query({"service_request_id": "a, b ,c", "status": "nonsense"}, now=NOW)
    assert query.ids == ("a", "b", "c")
    assert query.start is None and query.statuses == ()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-05-01T00:00:00Z"},
            "may not span more than 90 days",
        ),
        (
            {"start_date": "2025-02-01T00:00:00Z", "end_date": "2025-01-01T00:00:00Z"},
            "start_date must be before",
        ),
        ({"start_date": "2025-01-01"}, "start_date must be a W3C date-time"),
        ({"status": "pending"}, "status must be open or closed"),
        ({"page_size": "1001"}, "page_size must be a whole number between 1 and 1000"),
        ({"page": "0"}, "page must be a whole number of at least 1"),
        ({"extensions": "maybe"}, "extensions must be true or false"),
        (
            {"updated_after": "2025-02-01T00:00:00Z", "updated_before": "2025-01-01T00:00:00Z"},
            "updated_after must be",
        ),
    ],
)
def test_request_query_errors_are_precise(params, message):
    with pytest.raises(Open311Error) as caught:
        parse_request_query(params, now=NOW)
    assert caught.value.status == 400
    assert any(message in d for d in caught.value.descriptions), caught.value.descriptions


def test_request_query_reports_every_problem_at_once():
    with pytest.raises(Open311Error) as caught:
        parse_request_query({"status": "x", "start_date": "y", "page_size": "0"}, now=NOW)
    assert len(caught.value.descriptions) == 3


# --- POST requests fields -----------------------------------------------------------------------------


def _post(**fields):
    q = QueryDict(mutable=True)
    for key, value in fields.items():
        for v in value if isinstance(value, list) else [value]:
            q.appendlist(key, v)
    return q


def test_new_request_reads_every_field():
    new = parse_new_request(
        _post(
            service_code="nid-de-poule",
            lat="47.4",
            long="0.98",
            email="habitant@example.test",
            first_name="Anne",
            last_name="Martin",
            description="Trou profond",
            media_url="https://example.test/photo.jpg",
            **{"attribute[danger]": "yes", "attribute[tags][]": ["a", "b"]},
        )
    )
    assert (new.lat, new.long, new.service_code) == (47.4, 0.98, "nid-de-poule")
    assert new.attributes == {"danger": ["yes"], "tags": ["a", "b"]}
    assert new.media_url == "https://example.test/photo.jpg"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"lat": "47.4", "long": "0.98"}, "service_code is required"),
        ({"service_code": "x"}, "A location is required"),
        ({"service_code": "x", "lat": "47.4"}, "lat and long must be given together"),
        ({"service_code": "x", "lat": "147.4", "long": "0.98"}, "lat must be between -90 and 90"),
        ({"service_code": "x", "lat": "abc", "long": "0.98"}, "lat must be a decimal number"),
        ({"service_code": "x", "address_string": "1 rue", "email": "nope"}, "email is not a valid"),
        (
            {"service_code": "x", "address_string": "1 rue", "media_url": "ftp://x/y"},
            "media_url must be an http",
        ),
        ({"service_code": "x", "address_string": "1 rue", "description": "x" * 4001}, "limited to 4000"),
    ],
)
def test_new_request_errors_are_precise(fields, message):
    with pytest.raises(Open311Error) as caught:
        parse_new_request(_post(**fields))
    assert caught.value.status == 400
    assert any(message in d for d in caught.value.descriptions), caught.value.descriptions


DEFINITIONS = [
    {"variable": False, "code": "info", "datatype": "text", "required": False},
    {
        "variable": True,
        "code": "kind",
        "datatype": "singlevaluelist",
        "required": True,
        "values": [{"key": "a", "name": "A"}],
    },
    {
        "variable": True,
        "code": "many",
        "datatype": "multivaluelist",
        "required": False,
        "values": [{"key": "x", "name": "X"}, {"key": "y", "name": "Y"}],
    },
    {"variable": True, "code": "size", "datatype": "number", "required": False},
    {"variable": True, "code": "seen", "datatype": "datetime", "required": False},
]


def test_attributes_are_checked_against_the_service_definition():
    checked = check_attributes(DEFINITIONS, {"kind": ["a"], "many": ["x", "y"], "size": ["2.5"]})
    assert checked == {"kind": "a", "many": ["x", "y"], "size": "2.5"}
    with pytest.raises(Open311Error) as caught:
        check_attributes(
            DEFINITIONS, {"many": ["z"], "size": ["big"], "seen": ["today"], "info": ["x"], "other": ["1"]}
        )
    text = " ".join(caught.value.descriptions)
    for expected in (
        "attribute[kind] is required",
        "attribute[many] must be one of",
        "attribute[size] must be a number",
        "attribute[seen] must be a W3C",
        "attribute[info] is not an attribute",
        "attribute[other] is not an attribute",
    ):
        assert expected in text


# --- reading other servers' responses -----------------------------------------------------------------


def test_reads_own_json_fixture():
    document = reading.read_document(
        (FIXTURES / "requests_valmont.json").read_bytes(), name="requests_valmont.json"
    )
    assert document.kind == "service_requests"
    first, second, third = document.requests
    assert first.service_request_id == "VAL-2025-0001" and first.lat == 47.4012 and first.long == 0.9815
    assert first.requested_datetime == datetime(2025, 3, 3, 7, 15, tzinfo=UTC)
    assert second.status == "closed" and second.lat == 47.4  # numbers as strings are read
    assert third.lat is None


def test_reads_own_xml_fixtures():
    document = reading.read_document((FIXTURES / "requests_valmont.xml").read_bytes(), name="x.xml")
    (request,) = document.requests
    assert request.service_code == "depot-sauvage" and request.updated_datetime is None
    assert request.long == 0.9702
    services = reading.read_document((FIXTURES / "services_valmont.xml").read_bytes())
    assert services.kind == "services"
    assert [s.service_code for s in services.services] == ["nid-de-poule", "eclairage"]
    assert services.services[0].group == "Voirie"


def test_refuses_entity_expansion_and_garbage():
    with pytest.raises(reading.UnreadableDocument):
        reading.read_document((FIXTURES / "entity_bomb.xml").read_bytes(), name="bomb.xml")
    with pytest.raises(reading.UnreadableDocument):
        reading.read_document(b"<html><body>nope</body></html>")
    with pytest.raises(reading.UnreadableDocument):
        reading.read_document(b"{not json", name="x.json")
    with pytest.raises(reading.UnreadableDocument):
        reading.read_document(b'[{"hello": 1}]', name="x.json")


def test_round_trip_of_our_own_xml():
    body = formats.render_xml("service_requests", [formats.service_request(_request_fields())])
    (request,) = reading.read_document(body).requests
    assert request.service_request_id == "abc123" and request.lat == 47.4 and request.long == 0.98


@pytest.mark.parametrize(
    ("name", "kind", "count"),
    [
        ("service_requests.json", "service_requests", 2),
        ("requests_many.xml", "service_requests", 2),
        ("requests_single.xml", "service_requests", 1),
        ("service_list.json", "services", 3),
        ("services_giessen.xml", "services", 8),
    ],
)
def test_reads_real_responses(shared_data, name, kind, count):
    document = reading.read_document((shared_data / "open311" / "samples" / name).read_bytes(), name=name)
    assert document.kind == kind
    items = document.requests if kind == "service_requests" else document.services
    assert len(items) == count
    if kind == "service_requests":
        assert all(r.requested_datetime and r.requested_datetime.tzinfo for r in document.requests)
        assert all(isinstance(r.lat, float) and isinstance(r.long, float) for r in document.requests)


# --- the shared JSON schemas --------------------------------------------------------------------------


def test_schemas_accept_the_real_json_responses(shared_data):
    samples = shared_data / "open311" / "samples"
    assert_valid(shared_data, "requests.json", json.loads((samples / "service_requests.json").read_text()))
    assert_valid(shared_data, "services.json", json.loads((samples / "service_list.json").read_text()))


def test_schema_check_catches_wrong_types(shared_data):
    bad = [
        formats.service_request(_request_fields())
        | {"service_request_id": 12, "requested_datetime": "3 March"}
    ]
    errors = list(validator(shared_data, "requests.json").iter_errors(bad))
    assert len(errors) == 2


def test_documents_built_by_formats_validate(shared_data):
    assert_valid(shared_data, "requests.json", [formats.service_request(_request_fields())])
    service = formats.service({"service_code": "a", "service_name": "A", "metadata": 1, "type": None})
    assert service["metadata"] is True and service["type"] == "realtime"
    assert_valid(shared_data, "services.json", [service])
