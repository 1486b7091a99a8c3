"""The unit of text analysis, shared by every analysis of ``parlons.insights.text``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Doc:
    """One contribution to analyse: a proposal, a comment, a report, a survey answer...

    ``id`` is stable and unique across modules (e.g. ``"consultations:proposal:42"``); ``lang`` is the language
    when the source knows it (``"fr"``, ``"en"``...), else None and detected; ``area`` is a district's name or key.
    """

    id: str
    text: str
    lang: str | None = None
    created: datetime | None = None
    area: str | None = None
    module: str | None = None
