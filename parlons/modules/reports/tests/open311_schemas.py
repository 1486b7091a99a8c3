"""Validation of our Open311 JSON against the GeoReport v2 JSON schemas in ../shared/data/open311/schema."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
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


def _schemas(shared_data: Path) -> dict[str, Any]:
    folder = shared_data / "open311" / "schema"
    return {path.name: json.loads(path.read_text()) for path in folder.glob("*.json")}


def swagger_schema(shared_data: Path, definition: str, *, array: bool = False) -> dict[str, Any]:
    """A definition of the shared swagger.json (POST answer, token) as a JSON schema."""
    definitions = _schemas(shared_data)["swagger.json"]["definitions"]
    ref = {"$ref": f"#/definitions/{definition}"}
    return {"definitions": definitions, **({"type": "array", "items": ref} if array else ref)}


def assert_valid_schema(schema: dict[str, Any], document: object) -> None:
    checker = Draft4Validator(schema, format_checker=format_checker)
    errors = sorted(checker.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def xml_as_json(shared_data: Path, name: str | dict[str, Any], tree: Any) -> Any:
    """The plain values read from an XML response (``reading.read_xml_tree``) typed as the JSON schema
    ``name`` says (booleans, numbers, arrays), so that XML is checked by the same schemas as JSON. Only
    types are converted: names, nesting, required elements, enums and date formats are checked as written."""
    schemas = _schemas(shared_data)
    root = schemas[name] if isinstance(name, str) else name

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            ref = schema["$ref"]
            schema = root["definitions"][ref.rsplit("/", 1)[1]] if ref.startswith("#/") else schemas[ref]
        return schema

    def typed(value: Any, schema: dict[str, Any]) -> Any:
        schema = resolve(schema)
        if "anyOf" in schema:
            if value is None:
                return None
            branches = [b for b in schema["anyOf"] if resolve(b).get("type") != "null"]
            schema = resolve(branches[0]) if branches else schema
        kind = schema.get("type")
        if kind == "array":
            if value is None:
                return []
            if (
                isinstance(value, dict) and len(value) == 1
            ):  # one child element: <items><item>…</item></items>
                value = next(iter(value.values()))
                value = value if isinstance(value, list) else [value]
            return [typed(v, schema.get("items", {})) for v in value]
        if isinstance(value, dict):
            properties = schema.get("properties", {})
            return {k: typed(v, properties.get(k, {})) for k, v in value.items()}
        if value is None:
            return "" if kind == "string" else None
        if kind == "boolean":
            return {"true": True, "false": False}.get(value, value)
        if kind == "integer":
            return int(value) if value.lstrip("-").isdigit() else value
        if kind == "number":
            try:
                return float(value)
            except ValueError:
                return value
        return value

    return typed(tree, root)
