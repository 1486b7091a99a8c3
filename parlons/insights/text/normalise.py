"""Words to terms: lower case, function words dropped, Snowball stems, accents folded. Pure: no Django import.

``pistes cyclables`` and ``piste cyclable`` become the same terms (``pist``, ``cyclabl``) so that contributions
about the same thing meet whatever their wording. Stemmers come from the ``snowballstemmer`` package (pure
Python, no model to download). Each term remembers the words it stands for, and labels show the most frequent.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from itertools import pairwise

import snowballstemmer

from parlons.insights.text.language import STOPWORDS, fold

_STEMMERS = {"fr": "french", "en": "english", "de": "german", "es": "spanish", "it": "italian", "nl": "dutch"}
_LINK = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*", re.UNICODE)
_ELISION = re.compile(r"^(?:[cdjlmnstq]|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)
MIN_LENGTH = 3
SURFACE_SAMPLE = 20_000  # texts whose words are counted to choose the word shown for each term
_ALL_STOPWORDS = frozenset().union(*STOPWORDS.values())


class Normaliser:
    """Turns texts into term lists, one stemmer per language, with a cache of every word seen.

    Unknown languages get no stemming and the union of every stopword list. ``surface(term)`` gives the most
    frequent word behind a term (for bigrams, the two words), for readable keywords and labels.
    """

    def __init__(self) -> None:
        self._stemmers = {lang: snowballstemmer.stemmer(name) for lang, name in _STEMMERS.items()}
        self._caches: dict[str, dict[str, str]] = {}  # language -> word -> term ("" for none)
        self._counts: Counter[str] = Counter()
        self._counted = 0
        self._words_of: dict[str, set[str]] | None = None

    def _term(self, word: str, lang: str) -> str:
        stripped = _ELISION.sub("", word).strip("-'’")
        folded = fold(stripped)
        stops = STOPWORDS.get(lang, _ALL_STOPWORDS)
        if len(folded) < MIN_LENGTH or folded in stops:
            return ""
        stemmer = self._stemmers.get(lang)
        term = fold(stemmer.stemWord(stripped)) if stemmer else folded
        return term if len(term) >= 2 else ""

    def words(self, text: str) -> list[str]:
        """The text's words, lower case, links and e-mail addresses left out."""
        lowered = text.lower()
        if "http" in lowered or "www." in lowered or "@" in lowered:
            lowered = _LINK.sub(" ", lowered)
        return _WORD.findall(lowered)

    def terms(self, text: str, lang: str) -> list[str]:
        """The text's terms in order (function words removed)."""
        return self.terms_of_words(self.words(text), lang)

    def terms_of_words(self, words: list[str], lang: str) -> list[str]:
        """``terms`` of words already split by ``words``."""
        cache = self._caches.setdefault(lang, {})
        if self._counted < SURFACE_SAMPLE:  # which word stands for a term: a large sample is enough
            self._counts.update(words)
            self._counted += 1
        out = []
        for word in words:
            term = cache.get(word)
            if term is None:
                term = cache[word] = self._term(word, lang)
                self._words_of = None
            if term:
                out.append(term)
        return out

    def surface(self, term: str) -> str:
        """The word(s) most often behind ``term`` (a unigram or a space-separated n-gram)."""
        if self._words_of is None:
            words_of: dict[str, set[str]] = {}
            for cache in self._caches.values():
                for word, t in cache.items():
                    if t:
                        words_of.setdefault(t, set()).add(word)
            self._words_of = words_of
        parts = []
        for part in term.split(" "):
            words = self._words_of.get(part)
            if not words:
                parts.append(part)
                continue
            best = max(sorted(words), key=lambda w: self._counts.get(w, 0))
            parts.append(_ELISION.sub("", best).strip("-'’"))
        return " ".join(parts)


def with_bigrams(terms: Iterable[str]) -> list[str]:
    """Unigrams followed by the bigrams of consecutive terms (``piste cyclable`` is more than its two words)."""
    seq = list(terms)
    return seq + [f"{a} {b}" for a, b in pairwise(seq) if a != b]
