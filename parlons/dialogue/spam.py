"""An explainable spam and abuse score for new texts: weighted signals, each with the reason it gives.

Pure Python, no Django: the weights are small and readable so that a moderator can see why a text was held,
and the function is cheap enough to run on every post. No text leaves the server.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Score:
    value: float
    reasons: list[str] = field(default_factory=list)

    def suspicious(self, threshold: float) -> bool:
        return self.value >= threshold


def _normalise(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def score_text(text: str, *, recent_duplicates: int = 0, author_age_days: float | None = None) -> Score:
    """Score in [0, 1] with the reasons (stable codes) that added to it.

    ``recent_duplicates``: how many identical texts this author posted lately; ``author_age_days``: age of
    the account (new accounts posting links are the usual spam pattern).
    """
    reasons: list[str] = []
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
    words = [_normalise(w) for w in WORD_RE.findall(text)]
    if words:
        spam_hits = sum(1 for w in words if w in SPAM_WORDS)
        if spam_hits:
            value += min(0.6, 0.25 * spam_hits)
            reasons.append("advertising_words")
        abuse_hits = sum(1 for w in words if w in ABUSE_WORDS)
        if abuse_hits:
            value += min(0.7, 0.4 * abuse_hits)
            reasons.append("abusive_words")
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
    return Score(round(min(value, 1.0), 3), reasons)
