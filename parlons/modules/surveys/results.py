"""Results of a questionnaire, without Django: counts, percentages with their base, words, heat grid, cross-tabs.

Percentages of a multiple-choice question are over the people who answered it, not over the ticks: the
percentages add up to more than 100 %, and the base says so (the miscount other platforms' charts make).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
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
    return weighted_heat_grid(((lon, lat, 1) for lon, lat in points), cells)


def weighted_heat_grid(
    points: Iterable[tuple[float, float, int]], cells: int = GRID_CELLS
) -> dict[str, Any] | None:
    """``heat_grid`` of (lon, lat, how many) triples: the aggregates keep positions on a ~100 m grid."""
    pts = list(points)
    if not pts:
        return None
    west, east = min(p[0] for p in pts), max(p[0] for p in pts)
    south, north = min(p[1] for p in pts), max(p[1] for p in pts)
    width = (east - west) or 1e-6
    height = (north - south) or 1e-6
    counts = [[0] * cells for _ in range(cells)]
    for lon, lat, weight in pts:
        col = min(cells - 1, int((lon - west) / width * cells))
        row = min(cells - 1, int((north - lat) / height * cells))
        counts[row][col] += weight
    peak = max(max(r) for r in counts)
    return {
        "bbox": [west, south, east, north],
        "cells": cells,
        "counts": counts,
        "max": peak,
        "total": sum(p[2] for p in pts),
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


# --- Aggregates kept per survey (models.ResultCount) ------------------------------------------------------

# Positions are kept rounded to 3 decimals (about 100 m): the heat grid of the results page is built from them.
GRID_DECIMALS = 3
SLOT_MAX = 200
RECENT_TEXTS = 20


def _blank(answer: Any) -> bool:
    return answer in (None, "", [], {})


def _slot(prefix: str, value: Any) -> str:
    return f"{prefix}{value}"[:SLOT_MAX]


CROSSABLE = frozenset({"single_choice", "multiple_choice", "scale"})
GROUPINGS = ("district", "age_group")


def crosstab_values(kind: str | None, answer: Any) -> set[str]:
    """The values one answer counts for in a cross-tab (as ``crosstab`` reads them)."""
    if kind == "multiple_choice":
        return {str(v) for v in answer.get("choices") or []}
    if kind == "single_choice":
        return {str(answer.get("choice"))}
    return {str(answer)}


def contributions(loc: Located, answer: Any, groups: Mapping[str, str] | None = None) -> dict[str, float]:
    """What one answer adds to its question's aggregates, as {slot: amount}.

    Slots: ``base`` (people who answered: the base of every percentage, so a multiple-choice question counts
    each person once), ``o:<value>`` (people who chose an option), ``f:<value>``/``p:<value>`` (ranked first,
    Borda points), ``sum`` and ``v:<number>`` (scale and number), ``rb:<row>``/``r:<row>:<value>`` (matrix and
    statements), ``w:<word>`` (free text, once per answer), ``g:<lon>,<lat>`` (map, ~100 m cell), ``m:<YYYY-MM>``;
    for the cross-tabs by district and age group (``groups``), ``x:<grouping>:<group>:base`` and
    ``x:<grouping>:<group>:o:<value>``.
    """
    if _blank(answer):
        return {}
    q = loc.question
    out: dict[str, float] = {"base": 1}
    kind = loc.type
    try:
        if kind in ("single_choice", "multiple_choice"):
            chosen = answer.get("choices") if kind == "multiple_choice" else [answer.get("choice")]
            for value in set(chosen or []):
                out[_slot("o:", value)] = 1
        elif kind == "ranking":
            size = len(q.get("options") or [])
            for position, value in enumerate(answer):
                slot = _slot("p:", value)
                out[slot] = out.get(slot, 0) + size - position
            if answer:
                out[_slot("f:", answer[0])] = 1
        elif kind == "scale":
            number = float(answer)
            out["sum"] = number
            out[_slot("v:", int(number))] = 1
        elif kind == "number":
            number = float(answer)
            out["sum"] = number
            out[_slot("v:", repr(number))] = 1
        elif kind in ("matrix", "statements"):
            for row in q.get("rows") or []:
                key = str(row.get("key"))
                cell = answer.get(key)
                if cell is not None:
                    out[_slot("rb:", key)] = 1
                    out[_slot(f"r:{key}:", cell)] = 1
        elif kind in ("short_text", "long_text"):
            for word, _n in word_frequencies([str(answer)], limit=10_000):
                out[_slot("w:", word)] = 1
        elif kind in ("map_point", "map_line", "map_area"):
            centre = _centroid(answer)
            if centre is not None:
                lon, lat = (round(c, GRID_DECIMALS) for c in centre)
                out[f"g:{lon:.{GRID_DECIMALS}f},{lat:.{GRID_DECIMALS}f}"] = 1
        elif kind == "date":
            out[_slot("m:", str(answer)[:7])] = 1
        if kind in CROSSABLE and groups:
            chosen = crosstab_values(kind, answer)
            for grouping, group in groups.items():
                if group:
                    out[_slot(f"x:{grouping}:{group}:", "base")] = 1
                    for value in chosen:
                        out[_slot(f"x:{grouping}:{group}:o:", value)] = 1
    except (AttributeError, TypeError, ValueError):
        return {"base": 1}
    return out


def response_contributions(
    definition: Mapping[str, Any], answers: Mapping[str, Any], groups: Mapping[str, str] | None = None
) -> dict[tuple[str, str], float]:
    """Everything one sent response adds to its survey's aggregates: {(question key, slot): amount}.

    ``groups`` are the response's district and age group (the cross-tabs' groups).
    """
    out: dict[tuple[str, str], float] = {}
    for loc in iter_questions(definition):
        for slot, amount in contributions(loc, answers.get(loc.key), groups).items():
            out[(loc.key, slot)] = out.get((loc.key, slot), 0) + amount
    return out


def recompute(
    definition: Mapping[str, Any], responses: Iterable[tuple[Mapping[str, Any], Mapping[str, str]]]
) -> dict[tuple[str, str], float]:
    """The aggregates of a survey recomputed from its sent responses: (answers, groups) pairs."""
    total: Counter[tuple[str, str]] = Counter()
    located = list(iter_questions(definition))
    for answers, groups in responses:
        for loc in located:
            for slot, amount in contributions(loc, answers.get(loc.key), groups).items():
                total[(loc.key, slot)] += amount  # type: ignore[assignment]
    return dict(total)


def group_counts(counts: Mapping[str, float], grouping: str) -> tuple[Counter[str], dict[str, Counter[str]]]:
    """(people per group, {group: people per value}) of one question's ``x:<grouping>:`` aggregates."""
    prefix = f"x:{grouping}:"
    members: Counter[str] = Counter()
    by_group: dict[str, Counter[str]] = {}
    for slot, amount in counts.items():
        if not slot.startswith(prefix):
            continue
        rest = slot[len(prefix) :]
        if rest.endswith(":base") and ":o:" not in rest:
            members[rest[:-5]] += int(amount)
        elif ":o:" in rest:
            group, value = rest.split(":o:", 1)
            by_group.setdefault(group, Counter())[value] += int(amount)
    return members, by_group


def from_counts(
    definition: Mapping[str, Any],
    counts: Mapping[str, Mapping[str, float]],
    recent: Sequence[Mapping[str, Any]],
    lang: str,
    *,
    word_limit: int = 30,
) -> list[QuestionResult]:
    """The results of every question from the aggregates (``counts[key][slot]``), like ``tabulate``.

    ``recent`` are the answers of the latest sent responses (oldest first): the "latest answers" and "other"
    texts are taken from them rather than from every response.
    """
    out = []
    for loc in iter_questions(definition):
        c = counts.get(loc.key, {})
        q = loc.question
        base = int(c.get("base", 0))
        result = QuestionResult(key=loc.key, type=loc.type, text=tr(q.get("text"), lang), base=base)
        kind = loc.type
        if kind in ("single_choice", "multiple_choice"):
            labels = _option_labels(q, lang)
            if q.get("allow_other"):
                labels.append((OTHER, str(q.get("_other_label") or "Other")))
            rows = []
            for value, label in labels:
                n = int(c.get(_slot("o:", value), 0))
                rows.append(Row(label, n, _percent(n, base)))
            result.rows = rows
            result.multiple = kind == "multiple_choice"
            result.others = [
                str(a[loc.key]["other"])
                for a in recent
                if isinstance(a.get(loc.key), Mapping) and a[loc.key].get("other")
            ]
        elif kind == "ranking":
            labels = _option_labels(q, lang)
            result.rows = [
                Row(label, int(c.get(_slot("f:", v), 0)), _percent(int(c.get(_slot("f:", v), 0)), base))
                for v, label in labels
            ]
            result.tables = [
                (
                    label,
                    [
                        Row(
                            label,
                            int(c.get(_slot("p:", v), 0)),
                            round(c.get(_slot("p:", v), 0) / base, 2) if base else 0.0,
                        )
                    ],
                )
                for v, label in labels
            ]
        elif kind in ("scale", "number"):
            result.mean = round(c.get("sum", 0) / base, 2) if base else None
            if kind == "scale":
                low, high = int(q.get("min", 1) or 0), int(q.get("max", 5) or 5)
                result.rows = [
                    Row(str(v), int(c.get(f"v:{v}", 0)), _percent(int(c.get(f"v:{v}", 0)), base))
                    for v in range(low, high + 1)
                ]
            else:
                numbers = sorted((float(s[2:]), int(n)) for s, n in c.items() if s.startswith("v:"))
                result.rows = [Row(f"{v:g}", n, _percent(n, base)) for v, n in numbers[:50]]
        elif kind in ("matrix", "statements"):
            if kind == "statements":
                values = list(STATEMENT_VALUES)
            else:
                low, high = int(q.get("min", 1) or 0), int(q.get("max", 5) or 5)
                values = [str(v) for v in range(low, high + 1)]
            for row in q.get("rows") or []:
                key = str(row.get("key"))
                row_base = int(c.get(_slot("rb:", key), 0))
                result.tables.append(
                    (
                        tr(row.get("label"), lang),
                        [
                            Row(
                                v,
                                int(c.get(_slot(f"r:{key}:", v), 0)),
                                _percent(int(c.get(_slot(f"r:{key}:", v), 0)), row_base),
                            )
                            for v in values
                        ],
                    )
                )
        elif kind in ("short_text", "long_text"):
            words = [(s[2:], int(n)) for s, n in c.items() if s.startswith("w:")]
            words.sort(key=lambda item: (-item[1], item[0]))
            result.words = words[:word_limit]
            texts = [str(a[loc.key]) for a in recent if not _blank(a.get(loc.key))]
            result.texts = texts[-RECENT_TEXTS:]
        elif kind in ("map_point", "map_line", "map_area"):
            cells = []
            for s, amount in c.items():
                if s.startswith("g:"):
                    x, y = s[2:].split(",")
                    cells.append((float(x), float(y), int(amount)))
            result.grid = weighted_heat_grid(cells)
        elif kind == "date":
            months = sorted((s[2:], int(n)) for s, n in c.items() if s.startswith("m:"))
            result.rows = [Row(month, n, _percent(n, base)) for month, n in months]
        out.append(result)
    return out


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
        counts.setdefault(group, Counter()).update(crosstab_values(kind, answer))
    return crosstab_of_counts(question, members, counts, group_labels, lang, threshold=threshold)


def crosstab_of_counts(
    question: Mapping[str, Any],
    members: Counter[str],
    counts: Mapping[str, Counter[str]],
    group_labels: Mapping[str, str],
    lang: str,
    *,
    threshold: int = SMALL_GROUP,
) -> CrossTab:
    """The cross-tab from the people per group and per value in each group (``group_counts``)."""
    kind = question.get("type")
    counts = {g: counts.get(g, Counter()) for g in members}
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
