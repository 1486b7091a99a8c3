"""An explainable spam and abuse score for new texts: readable rules, then what the organisation's moderators taught.

The rules (weighted signals, each with the reason it gives) work from the first day. Once an organisation's
moderators have decided enough cases, ``spam_classifier`` hands ``score_text`` a model trained on those
decisions (``spam_model``): the rules' score becomes the prior and the model's log-odds move it, in proportion
to how many decisions it learned from. Either way the score comes with its reasons (stable codes) and the
words that drove it, so a moderator can see why a text was held.

Pure Python, no Django, and cheap enough to run on every post. No text leaves the server.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from parlons.dialogue.spam_model import SpamModel

URL_RE = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
REPEAT_RE = re.compile(r"(.)\1{7,}")
WORD_RE = re.compile(r"\w+", re.UNICODE)
MENTION_RE = re.compile(r"(?<!\w)@[\w.-]+")

# Words of advertising and scams (French and English), normalised without accents.
SPAM_WORDS = frozenset(
    [
        "casino",
        "viagra",
        "cialis",
        "crypto",
        "bitcoin",
        "forex",
        "pret",
        "rapide",
        "credit",
        "gratuit",
        "gagnez",
        "gagner",
        "argent",
        "facile",
        "promo",
        "promotion",
        "soldes",
        "reduction",
        "achetez",
        "acheter",
        "click",
        "cliquez",
        "clickez",
        "free",
        "money",
        "winner",
        "loan",
        "seo",
        "backlink",
        "backlinks",
        "escort",
        "porn",
        "porno",
        "xxx",
        "followers",
        "abonnes",
        "onlyfans",
        "telegram",
        "whatsapp",
        "investissement",
    ]
)
# Insults and slurs (French and English), normalised; short on purpose: flags catch the rest.
ABUSE_WORDS = frozenset(
    [
        "connard",
        "connards",
        "connasse",
        "salope",
        "salaud",
        "encule",
        "encules",
        "enculé",
        "batard",
        "batards",
        "pute",
        "putes",
        "pd",
        "tapette",
        "negre",
        "bougnoule",
        "youpin",
        "nazi",
        "idiot",
        "idiots",
        "debile",
        "debiles",
        "cretin",
        "cretins",
        "abruti",
        "abrutis",
        "imbecile",
        "imbeciles",
        "crever",
        "creve",
        "ordure",
        "ordures",
        "fuck",
        "fucking",
        "shit",
        "bitch",
        "asshole",
        "moron",
        "retard",
        "retarded",
        "cunt",
    ]
)


# The rules' score is the model's prior, kept off 0 and 1 so that learned evidence can always move it.
PRIOR_FLOOR = 0.1
PRIOR_CEILING = 0.95
# A learned shift (in log-odds) this large is named among the reasons.
LEARNED_REASON_SHIFT = 0.5
MAX_TERMS = 8

Term = tuple[str, float]


@dataclass(frozen=True)
class Score:
    """``value`` in [0, 1]; ``reasons``: stable codes; ``terms``: the words that moved the score, each with
    about how much (positive: towards spam or abuse), largest first."""

    value: float
    reasons: list[str] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)

    def suspicious(self, threshold: float) -> bool:
        return self.value >= threshold


def normalise(text: str) -> str:
    """Lower case, without accents (``Crétin`` and ``cretin`` are one word)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def score_text(
    text: str,
    *,
    recent_duplicates: int = 0,
    author_age_days: float | None = None,
    model: SpamModel | None = None,
) -> Score:
    """Score in [0, 1] with the reasons (stable codes) and the words that added to it.

    ``recent_duplicates``: how many identical texts this author posted lately; ``author_age_days``: age of
    the account (new accounts posting links are the usual spam pattern); ``model``: the organisation's
    learned classifier, if it has one (without it, the rules alone decide).
    """
    rules = rule_score(text, recent_duplicates=recent_duplicates, author_age_days=author_age_days)
    if model is None or model.trust <= 0:
        return rules
    return blend(rules, text, model)


def rule_score(text: str, *, recent_duplicates: int = 0, author_age_days: float | None = None) -> Score:
    """The hand-weighted rules alone."""
    reasons: list[str] = []
    terms: dict[str, float] = {}
    value = 0.0
    links = len(URL_RE.findall(text))
    if links >= 3:
        value += 0.5
        reasons.append("many_links")
    elif links:
        value += 0.15
        reasons.append("link")
        if author_age_days is not None and author_age_days < 1:
            value += 0.25
            reasons.append("new_account_with_link")
    words = WORD_RE.findall(text)
    for listed, reason, each, most in (
        (SPAM_WORDS, "advertising_words", 0.25, 0.6),
        (ABUSE_WORDS, "abusive_words", 0.4, 0.7),
    ):
        hits = [w.lower() for w in words if normalise(w) in listed]
        if hits:
            added = min(most, each * len(hits))
            value += added
            reasons.append(reason)
            for word in hits:
                terms[word] = terms.get(word, 0.0) + added / len(hits)
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 20:
        upper = sum(1 for c in letters if c.isupper()) / len(letters)
        if upper > 0.7:
            value += 0.2
            reasons.append("shouting")
    if REPEAT_RE.search(text):
        value += 0.15
        reasons.append("repeated_characters")
    if len(MENTION_RE.findall(text)) > 5:
        value += 0.3
        reasons.append("many_mentions")
    if recent_duplicates:
        value += min(0.6, 0.3 * recent_duplicates)
        reasons.append("repeated_text")
    return Score(round(min(value, 1.0), 3), reasons, _ranked(terms))


def blend(rules: Score, text: str, model: SpamModel) -> Score:
    """The rules' score as the prior, moved by the model's log-odds weighted by its trust (0 to 1).

    Each word's weight is how much the score would drop without that word's learned part (plus its rule
    weight): an explanation in the score's own units, not an exact decomposition.
    """
    prior = min(max(rules.value, PRIOR_FLOOR), PRIOR_CEILING)
    decision, contributions = model.explain(text)
    shift = model.trust * decision
    logit = math.log(prior / (1 - prior)) + shift
    value = _sigmoid(logit)
    terms = dict(rules.terms)
    for word, part in contributions[: MAX_TERMS * 2]:
        effect = value - _sigmoid(logit - model.trust * part)
        terms[word.lower()] = terms.get(word.lower(), 0.0) + effect
    reasons = list(rules.reasons)
    if shift >= LEARNED_REASON_SHIFT:
        reasons.append("like_hidden_content")
    elif shift <= -LEARNED_REASON_SHIFT:
        reasons.append("like_accepted_content")
    return Score(round(value, 3), reasons, _ranked(terms))


def _ranked(terms: dict[str, float]) -> list[Term]:
    kept = [(word, round(weight, 3)) for word, weight in terms.items() if abs(weight) >= 0.005]
    return sorted(kept, key=lambda item: (-abs(item[1]), item[0]))[:MAX_TERMS]


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    z = math.exp(x)
    return z / (1 + z)
