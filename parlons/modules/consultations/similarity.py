"""Similar proposals by text: TF-IDF cosine over normalised words, with an inverted index. No Django.

Words are lower-cased, stripped of accents and of French and English stop words, and crudely stemmed
(plural endings), so that "pistes cyclables" finds "piste cyclable". The index of a component is built once
and kept until a proposal is added or changed (the caller keys it by a version).
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

WORD_RE = re.compile(r"[a-z0-9]+")
STOP_WORDS = frozenset(
    [
        "les",
        "des",
        "une",
        "un",
        "le",
        "la",
        "de",
        "du",
        "et",
        "en",
        "au",
        "aux",
        "pour",
        "par",
        "sur",
        "dans",
        "avec",
        "sans",
        "que",
        "qui",
        "quoi",
        "est",
        "sont",
        "ete",
        "etre",
        "avoir",
        "plus",
        "moins",
        "tres",
        "tout",
        "tous",
        "toute",
        "toutes",
        "cette",
        "ces",
        "ses",
        "son",
        "sa",
        "leur",
        "leurs",
        "nos",
        "notre",
        "vos",
        "votre",
        "mon",
        "ma",
        "mes",
        "ils",
        "elles",
        "nous",
        "vous",
        "pas",
        "ne",
        "ni",
        "ou",
        "donc",
        "car",
        "mais",
        "comme",
        "aussi",
        "faire",
        "fait",
        "peut",
        "peuvent",
        "doit",
        "entre",
        "chez",
        "vers",
        "afin",
        "ainsi",
        "alors",
        "encore",
        "deja",
        "meme",
        "quand",
        "dont",
        "cela",
        "ceci",
        "celui",
        "celle",
        "ceux",
        "il",
        "elle",
        "on",
        "je",
        "tu",
        "se",
        "ce",
        "qu",
        "d",
        "l",
        "the",
        "and",
        "for",
        "with",
        "from",
        "that",
        "this",
        "these",
        "those",
        "are",
        "was",
        "were",
        "been",
        "have",
        "has",
        "had",
        "not",
        "but",
        "can",
        "could",
        "should",
        "would",
        "will",
        "into",
        "onto",
        "about",
        "our",
        "your",
        "their",
        "there",
        "here",
        "what",
        "which",
        "when",
        "where",
        "who",
        "why",
        "how",
        "all",
        "any",
        "some",
        "more",
        "most",
    ]
)


def normalise(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = []
    for word in WORD_RE.findall(ascii_text):
        if len(word) < 3 or word in STOP_WORDS:
            continue
        if len(word) > 4 and word[-1] in "sx":
            word = word[:-1]
        words.append(word)
    return words


def fingerprint(title: str, body: str) -> str:
    """The words kept for similarity: the title counts twice, the body's first 600 characters once."""
    words = normalise(title) * 2 + normalise(body[:600])
    return " ".join(words)


@dataclass(frozen=True)
class Match:
    key: int
    score: float


class Index:
    """TF-IDF vectors of documents, searchable by cosine similarity through an inverted index."""

    def __init__(self, documents: Iterable[tuple[int, str]]) -> None:
        counts: dict[int, Counter[str]] = {}
        df: Counter[str] = Counter()
        for key, text in documents:
            tf = Counter(text.split())
            if tf:
                counts[key] = tf
                df.update(tf.keys())
        self.size = len(counts)
        self.idf = {w: math.log((1 + self.size) / (1 + n)) + 1.0 for w, n in df.items()}
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for key, tf in counts.items():
            weights = {w: (1 + math.log(n)) * self.idf[w] for w, n in tf.items()}
            norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
            for word, weight in weights.items():
                self.postings.setdefault(word, []).append((key, weight / norm))

    def search(
        self, text: str, *, limit: int = 5, min_score: float = 0.2, exclude: int | None = None
    ) -> list[Match]:
        tf = Counter(text.split())
        weights = {
            w: (1 + math.log(n)) * self.idf.get(w, math.log(1 + self.size) + 1.0) for w, n in tf.items()
        }
        norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
        scores: dict[int, float] = {}
        for word, weight in weights.items():
            q = weight / norm
            for key, d in self.postings.get(word, ()):
                scores[key] = scores.get(key, 0.0) + q * d
        if exclude is not None:
            scores.pop(exclude, None)
        best = heapq.nlargest(limit, scores.items(), key=lambda item: item[1])
        return [Match(key, round(s, 3)) for key, s in best if s >= min_score]
