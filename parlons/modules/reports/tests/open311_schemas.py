"""Validation of our Open311 JSON against the GeoReport v2 JSON schemas in ../shared/data/open311/schema."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

# RFC 3339 date-time (what JSON Schema's "date-time" format means), checked independently of our own parser.
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

format_checker = FormatChecker(formats=())


@format_checker.checks("date-time")
def _is_datetime(value: object) -> bool:
    return not isinstance(value, str) or bool(_RFC3339.match(value))


@format_checker.checks("uri")
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = urlparse(value)
    return bool(parsed.scheme and parsed.netloc)


def validator(shared_data: Path, name: str) -> Draft4Validator:
    folder = shared_data / "open311" / "schema"
    registry = Registry()
    for path in folder.glob("*.json"):
        registry = registry.with_resource(
            path.name, Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT4)
        )
    schema = json.loads((folder / name).read_text())
    return Draft4Validator(schema, registry=registry, format_checker=format_checker)


def assert_valid(shared_data: Path, name: str, document: object) -> None:
    errors = sorted(validator(shared_data, name).iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
