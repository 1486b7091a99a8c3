"""Reading GeoReport v2 responses written by other servers (JSON or XML), for the importer.

Pure code (no Django). Real servers differ in small ways, so reading is tolerant where the
specification is loose: a JSON list or a ``{"service_requests": [...]}`` wrapper, empty XML elements
for missing values, numbers as strings, dates without a time-zone (then read in ``default_tz``).
XML goes through defusedxml: entity expansion and external entities are refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET

from parlons.modules.reports.open311.formats import InvalidDatetime, parse_w3c_datetime


class UnreadableDocument(ValueError):
    """The file is neither a GeoReport v2 list of services nor of service requests."""


@dataclass
class ReadRequest:
    """One service request as read from another server; only ``service_request_id`` is guaranteed."""

    service_request_id: str
    status: str = "open"
    status_notes: str = ""
    service_code: str = ""
    service_name: str = ""
    description: str = ""
    agency_responsible: str = ""
    requested_datetime: datetime | None = None
    updated_datetime: datetime | None = None
    expected_datetime: datetime | None = None
    address: str = ""
    address_id: str = ""
    zipcode: str = ""
    lat: float | None = None
    long: float | None = None
    media_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReadService:
    service_code: str
    service_name: str
    description: str = ""
    metadata: bool = False
    type: str = "realtime"
    keywords: str = ""
    group: str = ""


@dataclass
class Document:
    kind: str  # "services" or "service_requests"
    services: list[ReadService] = field(default_factory=list)
    requests: list[ReadRequest] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _number(value: Any) -> float | None:
    text = _text(value)
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return _text(value).lower() in ("true", "1", "yes")


def _date(value: Any, default_tz: tzinfo | None) -> datetime | None:
    text = _text(value)
    if not text:
        return None
    try:
        return parse_w3c_datetime(text)
    except InvalidDatetime:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        return None
    if parsed.tzinfo is None and default_tz is not None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed if parsed.tzinfo is not None else None


_REQUEST_TEXT = (
    "status_notes",
    "service_code",
    "service_name",
    "description",
    "agency_responsible",
    "address",
    "address_id",
    "zipcode",
    "media_url",
)
_REQUEST_KNOWN = {
    *_REQUEST_TEXT,
    "service_request_id",
    "status",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "lat",
    "long",
    "service_notice",
    "token",
}


def _request(item: dict[str, Any], default_tz: tzinfo | None) -> ReadRequest:
    identifier = _text(item.get("service_request_id"))
    if not identifier:
        raise UnreadableDocument("a service request has no service_request_id")
    status = _text(item.get("status")).lower() or "open"
    return ReadRequest(
        service_request_id=identifier,
        status=status if status in ("open", "closed") else "open",
        requested_datetime=_date(item.get("requested_datetime"), default_tz),
        updated_datetime=_date(item.get("updated_datetime"), default_tz),
        expected_datetime=_date(item.get("expected_datetime"), default_tz),
        lat=_number(item.get("lat")),
        long=_number(item.get("long")),
        extra={k: v for k, v in item.items() if k not in _REQUEST_KNOWN},
        **{name: _text(item.get(name)) for name in _REQUEST_TEXT},
    )


def _service(item: dict[str, Any]) -> ReadService:
    code = _text(item.get("service_code"))
    if not code:
        raise UnreadableDocument("a service has no service_code")
    return ReadService(
        service_code=code,
        service_name=_text(item.get("service_name")) or code,
        description=_text(item.get("description")),
        metadata=_boolean(item.get("metadata")),
        type=_text(item.get("type")) or "realtime",
        keywords=_text(item.get("keywords")),
        group=_text(item.get("group")),
    )


def _document(kind: str, items: list[dict[str, Any]], default_tz: tzinfo | None) -> Document:
    if kind == "services":
        return Document(kind=kind, services=[_service(i) for i in items])
    return Document(kind=kind, requests=[_request(i, default_tz) for i in items])


def _guess_kind(items: list[dict[str, Any]]) -> str:
    if items and all("service_request_id" in i for i in items):
        return "service_requests"
    if items and all("service_code" in i and "service_name" in i for i in items):
        return "services"
    raise UnreadableDocument("neither services nor service requests")


def _element_value(element: Element) -> Any:
    children = list(element)
    if not children:
        return element.text
    if len({c.tag for c in children}) == 1 and len(children) > 1:
        return [_element_value(c) for c in children]
    return {c.tag: _element_value(c) for c in children}


def read_json(data: bytes | str, default_tz: tzinfo | None = None) -> Document:
    try:
        content = json.loads(data)
    except ValueError as exc:
        raise UnreadableDocument(f"not JSON: {exc}") from exc
    if isinstance(content, dict):
        for key in ("service_requests", "requests", "services"):
            if isinstance(content.get(key), list):
                kind = "services" if key == "services" else "service_requests"
                return _document(kind, content[key], default_tz)
        content = [content]
    if not isinstance(content, list) or not all(isinstance(i, dict) for i in content):
        raise UnreadableDocument("expected a list of objects")
    if not content:
        return Document(kind="service_requests")
    return _document(_guess_kind(content), content, default_tz)


def _parse_xml(data: bytes | str) -> Element:
    try:
        return SafeET.fromstring(data, forbid_dtd=True)
    except SafeET.ParseError as exc:
        raise UnreadableDocument(f"not well-formed XML: {exc}") from exc
    except Exception as exc:  # defusedxml's refusals (DTD, entities) share no base class with ParseError
        raise UnreadableDocument(f"refused XML: {exc.__class__.__name__}") from exc


def read_xml_tree(data: bytes | str) -> tuple[str, Any]:
    """Any GeoReport v2 XML response as its root tag and plain values: text (or None when empty), a dict
    per element with children, a list where children repeat one tag. Values stay text (XML has no types)."""
    root = _parse_xml(data)
    return root.tag, _element_value(root)


def read_xml(data: bytes | str, default_tz: tzinfo | None = None) -> Document:
    root = _parse_xml(data)
    if root.tag == "service_requests":
        kind, child = "service_requests", "request"
    elif root.tag == "services":
        kind, child = "services", "service"
    else:
        raise UnreadableDocument(f"unexpected root element <{root.tag}>")
    items = []
    for element in root.findall(child):
        items.append({c.tag: _element_value(c) for c in element})
    return _document(kind, items, default_tz)


def read_document(data: bytes, *, name: str = "", default_tz: tzinfo | None = None) -> Document:
    """Read a services or service-requests response; the format comes from the name or the content."""
    lowered = name.lower()
    if lowered.endswith(".xml"):
        return read_xml(data, default_tz)
    if lowered.endswith(".json"):
        return read_json(data, default_tz)
    return read_xml(data, default_tz) if data.lstrip().startswith(b"<") else read_json(data, default_tz)
