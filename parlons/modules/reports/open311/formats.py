"""GeoReport v2 wire formats: the exact XML and JSON shapes of the specification, and its dates.

Pure code (no Django): documents are built as plain dicts and lists, then written as JSON or XML.
Field names, element names and value types follow wiki.open311.org/GeoReport_v2 and the
open311/schema-validation JSON schemas: ids and codes are strings, ``metadata``/``variable``/``required``
are booleans, ``lat``/``long`` numbers, dates W3C date-times with a time-zone offset.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any
from xml.etree import ElementTree as ET

SPECIFICATION_URL = "http://wiki.open311.org/GeoReport_v2"
XML_CONTENT_TYPE = "text/xml; charset=utf-8"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
FORMATS = ("xml", "json")

# In XML, a list is an element holding one child per item; this names the child of each list element.
XML_LIST_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "notes": "note",
}

# The W3C profile of ISO 8601 the specification names: a full date-time with seconds optional,
# fractions optional, and a mandatory time-zone designator (Z or ±hh:mm).
_W3C_DATETIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})T(?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(?P<tz>Z|[+-]\d{2}:?\d{2})$"
)


class InvalidDatetime(ValueError):
    pass


def w3c_datetime(value: datetime | None, tz: tzinfo | None = None) -> str | None:
    """``2014-07-12T10:58:43+02:00``: seconds precision, offset of ``tz`` (or of the value itself)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetimes cannot be written as W3C date-times")
    if tz is not None:
        value = value.astimezone(tz)
    return value.isoformat(timespec="seconds")


def parse_w3c_datetime(text: str) -> datetime:
    """Read a W3C date-time with its time-zone designator; anything else raises InvalidDatetime."""
    text = (text or "").strip()
    match = _W3C_DATETIME.match(text)
    if not match:
        raise InvalidDatetime(text)
    tz = match["tz"]
    if tz == "Z":
        tz = "+00:00"
    elif ":" not in tz:
        tz = f"{tz[:3]}:{tz[3:]}"
    time = match["time"]
    if time.count(":") == 1:
        time += ":00"
    try:
        value = datetime.fromisoformat(f"{match['date']}T{time}{tz}")
    except ValueError as exc:
        raise InvalidDatetime(text) from exc
    if abs(value.utcoffset() or timedelta()) >= timedelta(hours=24):
        raise InvalidDatetime(text)
    return value


# --- Writing ---------------------------------------------------------------------------------------


def _xml_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _xml_fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            _xml_fill(ET.SubElement(element, key), child)
    elif isinstance(value, list | tuple):
        item_name = XML_LIST_ITEMS.get(element.tag, "item")
        for item in value:
            _xml_fill(ET.SubElement(element, item_name), item)
    else:
        text = _xml_text(value)
        if text:
            element.text = text


def render_xml(root: str, content: Any) -> bytes:
    """Write ``content`` (a dict, or a list of items named by XML_LIST_ITEMS) under a ``root`` element.

    ``None`` and empty strings become empty elements (``<description/>``), as real servers write them.
    """
    element = ET.Element(root)
    _xml_fill(element, content)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="utf-8")


def render_json(content: Any) -> bytes:
    return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()


def render(fmt: str, root: str, content: Any) -> tuple[bytes, str]:
    """(body, content type) of a document in ``fmt`` (``xml`` or ``json``)."""
    if fmt == "xml":
        return render_xml(root, content), XML_CONTENT_TYPE
    return render_json(content), JSON_CONTENT_TYPE


def errors_document(status: int, descriptions: Iterable[str]) -> list[dict[str, Any]]:
    """The specification's error list: ``[{"code": 400, "description": "..."}]``.

    ``code`` is the HTTP status as an integer in JSON (``<code>400</code>`` in XML).
    """
    return [{"code": status, "description": str(text)} for text in descriptions]


def render_errors(fmt: str, status: int, descriptions: Sequence[str]) -> tuple[bytes, str]:
    return render(fmt, "errors", errors_document(status, descriptions))


# --- Documents -------------------------------------------------------------------------------------

# Field order of a service request, as in the specification's examples (XML readers may rely on it).
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)

SERVICE_FIELDS = ("service_code", "service_name", "description", "metadata", "type", "keywords", "group")

ATTRIBUTE_DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
SERVICE_TYPES = ("realtime", "batch", "blackbox")


def service_request(fields: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A request in the specification's field order; missing fields are ``None``; ``extra`` appended."""
    document: dict[str, Any] = {name: fields.get(name) for name in REQUEST_FIELDS}
    for key in ("service_request_id", "service_code", "address_id", "zipcode"):
        if document[key] is not None:
            document[key] = str(document[key])
    for key in ("lat", "long"):
        if document[key] is not None:
            document[key] = float(document[key])
    if extra:
        document.update(extra)
    return document


def service(fields: Mapping[str, Any]) -> dict[str, Any]:
    document = {name: fields.get(name) for name in SERVICE_FIELDS}
    document["service_code"] = str(document["service_code"])
    document["metadata"] = bool(document["metadata"])
    document["type"] = document["type"] or "realtime"
    if document["type"] not in SERVICE_TYPES:
        raise ValueError(f"unknown service type {document['type']!r}")
    return document


def discovery(
    *, url: str, changeset: datetime, contact: str, key_service: str, tz: tzinfo | None = None
) -> dict[str, Any]:
    stamp = w3c_datetime(changeset, tz)
    return {
        "changeset": stamp,
        "contact": contact,
        "key_service": key_service,
        "endpoints": [
            {
                "specification": SPECIFICATION_URL,
                "url": url,
                "changeset": stamp,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
