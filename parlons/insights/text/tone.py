"""Tone of a contribution (positive / negative / neutral, with an intensity and the words that drove it),
and tone per theme and week with "emerging tensions" flagged. Pure: no Django import.

The scorer follows VADER's rules (Hutto & Gilbert, 2014) so that every score can be explained word by word:
each word or phrase of the lexicon contributes its valence; a booster before it (``très``, ``very``) scales it,
a negation up to three words before it (``pas``, ``not``) reverses and damps it, words after a contrast
(``mais``, ``but``) weigh 1.5 times and words before it half; exclamation marks add emphasis. The sum is
squashed into a compound score in [-1, 1] (``s / sqrt(s² + 15)``); its absolute value is the intensity.

Lexicons: English from the ``vaderSentiment`` package (MIT), French our own
(``parlons.insights.text.tone_lexicon_fr``). Other languages come out neutral with ``supported=False``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from importlib.resources import files
from typing import Literal

from parlons.insights.text.docs import Doc
from parlons.insights.text.language import UNDETERMINED, detect_language
from parlons.insights.text.tone_lexicon_fr import BOOSTERS_FR, CONTRASTS_FR, LEXICON_FR, NEGATIONS_FR

Label = Literal["positive", "negative", "neutral"]

#: A compound score at or beyond ± this is positive / negative, else neutral. Citizen contributions are
#: mostly neutral proposals with a few evaluative words, so the cut is higher than VADER's 0.05: with it, a
#: single mild word ("bien", "problème") stays neutral and a clear stance ("oui", "scandaleux") does not.
THRESHOLD = 0.35
NEGATION_FACTOR = -0.74  # VADER's N_SCALAR: "not good" is less negative than "bad" is
NEGATION_WINDOW = 3
EXCLAMATION_BOOST = 0.292  # per "!", at most 4, VADER's
CONTRAST_AFTER, CONTRAST_BEFORE = 1.5, 0.5
ALPHA = 15.0  # VADER's normalisation constant
OPENING_WEIGHT = 2.0
LENGTH_NORM = 20.0  # words: beyond, the sum is divided by sqrt(words / LENGTH_NORM)
OPENING_FR = {
    "oui": 1.6,
    "non": -1.4,
    "pour": 1.2,
    "contre": -1.2,
    "d'accord": 1.6,
    "évidemment": 1.2,
    "absolument": 1.2,
    "exactement": 1.2,
    "certainement": 1.0,
    "effectivement": 0.8,
}
OPENING_EN = {"yes": 1.6, "no": -1.4, "agreed": 1.6, "absolutely": 1.2, "exactly": 1.2, "indeed": 0.8}

_EN_BOOSTERS: dict[str, float] = {
    "very": 0.293,
    "really": 0.293,
    "extremely": 0.4,
    "so": 0.2,
    "too": 0.2,
    "totally": 0.293,
    "completely": 0.293,
    "absolutely": 0.293,
    "incredibly": 0.35,
    "particularly": 0.25,
    "highly": 0.293,
    "most": 0.2,
    "quite": -0.1,
    "fairly": -0.2,
    "somewhat": -0.25,
    "slightly": -0.3,
    "a bit": -0.3,
    "a little": -0.3,
    "barely": -0.3,
    "hardly": -0.3,
    "kind of": -0.25,
    "sort of": -0.25,
}
_EN_NEGATIONS = frozenset(
    ("not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "cannot", "nowhere")
)  # and every word ending in "n't"
_EN_CONTRASTS = frozenset({"but", "however", "although", "yet"})

SUPPORTED = ("fr", "en")

_TOKEN = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|!")


@dataclass(frozen=True, slots=True)
class Tone:
    """The tone of one text. ``drivers`` are the words or phrases that counted, with their contribution
    (after boosters and negation), strongest first; ``supported`` is False for a language we cannot score."""

    label: Label
    intensity: float
    drivers: list[tuple[str, float]] = field(default_factory=list)
    score: float = 0.0
    lang: str | None = None
    supported: bool = True


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).replace("’", "'").replace("ʼ", "'").lower()


@lru_cache(maxsize=1)
def _english_lexicon() -> dict[str, float]:
    lexicon: dict[str, float] = {}
    text = (files("vaderSentiment") / "vader_lexicon.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            try:
                lexicon[parts[0]] = float(parts[1])
            except ValueError:
                continue
    # Civic stance words VADER (built on social media) lacks or weighs for chat.
    lexicon.update({"yes": 1.6, "no": -1.2, "agree": 1.6, "disagree": -1.8, "unacceptable": -2.6})
    return lexicon


@dataclass(frozen=True)
class _Language:
    lexicon: Mapping[str, float]
    prefixes: Mapping[str, float]
    phrases: Mapping[tuple[str, ...], float]
    boosters: Mapping[str, float]
    negations: frozenset[str]
    contrasts: frozenset[str]
    max_phrase: int


def _language(
    lexicon: Mapping[str, float],
    boosters: Mapping[str, float],
    negations: frozenset[str],
    contrasts: frozenset[str],
) -> _Language:
    words = {k: v for k, v in lexicon.items() if " " not in k and not k.endswith("*")}
    prefixes = {k[:-1]: v for k, v in lexicon.items() if k.endswith("*")}
    phrases = {tuple(k.split()): v for k, v in lexicon.items() if " " in k}
    longest = max((len(p) for p in [*phrases, *(tuple(b.split()) for b in boosters)]), default=1)
    return _Language(words, prefixes, phrases, boosters, negations, contrasts, longest)


@lru_cache(maxsize=4)
def _resources(lang: str) -> _Language:
    if lang == "fr":
        return _language(LEXICON_FR, BOOSTERS_FR, NEGATIONS_FR, CONTRASTS_FR)
    return _language(_english_lexicon(), _EN_BOOSTERS, _EN_NEGATIONS, _EN_CONTRASTS)


def _tokens(text: str, res: _Language) -> list[str]:
    """Words, with French elisions split (``l'état`` → ``l'``, ``état``) unless the whole word is known."""
    out: list[str] = []
    for token in _TOKEN.findall(_normalise(text)):
        if "'" in token and token not in res.lexicon and (token,) not in res.phrases:
            head, _sep, tail = token.partition("'")
            if len(head) <= 2 or head in ("qu", "jusqu", "lorsqu", "puisqu"):
                out += [head + "'", tail]
                continue
        out.append(token)
    return out


def _word_valence(word: str, res: _Language) -> float | None:
    if word in res.lexicon:
        return res.lexicon[word]
    for suffix in ("s", "x", "e", "es"):  # plural and feminine forms of a listed word
        if word.endswith(suffix) and word[: -len(suffix)] in res.lexicon:
            return res.lexicon[word[: -len(suffix)]]
    for end in range(len(word), 2, -1):
        if word[:end] in res.prefixes:
            return res.prefixes[word[:end]]
    return None


def _has_lexicon_word(text: str, lang: str) -> bool:
    res = _resources(lang)
    return any(_word_valence(word, res) is not None for word in _tokens(text, res) if word != "!")


def _negation(tokens: list[str], start: int, lang: str, res: _Language) -> str | None:
    """The negation word within NEGATION_WINDOW words before ``tokens[start]``, or None."""
    window = tokens[max(0, start - NEGATION_WINDOW) : start]
    for i, word in enumerate(window):
        if word in res.negations or (lang == "en" and word.endswith("n't")):
            return word
        if lang == "fr" and word == "plus" and any(w in ("ne", "n'") for w in window[:i]):
            return word
    return None


def score_tone(text: str, lang: str | None = None) -> Tone:
    """Score ``text``; ``lang`` when known ("fr", "en"...), else guessed from its words. Never raises."""
    detected = (lang or "").split("-")[0].lower() or detect_language(text or "")
    if detected == UNDETERMINED:  # too few function words ("Non !", "Bravo"): the lexicon that knows a word
        detected = next((code for code in SUPPORTED if _has_lexicon_word(text or "", code)), UNDETERMINED)
    if detected not in SUPPORTED:
        return Tone(label="neutral", intensity=0.0, drivers=[], score=0.0, lang=detected, supported=False)
    res = _resources(detected)
    tokens = _tokens(text or "", res)
    words = [t for t in tokens if t != "!"]
    found: list[tuple[str, float, int]] = []  # (term, valence after boosters/negation, position)
    i = 0
    while i < len(words):
        matched = False
        for size in range(min(res.max_phrase, len(words) - i), 1, -1):
            gram = tuple(words[i : i + size])
            if gram in res.phrases:
                found.append((" ".join(gram), res.phrases[gram], i))
                i += size
                matched = True
                break
        if matched:
            continue
        valence = _word_valence(words[i], res)
        if valence is not None and words[i] not in res.boosters:
            found.append((words[i], valence, i))
        i += 1

    # A reply's opening word states its stance ("Non, ...", "Oui il faut...", "Pour, si..."): it weighs double.
    opening = {"fr": OPENING_FR, "en": OPENING_EN}[detected]
    if words and words[0] in opening and not any(pos == 0 for _t, _v, pos in found[:1]):
        found.insert(0, (words[0], opening[words[0]], 0))
    found = [(t, v * OPENING_WEIGHT if p == 0 and t in opening else v, p) for t, v, p in found]

    contrast_at = max((k for k, w in enumerate(words) if w in res.contrasts), default=-1)
    drivers: list[tuple[str, float]] = []
    total = 0.0
    for term, valence, pos in found:
        value = valence
        for size in (1, 2, 3):  # boosters (possibly multi-word) just before the term
            before = " ".join(words[max(0, pos - size) : pos])
            if pos - size >= 0 and before in res.boosters:
                factor = res.boosters[before]
                value += math.copysign(abs(value) * factor, value) if factor > 0 else value * factor
                break
        negation = _negation(words, pos, detected, res)
        if negation:
            # "pas du tout", "not ... at all": the negation is not softened
            around = " ".join(words[max(0, pos - NEGATION_WINDOW - 1) : pos + 3])
            value *= -1.0 if ("du tout" in around or "at all" in around) else NEGATION_FACTOR
            term = f"{negation} … {term}"
        if contrast_at >= 0:
            value *= CONTRAST_AFTER if pos > contrast_at else CONTRAST_BEFORE
        total += value
        drivers.append((term, round(value, 3)))
    # Long texts accumulate words: their sum is damped so that a long neutral proposal mentioning a few
    # problems is not as negative as a short outraged one.
    total /= max(1.0, math.sqrt(len(words) / LENGTH_NORM))
    if total:
        bangs = min(tokens.count("!"), 4)
        total += math.copysign(bangs * EXCLAMATION_BOOST, total)
    compound = total / math.sqrt(total * total + ALPHA) if total else 0.0
    label: Label = (
        "positive" if compound >= THRESHOLD else "negative" if compound <= -THRESHOLD else "neutral"
    )
    drivers.sort(key=lambda d: -abs(d[1]))
    return Tone(
        label=label,
        intensity=round(abs(compound), 4),
        drivers=drivers,
        score=round(compound, 4),
        lang=detected,
        supported=True,
    )


# --- Tone per theme over time ------------------------------------------------------------------------

#: A week is an "emerging tension" for a theme when it has at least TENSION_MIN_DOCS contributions and
#: its share of negative ones exceeds the theme's earlier weeks' share by TENSION_RISE (absolute) or,
#: for a theme with no past, is at least TENSION_NEW_SHARE.
TENSION_MIN_DOCS = 5
TENSION_RISE = 0.2
TENSION_NEW_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class TonePeriod:
    """The tone of one theme during one week (``week`` is its Monday)."""

    theme: str
    week: date
    count: int
    positive: int
    negative: int
    neutral: int
    mean_score: float
    negative_share: float
    tension: bool
    # The most negative contributions of the week (ids), as evidence.
    examples: tuple[str, ...] = ()


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def tone_by_period(
    docs: Iterable[Doc], assignments: Mapping[str, str], *, tones: Mapping[str, Tone] | None = None
) -> list[TonePeriod]:
    """Per theme and per week, counts of each tone, mean score and negative share, flagging emerging tensions.

    ``assignments`` maps doc id → theme id (docs without a theme or a date are left out); ``tones`` may hold
    tones already computed (by doc id). Sorted by theme, then week.
    """
    buckets: dict[tuple[str, date], list[tuple[str, Tone]]] = defaultdict(list)
    for doc in docs:
        theme = assignments.get(doc.id)
        if theme is None or doc.created is None:
            continue
        tone = tones[doc.id] if tones and doc.id in tones else score_tone(doc.text, doc.lang)
        buckets[(theme, week_start(doc.created.date()))].append((doc.id, tone))
    out: list[TonePeriod] = []
    past: dict[str, tuple[int, int]] = {}  # theme -> (docs, negatives) in earlier weeks
    for theme, week in sorted(buckets):
        items = buckets[(theme, week)]
        count = len(items)
        negative = sum(t.label == "negative" for _id, t in items)
        positive = sum(t.label == "positive" for _id, t in items)
        share = negative / count
        before_docs, before_neg = past.get(theme, (0, 0))
        if before_docs:
            tension = count >= TENSION_MIN_DOCS and share - before_neg / before_docs >= TENSION_RISE
        else:
            tension = count >= TENSION_MIN_DOCS and share >= TENSION_NEW_SHARE
        worst = sorted(items, key=lambda item: item[1].score)[:3]
        out.append(
            TonePeriod(
                theme=theme,
                week=week,
                count=count,
                positive=positive,
                negative=negative,
                neutral=count - positive - negative,
                mean_score=round(sum(t.score for _id, t in items) / count, 4),
                negative_share=round(share, 4),
                tension=tension,
                examples=tuple(doc_id for doc_id, t in worst if t.label == "negative"),
            )
        )
        past[theme] = (before_docs + count, before_neg + negative)
    return out


def tone_labels(texts: Sequence[str], lang: str | None = None) -> list[Label]:
    """The labels of many texts (for evaluation)."""
    return [score_tone(text, lang).label for text in texts]
