"""The adaptive questionnaire, without Django: definition, conditions, piping, deepen rules, path and validation.

A definition is plain JSON (stored on ``Survey.definition``)::

    {"pages": [{"key": "p1", "title": {"fr": "…", "en": "…"}, "condition": <cond>|null,
                "jumps": [{"when": <cond>, "to": "p3"}],
                "sections": [{"key": "s1", "title": {…}, "condition": <cond>|null,
                              "questions": [<question>, …]}]}],
     "scores": [{"key": "concern", "label": {…},
                 "parts": [{"question": "q1", "points": {"1": 3}} | {"question": "q2", "factor": 1}]}]}

A condition is a leaf ``{"source": "answer"|"profile"|"score", "ref": "q1", "op": "equals", "value": …}`` or a
combination ``{"all": [...]}`` (and), ``{"any": [...]}`` (or), ``{"not": <cond>}``. A question may carry
``"deepen": [{"when": <cond>, "questions": [<question>, …]}]``: follow-up questions asked right after it when
the answer signals strong concern (a leaf of ``when`` without ``ref`` refers to the question itself).
``{{key}}`` in a question's text or help is replaced by the answer already given to question ``key`` (piping).

Errors are codes with parameters (``Problem``, ``AnswerError``); the Django layer translates them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

LANGS = ("fr", "en")

CHOICE_TYPES = frozenset({"single_choice", "multiple_choice", "ranking"})
TEXT_TYPES = frozenset({"short_text", "long_text"})
MAP_TYPES = frozenset({"map_point", "map_line", "map_area"})
QUESTION_TYPES = (
    "short_text",
    "long_text",
    "single_choice",
    "multiple_choice",
    "ranking",
    "scale",
    "matrix",
    "number",
    "date",
    "map_point",
    "map_line",
    "map_area",
    "file",
    "statements",
)
OPERATORS = ("equals", "not_equals", "contains", "gt", "gte", "lt", "lte", "any_of", "answered")
SOURCES = ("answer", "profile", "score")
PROFILE_KEYS = ("district", "age_group", "topics")
STATEMENT_VALUES = ("agree", "disagree", "pass")
OTHER = "__other__"
SHORT_TEXT_MAX = 500
LONG_TEXT_MAX = 5000
MAX_SHAPE_POINTS = 500
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
PIPE_RE = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\s*\}\}")


def tr(text: Any, lang: str) -> str:
    """The text in ``lang``, else French, else English, else any language given; '' when empty."""
    if isinstance(text, str):
        return text
    if not isinstance(text, Mapping):
        return ""
    for code in (lang, *LANGS):
        if text.get(code):
            return str(text[code])
    return next((str(v) for v in text.values() if v), "")


# --- Reading a definition ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Located:
    """A question in its place: page, section, and the condition it inherits (deepen rule, section, page)."""

    question: Mapping[str, Any]
    page_key: str
    section_key: str
    # Conditions that must all hold for the question to be shown, outermost first.
    conditions: tuple[Any, ...]
    # Key of the question whose deepen rule added this one, if any.
    deepens: str | None = None

    @property
    def key(self) -> str:
        return str(self.question.get("key", ""))

    @property
    def type(self) -> str:
        return str(self.question.get("type", ""))


def pages(definition: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(definition.get("pages") or [])


def _with_default_ref(condition: Any, ref: str) -> Any:
    if not isinstance(condition, Mapping):
        return condition
    for combinator in ("all", "any"):
        if combinator in condition:
            return {combinator: [_with_default_ref(c, ref) for c in condition[combinator] or []]}
    if "not" in condition:
        return {"not": _with_default_ref(condition["not"], ref)}
    if not condition.get("ref") and condition.get("source", "answer") == "answer":
        return {**condition, "source": "answer", "ref": ref}
    return condition


def _expand(
    question: Mapping[str, Any],
    page_key: str,
    section_key: str,
    inherited: tuple[Any, ...],
    deepens: str | None,
) -> Iterator[Located]:
    own = (question["condition"],) if question.get("condition") else ()
    located = Located(question, page_key, section_key, inherited + own, deepens)
    yield located
    for rule in question.get("deepen") or []:
        when = _with_default_ref(rule.get("when"), located.key)
        extra = (when,) if when else ()
        for follow_up in rule.get("questions") or []:
            yield from _expand(follow_up, page_key, section_key, located.conditions + extra, located.key)


def iter_questions(definition: Mapping[str, Any]) -> Iterator[Located]:
    """Every question in asking order, deepen follow-ups right after the question that triggers them."""
    for page in pages(definition):
        page_cond = (page["condition"],) if page.get("condition") else ()
        for section in page.get("sections") or []:
            section_cond = (section["condition"],) if section.get("condition") else ()
            for question in section.get("questions") or []:
                yield from _expand(
                    question,
                    str(page.get("key", "")),
                    str(section.get("key", "")),
                    page_cond + section_cond,
                    None,
                )


def question_map(definition: Mapping[str, Any]) -> dict[str, Located]:
    return {loc.key: loc for loc in iter_questions(definition)}


def scores_of(definition: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(s.get("key")): s for s in definition.get("scores") or []}


# --- Conditions and scores ---------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    if isinstance(value, str):
        try:
            result = float(value.replace(",", "."))
        except ValueError:
            return None
        return result if math.isfinite(result) else None
    return None


def _values(answer: Any) -> list[str]:
    """An answer as a list of comparable strings (choices, ranking, statements' values)."""
    if answer is None:
        return []
    if isinstance(answer, Mapping):
        if "choice" in answer or "choices" in answer:
            chosen = answer.get("choices", answer.get("choice"))
            return _values(chosen)
        return [str(v) for v in answer.values()]
    if isinstance(answer, (list, tuple)):
        return [str(v) for v in answer]
    return [str(answer)]


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "answered":
        return actual not in (None, "", [], {})
    if actual in (None, "", [], {}):
        return False
    values = _values(actual)
    if op == "equals":
        if isinstance(actual, (list, tuple)) or (isinstance(actual, Mapping) and "choices" in actual):
            return sorted(values) == sorted(_values(expected))
        return len(values) == 1 and values[0] == str(expected)
    if op == "not_equals":
        return not _compare("equals", actual, expected)
    if op == "contains":
        if isinstance(actual, str) and not isinstance(expected, (list, tuple)):
            return str(expected).casefold() in actual.casefold()
        return str(expected) in values
    if op == "any_of":
        wanted = set(_values(expected))
        return bool(wanted.intersection(values))
    if op in ("gt", "gte", "lt", "lte"):
        left, right = _number(actual if not isinstance(actual, Mapping) else None), _number(expected)
        if left is None or right is None:
            return False
        return {"gt": left > right, "gte": left >= right, "lt": left < right, "lte": left <= right}[op]
    return False


def compute_scores(definition: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, float]:
    """Each declared score: points of the chosen options plus numeric answers times their factor."""
    result: dict[str, float] = {}
    for key, score in scores_of(definition).items():
        total = 0.0
        for part in score.get("parts") or []:
            answer = answers.get(str(part.get("question")))
            if answer in (None, "", [], {}):
                continue
            if "points" in part:
                points = part.get("points") or {}
                total += sum(float(points.get(v, 0) or 0) for v in _values(answer))
            else:
                number = _number(answer)
                if number is not None:
                    total += number * float(part.get("factor", 1) or 0)
        result[key] = total
    return result


def evaluate(
    condition: Any,
    *,
    answers: Mapping[str, Any],
    profile: Mapping[str, Any] | None = None,
    scores: Mapping[str, float] | None = None,
) -> bool:
    """Whether the condition holds. An empty condition holds; a missing answer makes a leaf false."""
    if not condition:
        return True
    if "all" in condition:
        return all(
            evaluate(c, answers=answers, profile=profile, scores=scores) for c in condition["all"] or []
        )
    if "any" in condition:
        return any(
            evaluate(c, answers=answers, profile=profile, scores=scores) for c in condition["any"] or []
        )
    if "not" in condition:
        return not evaluate(condition["not"], answers=answers, profile=profile, scores=scores)
    source = condition.get("source", "answer")
    ref = str(condition.get("ref", ""))
    op = str(condition.get("op", "equals"))
    if source == "profile":
        actual = (profile or {}).get(ref)
    elif source == "score":
        actual = (scores or {}).get(ref)
    else:
        actual = answers.get(ref)
    return _compare(op, actual, condition.get("value"))


def condition_refs(condition: Any) -> Iterator[tuple[str, str, Any, str]]:
    """(source, ref, value, op) of every leaf of a condition."""
    if not isinstance(condition, Mapping) or not condition:
        return
    for combinator in ("all", "any"):
        if combinator in condition:
            for c in condition[combinator] or []:
                yield from condition_refs(c)
            return
    if "not" in condition:
        yield from condition_refs(condition["not"])
        return
    yield (
        str(condition.get("source", "answer")),
        str(condition.get("ref", "")),
        condition.get("value"),
        str(condition.get("op", "equals")),
    )


# --- Path ------------------------------------------------------------------------------------------


@dataclass
class Path:
    """The pages and questions a respondent sees given the answers so far, in order."""

    pages: list[tuple[str, list[str]]] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def page_keys(self) -> list[str]:
        return [key for key, _questions in self.pages]

    @property
    def question_keys(self) -> list[str]:
        return [q for _key, questions in self.pages for q in questions]

    def questions_of(self, page_key: str) -> list[str]:
        return next((qs for key, qs in self.pages if key == page_key), [])

    def next_page(self, page_key: str | None) -> str | None:
        keys = self.page_keys
        if page_key is None:
            return keys[0] if keys else None
        if page_key not in keys:
            return keys[0] if keys else None
        index = keys.index(page_key)
        return keys[index + 1] if index + 1 < len(keys) else None

    def previous_page(self, page_key: str) -> str | None:
        keys = self.page_keys
        if page_key not in keys:
            return None
        index = keys.index(page_key)
        return keys[index - 1] if index > 0 else None

    @property
    def answered(self) -> int:
        return sum(1 for q in self.question_keys if q in self.answers)

    def progress(self) -> int:
        """Percentage of the questions on the path (as known now) that have an answer."""
        total = len(self.question_keys)
        return 100 if total == 0 else round(100 * self.answered / total)


def _is_blank(value: Any) -> bool:
    return value in (None, "", [], {})


def compute_path(
    definition: Mapping[str, Any], answers: Mapping[str, Any], profile: Mapping[str, Any] | None = None
) -> Path:
    """Walk the pages in order, following jumps, keeping the questions whose conditions hold.

    Only answers to questions already on the path count (an answer left from another branch has no effect),
    and conditions refer to earlier questions only (validated), so one pass is enough.
    """
    page_list = pages(definition)
    index_of = {str(p.get("key")): i for i, p in enumerate(page_list)}
    by_page: dict[str, list[Located]] = {}
    for loc in iter_questions(definition):
        by_page.setdefault(loc.page_key, []).append(loc)
    path = Path()
    i = 0
    visited: set[int] = set()
    while 0 <= i < len(page_list) and i not in visited:
        visited.add(i)
        page = page_list[i]
        key = str(page.get("key"))
        shown: list[str] = []
        for loc in by_page.get(key, []):
            path.scores = compute_scores(definition, path.answers)
            if all(
                evaluate(c, answers=path.answers, profile=profile, scores=path.scores) for c in loc.conditions
            ):
                shown.append(loc.key)
                if not _is_blank(answers.get(loc.key)):
                    path.answers[loc.key] = answers[loc.key]
        if shown:
            path.pages.append((key, shown))
        path.scores = compute_scores(definition, path.answers)
        following = i + 1
        if (
            shown
            or not page.get("condition")
            or evaluate(page.get("condition"), answers=path.answers, profile=profile, scores=path.scores)
        ):
            for jump in page.get("jumps") or []:
                target = index_of.get(str(jump.get("to")))
                if (
                    target is not None
                    and target > i
                    and evaluate(jump.get("when"), answers=path.answers, profile=profile, scores=path.scores)
                ):
                    following = target
                    break
        i = following
    return path


# --- Piping ------------------------------------------------------------------------------------------


def display_answer(question: Mapping[str, Any] | None, answer: Any, lang: str) -> str:
    """An answer as a person reads it: option labels rather than codes, lists joined."""
    if _is_blank(answer):
        return ""
    labels = {str(o.get("value")): tr(o.get("label"), lang) for o in (question or {}).get("options") or []}
    if isinstance(answer, Mapping):
        if "choice" in answer or "choices" in answer:
            chosen = answer.get("choices", answer.get("choice"))
            parts = [labels.get(v, v) for v in _values(chosen) if v != OTHER]
            if answer.get("other"):
                parts.append(str(answer["other"]))
            return ", ".join(parts)
        if "lon" in answer and "lat" in answer:
            return f"{float(answer['lat']):.5f}, {float(answer['lon']):.5f}"
        if "name" in answer:
            return str(answer["name"])
        rows = {str(r.get("key")): tr(r.get("label"), lang) for r in (question or {}).get("rows") or []}
        return "; ".join(f"{rows.get(k, k)}: {v}" for k, v in answer.items())
    if isinstance(answer, (list, tuple)):
        return ", ".join(labels.get(str(v), str(v)) for v in answer)
    return labels.get(str(answer), str(answer))


def pipe(text: str, definition: Mapping[str, Any], answers: Mapping[str, Any], lang: str) -> str:
    """Replace ``{{key}}`` with the answer given to question ``key`` ('…' when not answered yet)."""
    questions = question_map(definition)

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        loc = questions.get(key)
        shown = display_answer(loc.question if loc else None, answers.get(key), lang)
        return shown or "…"

    return PIPE_RE.sub(replace, text)


# --- Answers -----------------------------------------------------------------------------------------


class AnswerError(ValueError):
    """An answer that the question does not accept; ``code`` and ``params`` build the translated message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _scale_bounds(question: Mapping[str, Any]) -> tuple[int, int]:
    low = int(question.get("min", 1) if question.get("min") is not None else 1)
    high = int(question.get("max", 5) if question.get("max") is not None else 5)
    return low, high


def _int_in(value: Any, low: int, high: int) -> int:
    number = _number(value)
    if number is None or number != int(number):
        raise AnswerError("not_a_whole_number")
    if not low <= number <= high:
        raise AnswerError("out_of_range", min=low, max=high)
    return int(number)


def _coordinate(pair: Any) -> tuple[float, float]:
    try:
        lon, lat = (float(v) for v in pair)
    except (TypeError, ValueError):
        raise AnswerError("bad_position") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or not (math.isfinite(lon) and math.isfinite(lat)):
        raise AnswerError("bad_position")
    return lon, lat


def _check_bounds(question: Mapping[str, Any], points: Iterable[tuple[float, float]]) -> None:
    bounds = question.get("bounds")
    if not bounds:
        return
    west, south, east, north = (float(v) for v in bounds)
    for lon, lat in points:
        if not (west <= lon <= east and south <= lat <= north):
            raise AnswerError("outside_area")


def _choice(question: Mapping[str, Any], value: Any, other: Any) -> dict[str, Any]:
    allowed = {str(o.get("value")) for o in question.get("options") or []}
    choice = str(value)
    if choice == OTHER and question.get("allow_other"):
        text = str(other or "").strip()
        if not text:
            raise AnswerError("other_missing")
        if len(text) > SHORT_TEXT_MAX:
            raise AnswerError("too_long", max=SHORT_TEXT_MAX)
        return {"choice": OTHER, "other": text}
    if choice not in allowed:
        raise AnswerError("not_a_choice")
    return {"choice": choice}


def validate_answer(question: Mapping[str, Any], value: Any) -> Any:
    """Check one answer against its question and return it normalised (JSON); blank answers return None.

    Blank is allowed here; whether a question is required is checked on the path (``missing_required``).
    Raises ``AnswerError``.
    """
    kind = question.get("type")
    if _is_blank(value):
        return None
    if kind in TEXT_TYPES:
        text = str(value).strip()
        limit = SHORT_TEXT_MAX if kind == "short_text" else LONG_TEXT_MAX
        if len(text) > limit:
            raise AnswerError("too_long", max=limit)
        return text or None
    if kind == "single_choice":
        if isinstance(value, Mapping):
            return _choice(question, value.get("choice"), value.get("other"))
        return _choice(question, value, None)
    if kind == "multiple_choice":
        if isinstance(value, Mapping):
            chosen, other = value.get("choices") or [], value.get("other")
        else:
            chosen, other = value, None
        chosen = [str(v) for v in (chosen if isinstance(chosen, (list, tuple)) else [chosen])]
        allowed = {str(o.get("value")) for o in question.get("options") or []}
        if question.get("allow_other"):
            allowed.add(OTHER)
        if any(v not in allowed for v in chosen) or len(set(chosen)) != len(chosen):
            raise AnswerError("not_a_choice")
        low, high = question.get("min_choices"), question.get("max_choices")
        if low and len(chosen) < int(low):
            raise AnswerError("too_few_choices", min=int(low))
        if high and len(chosen) > int(high):
            raise AnswerError("too_many_choices", max=int(high))
        result: dict[str, Any] = {"choices": chosen}
        if OTHER in chosen:
            text = str(other or "").strip()
            if not text:
                raise AnswerError("other_missing")
            if len(text) > SHORT_TEXT_MAX:
                raise AnswerError("too_long", max=SHORT_TEXT_MAX)
            result["other"] = text
        return result
    if kind == "ranking":
        ranked = [str(v) for v in (value if isinstance(value, (list, tuple)) else [value]) if str(v)]
        order = [str(o.get("value")) for o in question.get("options") or []]
        if len(set(ranked)) != len(ranked) or any(v not in order for v in ranked):
            raise AnswerError("bad_ranking")
        if question.get("required") and len(ranked) != len(order):
            raise AnswerError("rank_all")
        return ranked
    if kind == "scale":
        low, high = _scale_bounds(question)
        return _int_in(value, low, high)
    if kind in ("matrix", "statements"):
        if not isinstance(value, Mapping):
            raise AnswerError("not_a_choice")
        rows = [str(r.get("key")) for r in question.get("rows") or []]
        clean: dict[str, Any] = {}
        for row, cell in value.items():
            if str(row) not in rows:
                raise AnswerError("not_a_choice")
            if _is_blank(cell):
                continue
            if kind == "statements":
                if str(cell) not in STATEMENT_VALUES:
                    raise AnswerError("not_a_choice")
                clean[str(row)] = str(cell)
            else:
                low, high = _scale_bounds(question)
                clean[str(row)] = _int_in(cell, low, high)
        if question.get("required") and clean and len(clean) != len(rows):
            raise AnswerError("answer_every_row")
        return clean or None
    if kind == "number":
        number = _number(value)
        if number is None:
            raise AnswerError("not_a_number")
        if question.get("integer") and number != int(number):
            raise AnswerError("not_a_whole_number")
        low, high = question.get("min"), question.get("max")
        if (low is not None and number < float(low)) or (high is not None and number > float(high)):
            raise AnswerError("out_of_range", min=low, max=high)
        return int(number) if number == int(number) else number
    if kind == "date":
        try:
            day = date.fromisoformat(str(value))
        except ValueError:
            raise AnswerError("not_a_date") from None
        low, high = question.get("min"), question.get("max")
        if (low and day < date.fromisoformat(str(low))) or (high and day > date.fromisoformat(str(high))):
            raise AnswerError("date_out_of_range", min=low or "", max=high or "")
        return day.isoformat()
    if kind == "map_point":
        if isinstance(value, Mapping):
            lon, lat = _coordinate((value.get("lon"), value.get("lat")))
        else:
            lon, lat = _coordinate(value)
        _check_bounds(question, [(lon, lat)])
        return {"lon": round(lon, 6), "lat": round(lat, 6)}
    if kind in ("map_line", "map_area"):
        coords = [
            _coordinate(p) for p in (value.get("coordinates") if isinstance(value, Mapping) else value) or []
        ]
        if len(coords) > MAX_SHAPE_POINTS:
            raise AnswerError("too_many_points", max=MAX_SHAPE_POINTS)
        # A point clicked twice counts once; an area drawn back to its first point is closed already.
        coords = [c for i, c in enumerate(coords) if i == 0 or c != coords[i - 1]]
        if kind == "map_area" and len(coords) > 1 and coords[0] == coords[-1]:
            coords.pop()
        needed = 2 if kind == "map_line" else 3
        if len(coords) < needed:
            raise AnswerError("too_few_points", min=needed)
        _check_bounds(question, coords)
        return {"coordinates": [[round(x, 6), round(y, 6)] for x, y in coords]}
    if kind == "file":
        if not isinstance(value, Mapping) or not value.get("file"):
            raise AnswerError("bad_file")
        return {"file": str(value["file"]), "name": str(value.get("name", ""))}
    raise AnswerError("unknown_type")


def missing_required(definition: Mapping[str, Any], path: Path, page_key: str | None = None) -> list[str]:
    """Required questions on the path (or on one page of it) still without an answer."""
    questions = question_map(definition)
    keys = path.questions_of(page_key) if page_key else path.question_keys
    return [k for k in keys if questions[k].question.get("required") and _is_blank(path.answers.get(k))]


# --- Validating a definition -------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something wrong with a definition: a code, the items it names, and parameters for the message."""

    code: str
    subject: str
    params: Mapping[str, Any] = field(default_factory=dict)


def _find_cycle(graph: Mapping[str, list[str]]) -> list[str] | None:
    """One directed cycle of the graph as [a, b, ..., a], or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if state.get(nxt) is None and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in list(graph):
        if state.get(node) is None and (found := visit(node)):
            return found
    return None


def _question_problems(loc: Located, seen: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    q, key = loc.question, loc.key
    if not KEY_RE.match(key):
        problems.append(Problem("bad_key", key or "?"))
    elif key in seen:
        problems.append(Problem("duplicate_key", key))
    seen.add(key)
    if loc.type not in QUESTION_TYPES:
        problems.append(Problem("unknown_type", key, {"type": loc.type}))
        return problems
    if not tr(q.get("text"), "fr"):
        problems.append(Problem("no_text", key))
    if loc.type in CHOICE_TYPES:
        values = [str(o.get("value", "")) for o in q.get("options") or []]
        if len(values) < 2:
            problems.append(Problem("too_few_options", key))
        if len(set(values)) != len(values) or "" in values or OTHER in values:
            problems.append(Problem("duplicate_option", key))
        low, high = q.get("min_choices"), q.get("max_choices")
        top = len(values) + (1 if q.get("allow_other") else 0)
        if (low and high and int(low) > int(high)) or (low and int(low) > top):
            problems.append(Problem("bad_range", key))
    if loc.type in ("matrix", "statements") and not q.get("rows"):
        problems.append(Problem("no_rows", key))
    if loc.type in ("scale", "matrix"):
        low, high = _scale_bounds(q)
        if low >= high or low < 0 or high > 10:
            problems.append(Problem("bad_range", key))
    has_bounds = q.get("min") is not None and q.get("max") is not None
    if loc.type == "number" and has_bounds and float(q["min"]) > float(q["max"]):
        problems.append(Problem("bad_range", key))
    return problems


def _leaf_can_hold(source: str, ref: str, value: Any, op: str, target: Located | None) -> bool:
    """False when a leaf can never hold: it compares a choice question with a value that is not an option."""
    if source != "answer" or target is None or target.type not in CHOICE_TYPES:
        return True
    if op not in ("equals", "contains", "any_of"):
        return True
    options = {str(o.get("value")) for o in target.question.get("options") or []}
    if target.question.get("allow_other"):
        options.add(OTHER)
    wanted = set(_values(value))
    return bool(wanted & options) if op == "any_of" else wanted <= options


def _always_false(condition: Any, questions: Mapping[str, Located]) -> bool:
    """A conservative check: an ``all`` with an impossible leaf, or an impossible leaf alone."""
    if not isinstance(condition, Mapping) or not condition:
        return False
    if "all" in condition:
        return any(_always_false(c, questions) for c in condition["all"] or [])
    if "any" in condition:
        items = condition["any"] or []
        return bool(items) and all(_always_false(c, questions) for c in items)
    if "not" in condition:
        return False
    source, ref, value, op = next(condition_refs(condition))
    return not _leaf_can_hold(source, ref, value, op, questions.get(ref))


def validate_definition(definition: Mapping[str, Any]) -> list[Problem]:
    """Everything wrong with a definition: keys, types, options, references, cycles, unreachable items.

    An empty list means the questionnaire can be published. Cycles are reported with the items that form
    them (a question depending on itself or on a later one, a jump backwards); unreachable questions and
    pages are named.
    """
    problems: list[Problem] = []
    page_list = pages(definition)
    if not page_list:
        return [Problem("no_pages", "")]
    page_keys = [str(p.get("key", "")) for p in page_list]
    for key in page_keys:
        if not KEY_RE.match(key):
            problems.append(Problem("bad_key", key or "?"))
    if len(set(page_keys)) != len(page_keys):
        problems.append(
            Problem("duplicate_key", ", ".join(sorted({k for k in page_keys if page_keys.count(k) > 1})))
        )

    located = list(iter_questions(definition))
    if not located:
        problems.append(Problem("no_questions", ""))
    seen: set[str] = set()
    for loc in located:
        problems.extend(_question_problems(loc, seen))
    questions = {loc.key: loc for loc in located}
    order = {loc.key: i for i, loc in enumerate(located)}
    scores = scores_of(definition)
    for key, score in scores.items():
        for part in score.get("parts") or []:
            if str(part.get("question")) not in questions:
                problems.append(Problem("unknown_question", key, {"ref": part.get("question")}))

    # Dependencies: a question (or a page's jumps) depends on the questions its conditions read.
    depends: dict[str, list[str]] = {loc.key: [] for loc in located}

    def refs_of(condition: Any, owner: str) -> list[str]:
        found: list[str] = []
        for source, ref, _value, op in condition_refs(condition):
            if op not in OPERATORS:
                problems.append(Problem("unknown_operator", owner, {"op": op}))
            if source not in SOURCES:
                problems.append(Problem("unknown_source", owner, {"source": source}))
            elif source == "answer":
                if ref not in questions:
                    problems.append(Problem("unknown_question", owner, {"ref": ref}))
                else:
                    found.append(ref)
            elif source == "score":
                if ref not in scores:
                    problems.append(Problem("unknown_score", owner, {"ref": ref}))
                else:
                    found.extend(
                        str(p.get("question"))
                        for p in scores[ref].get("parts") or []
                        if str(p.get("question")) in questions
                    )
            elif source == "profile" and ref not in PROFILE_KEYS:
                problems.append(Problem("unknown_profile", owner, {"ref": ref}))
        return found

    for loc in located:
        for condition in loc.conditions:
            depends[loc.key].extend(refs_of(condition, loc.key))
    cycle = _find_cycle(depends)
    if cycle:
        problems.append(Problem("cycle", " → ".join(reversed(cycle))))
    else:
        for loc in located:
            for ref in dict.fromkeys(depends[loc.key]):
                if order[ref] >= order[loc.key]:
                    problems.append(Problem("forward_reference", loc.key, {"ref": ref}))

    # Pages: the flow goes to the next page or jumps; a jump backwards makes a loop.
    index_of = {k: i for i, k in enumerate(page_keys)}
    flow: dict[str, list[str]] = {k: [] for k in page_keys}
    for i, page in enumerate(page_list):
        key = page_keys[i]
        unconditional = False
        page_refs: list[str] = []
        for jump in page.get("jumps") or []:
            target = str(jump.get("to"))
            page_refs.extend(refs_of(jump.get("when"), key))
            if target not in index_of:
                problems.append(Problem("unknown_page", key, {"ref": target}))
                continue
            flow[key].append(target)
            if not jump.get("when"):
                unconditional = True
                break
        for ref in page_refs:
            if index_of.get(questions[ref].page_key, len(page_keys)) > i:
                problems.append(Problem("forward_reference", key, {"ref": ref}))
        if not unconditional and i + 1 < len(page_keys):
            flow[key].append(page_keys[i + 1])
    page_cycle = _find_cycle(flow)
    if page_cycle:
        problems.append(Problem("cycle", " → ".join(page_cycle)))

    reachable: set[str] = set()
    todo = [page_keys[0]]
    while todo:
        key = todo.pop()
        if key in reachable:
            continue
        reachable.add(key)
        todo.extend(flow.get(key, []))
    unreachable_pages = [k for k in page_keys if k not in reachable]
    if unreachable_pages:
        problems.append(Problem("unreachable_page", ", ".join(unreachable_pages)))
    dead: list[str] = []
    for loc in located:
        if (
            loc.page_key in unreachable_pages
            or any(_always_false(c, questions) for c in loc.conditions)
            or (
                any(ref in dead for ref in depends[loc.key])
                and all(
                    all(r in dead for r in refs_of_answers(c)) for c in loc.conditions if refs_of_answers(c)
                )
            )
        ):
            dead.append(loc.key)
    if dead:
        problems.append(Problem("unreachable_question", ", ".join(dead)))
    return problems


def refs_of_answers(condition: Any) -> list[str]:
    return [ref for source, ref, _v, _op in condition_refs(condition) if source == "answer"]


def profile_questions(definition: Mapping[str, Any]) -> dict[str, str]:
    """Questions whose answer is also the respondent's district or age group: {profile key: question key}."""
    return {
        str(loc.question["profile"]): loc.key
        for loc in iter_questions(definition)
        if loc.question.get("profile") in ("district", "age_group") and loc.type == "single_choice"
    }


@dataclass
class PageOutcome:
    """What answering one page gives: the answers kept, refused ones (key → AnswerError), and where to go."""

    answers: dict[str, Any]
    errors: dict[str, AnswerError]
    path: Path
    # The page to show next: the same page when follow-up questions appeared on it, None at the end.
    following: str | None


def answer_page(
    definition: Mapping[str, Any],
    answers: Mapping[str, Any],
    profile: Mapping[str, Any] | None,
    page_key: str,
    values: Mapping[str, Any],
    shown: Iterable[str] | None = None,
    stored: Mapping[str, Any] | None = None,
) -> PageOutcome:
    """Check the answers given on one page against the path; nothing is kept when one is refused.

    ``values`` holds the raw answers by key (a key absent is left as it was); ``stored`` answers (files,
    already checked) are set as they are; ``shown`` are the questions the person saw: a required question
    that appears only now because of an answer on this page keeps the person on the page without an error.
    """
    questions = question_map(definition)
    new = dict(answers)
    errors: dict[str, AnswerError] = {}
    for loc in questions.values():
        if loc.page_key != page_key:
            continue
        if stored and loc.key in stored:
            new[loc.key] = stored[loc.key]
            continue
        if loc.key not in values:
            continue
        try:
            clean = validate_answer(loc.question, values[loc.key])
        except AnswerError as exc:
            errors[loc.key] = exc
            continue
        if clean is None:
            new.pop(loc.key, None)
        else:
            new[loc.key] = clean
    path = compute_path(definition, new, profile)
    visible = path.questions_of(page_key)
    seen = set(shown) if shown is not None else set(visible)
    for key in missing_required(definition, path, page_key):
        if key in seen and key not in errors:
            errors[key] = AnswerError("required")
    appeared = [k for k in visible if k not in seen]
    following = page_key if appeared else path.next_page(page_key)
    return PageOutcome(
        answers=new if not errors else dict(answers), errors=errors, path=path, following=following
    )
