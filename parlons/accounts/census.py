"""Census files: parsing, normalisation and keyed hashing of residents' identifiers.

No Django import: the town's clear identifiers only pass through these functions, which return keyed
digests, so the rules can be read and tested alone. Error messages are built by the caller (translated).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

REQUIRED_COLUMNS = ("identifier", "birth_date", "postal_code")
OPTIONAL_COLUMNS = ("district",)
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_REPORTED_ERRORS = 20

_SPACES = re.compile(r"\s+")


def normalise(value: str) -> str:
    """Strip, upper-case and remove every space, so "  ab 12 " and "AB12" are the same person."""
    return _SPACES.sub("", value or "").upper()


def parse_birth_date(value: str) -> date | None:
    """A birth date written YYYY-MM-DD or DD/MM/YYYY (how French town halls export it), else None."""
    value = (value or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def digest(*, key: bytes, identifier: str, birth_date: date, postal_code: str) -> str:
    """HMAC-SHA256 of the normalised fields; the key is the pepper plus the organisation, so the same
    resident gives unrelated digests in two towns and a leaked table cannot be brute-forced offline."""
    message = "\x1f".join((normalise(identifier), birth_date.isoformat(), normalise(postal_code)))
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str  # a stable code, turned into a translated sentence by the caller
    detail: str = ""


@dataclass
class ParsedCensus:
    rows: list[tuple[str, str]] = field(default_factory=list)  # (digest, district as written, maybe "")
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)


def parse(raw: bytes, *, key: bytes, known_districts: set[str] | None = None) -> ParsedCensus:
    """Read a whole census CSV and return the digests, or the (first 20) errors with their line numbers.

    ``known_districts`` holds the normalised codes, slugs and names of the organisation's districts; a
    district column value outside it is an error. Reasons: ``too_large``, ``encoding``, ``empty``,
    ``missing_column``, ``bad_date``, ``empty_identifier``, ``empty_postal_code``, ``duplicate``,
    ``unknown_district``, ``columns``.
    """
    result = ParsedCensus()
    if len(raw) > MAX_FILE_BYTES:
        result.add_error(RowError(0, "too_large"))
        return result
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.add_error(RowError(0, "encoding"))
        return result
    if not text.strip():
        result.add_error(RowError(1, "empty"))
        return result
    first_line = text.split("\n", 1)[0]
    # Spreadsheets set to French save CSV with semicolons; accept both rather than fail on a detail.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [normalise(h).lower() for h in next(reader)]
    missing = [c for c in REQUIRED_COLUMNS if c.replace("_", "") not in _squash(header)]
    if missing:
        result.add_error(RowError(1, "missing_column", ", ".join(missing)))
        return result
    index = {name: _squash(header).index(name.replace("_", "")) for name in REQUIRED_COLUMNS}
    district_index = _squash(header).index("district") if "district" in _squash(header) else None
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            result.add_error(RowError(line, "columns"))
            continue
        identifier = normalise(row[index["identifier"]])
        postal_code = normalise(row[index["postal_code"]])
        birth = parse_birth_date(row[index["birth_date"]])
        if not identifier:
            result.add_error(RowError(line, "empty_identifier"))
            continue
        if birth is None:
            # The value is not echoed back: clear census data never leaves this function.
            result.add_error(RowError(line, "bad_date"))
            continue
        if not postal_code:
            result.add_error(RowError(line, "empty_postal_code"))
            continue
        district = row[district_index].strip() if district_index is not None else ""
        if district and known_districts is not None and normalise(district) not in known_districts:
            result.add_error(RowError(line, "unknown_district", district[:60]))
            continue
        value = digest(key=key, identifier=identifier, birth_date=birth, postal_code=postal_code)
        if value in seen:
            result.add_error(RowError(line, "duplicate", str(seen[value])))
            continue
        seen[value] = line
        result.rows.append((value, district))
    return result


def _squash(header: list[str]) -> list[str]:
    """Header names compared without underscores, so "birth_date", "BIRTH DATE" and "birthdate" all match."""
    return [h.replace("_", "") for h in header]
