"""The bytes of a log entry and the short receipt code derived from them. No Django.

An entry is canonical JSON (sorted keys, no spaces, UTF-8, no NaN):
``{"v": 1, "kind": …, "time": ISO-8601 UTC, "payload": {…}, "ref": … (optional)}``. Anyone can re-encode
what they read and get the same bytes, hence the same leaf hash.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

ENTRY_FORMAT = 1


def encode_entry(*, kind: str, payload: dict[str, Any], ref: str, at: dt.datetime) -> bytes:
    doc: dict[str, Any] = {
        "v": ENTRY_FORMAT,
        "kind": kind,
        "time": at.astimezone(dt.UTC).isoformat(),
        "payload": payload,
    }
    if ref:
        doc["ref"] = ref
    return json.dumps(
        doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def decode_entry(data: bytes) -> dict[str, Any]:
    return json.loads(bytes(data).decode())


def receipt_code(leaf: bytes) -> str:
    """80 bits of the leaf hash in base32, as XXXX-XXXX-XXXX-XXXX (easy to read out or type)."""
    raw = base64.b32encode(leaf[:10]).decode()
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normalise_code(code: str) -> str:
    raw = "".join(c for c in code.upper() if c.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))
