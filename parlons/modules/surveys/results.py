"""Results of a questionnaire, without Django: counts, percentages with their base, words, heat grid, cross-tabs.

Percentages of a multiple-choice question are over the people who answered it, not over the ticks: the
percentages add up to more than 100 %, and the base says so (the miscount other platforms' charts make).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from parlons.modules.surveys.logic import OTHER, STATEMENT_VALUES, Located, iter_questions, tr

SMALL_GROUP = 5
GRID_CELLS = 12
WORD_RE = re.compile(r"[\w'’-]+", re.UNICODE)
# Common French and English words that carry no theme.
STOP_WORDS = frozenset(
    [
        "a",
        "à",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "c",
        "cela",
        "d",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "et",
        "est",
        "été",
        "être",
        "il",
        "ils",
        "je",
        "j",
        "l",
        "la",
        "le",
        "les",
        "leur",
        "leurs",
        "lui",
        "ma",
        "mais",
        "me",
        "même",
        "mes",
        "moi",
        "mon",
        "n",
        "ne",
        "ni",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "où",
        "par",
        "pas",
        "pour",
        "plus",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "si",
        "son",
        "sont",
        "sur",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tous",
        "tout",
        "très",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "y",
        "ça",
        "the",
        "of",
        "and",
        "to",
        "in",
        "is",
        "it",
        "that",
        "for",
        "on",
        "with",
        "as",
        "are",
        "was",
        "be",
        "this",
        "have",
        "not",
        "but",
        "by",
        "at",
        "or",
        "an",
        "they",
        "we",
        "you",
        "i",
        "my",
        "so",
        "very",
        "there",
    ]
)


@dataclass
class Row:
    label: str
    count: int
    percent: float


@dataclass
class QuestionResult:
    key: str
    type: str
    text: str
    # People who answered the question: the base of every percentage.
    base: int
    rows: list[Row] = field(default_factory=list)
    multiple: bool = False
    mean: float | None = None
    # Matrix and statements: one sub-table per row.
    tables: list[tuple[str, list[Row]]] = field(default_factory=list)
    words: list[tuple[str, int]] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    grid: dict[str, Any] | None = None
    texts: list[str] = field(default_factory=list)


def _percent(count: int, base: int) -> float:
    return round(100 * count / base, 1) if base else 0.0


def _option_labels(question: Mapping[str, Any], lang: str) -> list[tuple[str, str]]:
    return [(str(o.get("value")), tr(o.get("label"), lang)) for o in question.get("options") or []]


def _normalise(word: str) -> str:
    return unicodedata.normalize("NFC", word.casefold().strip("'’-"))


def word_frequencies(texts: Iterable[str], limit: int = 30) -> list[tuple[str, int]]:
    """The most frequent meaningful words (counted once per answer), for a first look at free text."""
    counter: Counter[str] = Counter()
    for text in texts:
        words = {_normalise(w) for w in WORD_RE.findall(text or "")}
        counter.update(w for w in words if len(w) > 2 and w not in STOP_WORDS and not w.isdigit())
    return counter.most_common(limit)


def heat_grid(points: Iterable[tuple[float, float]], cells: int = GRID_CELLS) -> dict[str, Any] | None:
    """Points counted in a cells×cells grid over their bounding box; cells of fewer than 5 points shown as 0."""
    pts = list(points)
    if not pts:
        return None
    west, east = min(p[0] for p in pts), max(p[0] for p in pts)
    south, north = min(p[1] for p in pts), max(p[1] for p in pts)
    width = (east - west) or 1e-6
    height = (north - south) or 1e-6
    counts = [[0] * cells for _ in range(cells)]
    for lon, lat in pts:
        col = min(cells - 1, int((lon - west) / width * cells))
        row = min(cells - 1, int((north - lat) / height * cells))
        counts[row][col] += 1
    peak = max(max(r) for r in counts)
    return {
        "bbox": [west, south, east, north],
        "cells": cells,
        "counts": counts,
        "max": peak,
        "total": len(pts),
        "hidden": sum(c for r in counts for c in r if 0 < c < SMALL_GROUP),
    }


def _centroid(answer: Mapping[str, Any]) -> tuple[float, float] | None:
    if "lon" in answer and "lat" in answer:
        return float(answer["lon"]), float(answer["lat"])
    coords = answer.get("coordinates") or []
    if coords:
        return sum(c[0] for c in coords) / len(coords), sum(c[1] for c in coords) / len(coords)
    return None


def question_result(loc: Located, answers: list[Any], lang: str) -> QuestionResult:
    """Aggregate the non-blank answers to one question."""
    q = loc.question
    given = [a for a in answers if a not in (None, "", [], {})]
    result = QuestionResult(key=loc.key, type=loc.type, text=tr(q.get("text"), lang), base=len(given))
    base = result.base
    if loc.type in ("single_choice", "multiple_choice"):
        counter: Counter[str] = Counter()
        for answer in given:
            chosen = answer.get("choices") if loc.type == "multiple_choice" else [answer.get("choice")]
            counter.update(set(chosen or []))
            if answer.get("other"):
                result.others.append(str(answer["other"]))
        labels = _option_labels(q, lang)
        if q.get("allow_other"):
            labels.append((OTHER, str(q.get("_other_label") or "Other")))
        result.rows = [Row(label, counter[value], _percent(counter[value], base)) for value, label in labels]
        result.multiple = loc.type == "multiple_choice"
    elif loc.type == "ranking":
        labels = _option_labels(q, lang)
        size = len(labels)
        # Borda points: first place gets n points, last gets 1; shown as the average rank too.
        points: Counter[str] = Counter()
        firsts: Counter[str] = Counter()
        for answer in given:
            for position, value in enumerate(answer):
                points[value] += size - position
            if answer:
                firsts[answer[0]] += 1
        result.rows = [Row(label, firsts[value], _percent(firsts[value], base)) for value, label in labels]
        result.tables = [
            (label, [Row(label, points[value], round(points[value] / base, 2) if base else 0.0)])
            for value, label in labels
        ]
    elif loc.type in ("scale", "number"):
        numbers = [float(a) for a in given]
        result.mean = round(sum(numbers) / len(numbers), 2) if numbers else None
        if loc.type == "scale":
            low, high = int(q.get("min", 1) or 0), int(q.get("max", 5) or 5)
            counter_n = Counter(int(n) for n in numbers)
            result.rows = [
                Row(str(v), counter_n[v], _percent(counter_n[v], base)) for v in range(low, high + 1)
            ]
        else:
            counter_f: Counter[float] = Counter(numbers)
            result.rows = [Row(f"{v:g}", c, _percent(c, base)) for v, c in sorted(counter_f.items())[:50]]
    elif loc.type in ("matrix", "statements"):
        for row in q.get("rows") or []:
            cells = [a.get(str(row.get("key"))) for a in given if a.get(str(row.get("key"))) is not None]
            counter_c = Counter(str(c) for c in cells)
            if loc.type == "statements":
                values = list(STATEMENT_VALUES)
            else:
                low, high = int(q.get("min", 1) or 0), int(q.get("max", 5) or 5)
                values = [str(v) for v in range(low, high + 1)]
            result.tables.append(
                (
                    tr(row.get("label"), lang),
                    [Row(v, counter_c[v], _percent(counter_c[v], len(cells))) for v in values],
                )
            )
    elif loc.type in ("short_text", "long_text"):
        result.words = word_frequencies(str(a) for a in given)
        result.texts = [str(a) for a in given[-20:]]
    elif loc.type in ("map_point", "map_line", "map_area"):
        result.grid = heat_grid(c for a in given if (c := _centroid(a)) is not None)
    elif loc.type == "date":
        counter_d = Counter(str(a)[:7] for a in given)
        result.rows = [Row(month, c, _percent(c, base)) for month, c in sorted(counter_d.items())]
    return result


def tabulate(
    definition: Mapping[str, Any], responses: Iterable[Mapping[str, Any]], lang: str
) -> list[QuestionResult]:
    """One result per question, from the submitted responses' answers (one dict per response)."""
    located = list(iter_questions(definition))
    columns: dict[str, list[Any]] = {loc.key: [] for loc in located}
    for answers in responses:
        for key, value in answers.items():
            if key in columns:
                columns[key].append(value)
    return [question_result(loc, columns[loc.key], lang) for loc in located]


@dataclass
class CrossTab:
    """Percentages of each option of a question within each group; groups of fewer than 5 people hidden."""

    groups: list[tuple[str, int]]
    options: list[str]
    # cells[option index][group index]: percent or None when the group is hidden.
    cells: list[list[float | None]]
    hidden_groups: int
    multiple: bool


def crosstab(
    question: Mapping[str, Any],
    rows: Iterable[tuple[Any, str | None]],
    group_labels: Mapping[str, str],
    lang: str,
    *,
    threshold: int = SMALL_GROUP,
) -> CrossTab:
    """``rows`` are (answer, group key) pairs; a group with fewer than ``threshold`` respondents is hidden."""
    kind = question.get("type")
    members: Counter[str] = Counter()
    counts: dict[str, Counter[str]] = {}
    for answer, group in rows:
        if group is None or answer in (None, "", [], {}):
            continue
        members[group] += 1
        if kind == "multiple_choice":
            chosen = set(answer.get("choices") or [])
        elif kind == "single_choice":
            chosen = {answer.get("choice")}
        else:
            chosen = {str(answer)}
        counts.setdefault(group, Counter()).update(chosen)
    ordered = [key for key in group_labels if key in members] + sorted(
        k for k in members if k not in group_labels
    )
    shown = [g for g in ordered if members[g] >= threshold]
    options = _option_labels(question, lang)
    if kind not in ("single_choice", "multiple_choice"):
        low, high = int(question.get("min", 1) or 0), int(question.get("max", 5) or 5)
        options = [(str(v), str(v)) for v in range(low, high + 1)]
    cells = [[_percent(counts[g][value], members[g]) for g in shown] for value, _label in options]
    return CrossTab(
        groups=[(group_labels.get(g, g), members[g]) for g in shown],
        options=[label for _value, label in options],
        cells=cells,  # type: ignore[arg-type]
        hidden_groups=len(ordered) - len(shown),
        multiple=kind == "multiple_choice",
    )


def completion_rate(started: int, submitted: int) -> float:
    return 0.0 if started == 0 else round(100 * submitted / started, 1)
