"""Cleaning of user text before it is stored, and the @mentions it contains. Pure Python, no Django."""

from __future__ import annotations

import re
import unicodedata

CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
MENTION_RE = re.compile(r"(?<![\w@])@([\w][\w.-]{1,39})", re.UNICODE)


def clean(text: str) -> str:
    """Normalise line ends, drop control and direction-override characters, trim. HTML is kept as typed:
    it is escaped when shown, so it can never run."""
    text = unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").replace("\r", "\n")
    return CONTROL_RE.sub("", text).strip()


def handle(name: str) -> str:
    """The @handle of a display name: lower case, no accents, no spaces ("Karim Benali" -> "karimbenali")."""
    decomposed = unicodedata.normalize("NFKD", name.lower())
    return "".join(c for c in decomposed if c.isalnum())


def mentions(text: str, *, limit: int = 10) -> list[str]:
    """The distinct handles mentioned in ``text``, normalised, in order of appearance."""
    seen: list[str] = []
    for raw in MENTION_RE.findall(text):
        key = handle(raw)
        if key and key not in seen:
            seen.append(key)
        if len(seen) >= limit:
            break
    return seen
