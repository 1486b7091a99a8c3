"""Contributions from a CSV or JSON Lines file, with the line and reason of anything wrong. Pure: no Django.

CSV files may use ``,`` or ``;`` (sniffed from the header line, as French exports often use ``;``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

from parlons.insights.text.docs import Doc


class InputError(ValueError):
    """The file cannot be read as contributions; ``line`` is 1-based (None: the file as a whole)."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        self.reason, self.line = reason, line
        super().__init__(f"line {line}: {reason}" if line is not None else reason)


def read_docs(path: Path, *, text_field: str, id_field: str, lang: str | None = None) -> list[Doc]:
    """Every row of ``path`` (``.csv`` or ``.jsonl``) as a ``Doc``; raises ``InputError`` on the first problem."""
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(path, text_field, id_field)
    elif suffix in (".jsonl", ".ndjson"):
        rows = _jsonl_rows(path, text_field, id_field)
    else:
        raise InputError(f"unsupported file type {suffix or '(none)'}: use .csv or .jsonl")
    docs: list[Doc] = []
    seen: dict[str, int] = {}
    for line, doc_id, text in rows:
        if not doc_id:
            raise InputError(f"empty id field {id_field!r}", line)
        if doc_id in seen:
            raise InputError(f"duplicate id {doc_id!r} (first on line {seen[doc_id]})", line)
        seen[doc_id] = line
        docs.append(Doc(id=doc_id, text=text, lang=lang))
    return docs


def _csv_rows(path: Path, text_field: str, id_field: str) -> Iterator[tuple[int, str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = handle.readline()
            delimiter = ";" if header.count(";") > header.count(",") else ","
            handle.seek(0)
            reader = csv.reader(handle, delimiter=delimiter, strict=True)
            try:
                names = next(reader)
            except StopIteration:
                raise InputError("empty file", 1) from None
            for field_name in (id_field, text_field):
                if field_name not in names:
                    raise InputError(f"no column {field_name!r} (columns: {', '.join(names)})", 1)
            id_at, text_at = names.index(id_field), names.index(text_field)
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as error:
                    raise InputError(f"malformed CSV: {error}", reader.line_num) from None
                if not row:
                    continue
                if len(row) != len(names):
                    raise InputError(f"{len(row)} fields where the header has {len(names)}", reader.line_num)
                yield reader.line_num, row[id_at].strip(), row[text_at]
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 text ({error.reason})") from None


def _jsonl_rows(path: Path, text_field: str, id_field: str) -> Iterator[tuple[int, str, str]]:
    try:
        with path.open(encoding="utf-8-sig") as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw)
                except json.JSONDecodeError as error:
                    raise InputError(f"invalid JSON: {error.msg} (column {error.colno})", number) from None
                if not isinstance(record, dict):
                    raise InputError("each line must be a JSON object", number)
                for field_name in (id_field, text_field):
                    if field_name not in record:
                        raise InputError(f"no field {field_name!r}", number)
                text = record[text_field]
                if text is None:
                    text = ""
                if not isinstance(text, str):
                    raise InputError(f"field {text_field!r} is not a string", number)
                doc_id = record[id_field]
                if not isinstance(doc_id, str | int) or isinstance(doc_id, bool):
                    raise InputError(f"field {id_field!r} is not a string or an integer", number)
                yield number, str(doc_id).strip(), text
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 text ({error.reason})") from None
