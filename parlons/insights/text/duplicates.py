"""Near-duplicate contributions across modules, and copy-paste campaigns. Pure: no Django import.

Method (Broder's MinHash with locality-sensitive hashing, so that 100,000 texts never meet in an n² matrix):

1. Normalise each text for its language: lower case, accents folded, French/English elisions and the most
   frequent function words removed, punctuation and spaces collapsed; a report ("Le lampadaire de la rue
   Jean Jaurès ne marche plus !") and a proposal ("lampadaire rue Jean-Jaures ne marche plus") then share
   most of their character 5-grams.
2. Hash every character 5-gram (vectorised with numpy), and keep for each text its minimum under
   ``NUM_PERM`` random hash functions: the fraction of equal minima estimates the Jaccard similarity.
3. Cut the signatures into bands; texts sharing a whole band become candidates (a big bucket is linked as a
   star, never as all pairs), and candidates whose estimated similarity reaches ``threshold`` are joined
   (union-find) into groups.
4. A group is a **campaign** when it has at least ``CAMPAIGN_MIN_DOCS`` texts posted within
   ``CAMPAIGN_WINDOW`` (and, when authors are given, by at least ``CAMPAIGN_MIN_AUTHORS`` different
   people); otherwise it is a **duplicate** group.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import numpy as np

from parlons.insights.text.docs import Doc

NUM_PERM = 64
SHINGLE = 5
DEFAULT_THRESHOLD = 0.5
CAMPAIGN_MIN_DOCS = 5
CAMPAIGN_MIN_AUTHORS = 3
CAMPAIGN_WINDOW = timedelta(days=7)
MIN_CHARS = 12  # normalised texts shorter than this ("oui", "merci") are never duplicates of anything
_PRIME = np.uint64((1 << 61) - 1)
_MASK32 = np.uint64(0xFFFFFFFF)
_CHUNK = 50_000  # shingles hashed at once (bounds the NUM_PERM × chunk temporary array)

_STOPWORDS = {
    "fr": frozenset(
        (
            "le",
            "la",
            "les",
            "l",
            "un",
            "une",
            "des",
            "du",
            "de",
            "d",
            "et",
            "est",
            "sont",
            "a",
            "au",
            "aux",
            "ce",
            "cet",
            "cette",
            "ces",
            "il",
            "elle",
            "on",
            "nous",
            "vous",
            "ils",
            "elles",
            "je",
            "j",
            "me",
            "m",
            "se",
            "s",
            "en",
            "y",
            "que",
            "qu",
            "qui",
            "dans",
            "pour",
            "par",
            "sur",
            "avec",
            "ou",
            "mais",
            "donc",
            "car",
            "tres",
            "plus",
            "c",
            "n",
            "ne",
        )
    ),
    "en": frozenset(
        (
            "the",
            "a",
            "an",
            "and",
            "or",
            "but",
            "is",
            "are",
            "was",
            "were",
            "be",
            "been",
            "of",
            "to",
            "in",
            "on",
            "at",
            "for",
            "with",
            "by",
            "it",
            "this",
            "that",
            "these",
            "those",
            "we",
            "you",
            "they",
            "i",
            "he",
            "she",
            "there",
            "their",
            "our",
            "its",
            "as",
            "so",
            "very",
        )
    ),
}
_NON_WORD = re.compile(r"[\W_]+")
# Accent folding of the Latin letters (é → e, ß stays), as one str.translate table: fast, and other scripts
# are kept as they are.
_FOLD = {
    code: "".join(c for c in unicodedata.normalize("NFKD", chr(code)) if not unicodedata.combining(c))
    for code in range(0xC0, 0x250)
}


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Texts that say the same thing: their ids (in input order), the mean estimated Jaccard similarity of
    the links that joined them, and whether they look like a copy-paste campaign."""

    ids: tuple[str, ...]
    similarity: float
    kind: Literal["duplicate", "campaign"]


def normalise(text: str, lang: str | None = None) -> str:
    """The text reduced to what identifies it: folded, without elisions, function words and punctuation."""
    words = _NON_WORD.split(text.lower().translate(_FOLD))
    stop = _STOPWORDS.get((lang or "").split("-")[0], _STOPWORDS["fr"] | _STOPWORDS["en"])
    return " ".join(w for w in words if w and w not in stop)


def _shingle_hashes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hashes of the character 5-grams of all texts (a polynomial rolling hash over their UTF-8
    bytes, computed at once for the whole corpus), and for each hash the index of its text, ascending."""
    encoded = [t.encode("utf-8") for t in texts]
    lengths = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8).astype(np.uint64)
    if len(data) < SHINGLE:
        return np.empty(0, dtype=np.uint32), np.empty(0, dtype=np.int64)
    windows = len(data) - SHINGLE + 1
    acc = np.zeros(windows, dtype=np.uint64)
    for k in range(SHINGLE):
        acc = acc * np.uint64(1_000_003) + data[k : windows + k]
    owner = np.repeat(np.arange(len(texts)), lengths)[:windows]
    starts = np.cumsum(lengths) - lengths
    # a window is valid when it ends inside the text it starts in
    valid = np.arange(windows) + SHINGLE <= (starts + lengths)[owner]
    return (acc[valid] & _MASK32).astype(np.uint32), owner[valid]


def signatures(texts: Sequence[str], *, seed: int = 1) -> np.ndarray:
    """MinHash signatures, shape (len(texts), NUM_PERM), uint32; texts shorter than a shingle get a row of
    max values.

    Each hash function is ``(a·x + b) mod 2^32`` with odd ``a``: a permutation of the 32-bit values that
    numpy computes in 32-bit arithmetic, without a division. A text's repeated 5-grams need no
    de-duplication: the minimum of a multiset is the minimum of its set."""
    rng = np.random.default_rng(seed)
    a = (rng.integers(0, 1 << 31, size=NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1))[:, None]
    b = rng.integers(0, 1 << 32, size=NUM_PERM, dtype=np.uint64).astype(np.uint32)[:, None]
    out = np.full((len(texts), NUM_PERM), np.iinfo(np.uint32).max, dtype=np.uint32)
    # blocks of texts holding about _CHUNK shingles: bounded memory (NUM_PERM × _CHUNK × 4 bytes at most
    # for ordinary texts) whatever the corpus size
    block_start = 0
    while block_start < len(texts):
        block_end, chars = block_start, 0
        while block_end < len(texts) and (chars == 0 or chars + len(texts[block_end]) <= _CHUNK):
            chars += len(texts[block_end]) + 1
            block_end += 1
        hashes, owner = _shingle_hashes(texts[block_start:block_end])
        if len(hashes):
            starts = np.concatenate([[0], np.flatnonzero(np.diff(owner)) + 1])
            permuted = a * hashes[None, :] + b
            out[block_start + owner[starts]] = np.minimum.reduceat(permuted, starts, axis=1).T
        block_start = block_end
    return out


def _bands_for(threshold: float) -> tuple[int, int]:
    """(bands, rows) whose LSH curve rises at about 0.85 × threshold, so pairs at the threshold are found."""
    target = 0.85 * threshold
    best = min(
        ((NUM_PERM // r, r) for r in range(1, 17)),
        key=lambda br: abs((1 / br[0]) ** (1 / br[1]) - target),
    )
    return best


def _candidates(sigs: np.ndarray, bands: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs (first < second): texts sharing a whole band. Each bucket is linked as a star (every
    member to the bucket's first), so a bucket of m texts costs m pairs, not m²."""
    mixer = np.random.default_rng(7).integers(1, 1 << 62, size=rows, dtype=np.uint64)
    pairs: list[np.ndarray] = []
    for band in range(bands):
        keys = (sigs[:, band * rows : (band + 1) * rows].astype(np.uint64) * mixer).sum(
            axis=1
        )  # wraps: a hash
        order = np.argsort(keys, kind="stable")
        same = np.concatenate([[False], keys[order][1:] == keys[order][:-1]])
        if not same.any():
            continue
        position = np.arange(len(order))
        head_position = np.maximum.accumulate(np.where(same, 0, position))
        heads, others = order[head_position[same]], order[same]
        pairs.append(np.minimum(heads, others).astype(np.int64) << 32 | np.maximum(heads, others))
    if not pairs:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    unique = np.unique(np.concatenate(pairs))
    return unique >> 32, unique & 0xFFFFFFFF


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, x: int, y: int) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx != ry:
            self.parent[max(rx, ry)] = min(rx, ry)


def find_near_duplicates(
    docs: Sequence[Doc],
    threshold: float = DEFAULT_THRESHOLD,
    *,
    authors: Mapping[str, str] | None = None,
) -> list[DuplicateGroup]:
    """Groups of at least two docs whose estimated Jaccard similarity (character 5-grams of the normalised
    texts) reaches ``threshold``, biggest first. ``authors`` (doc id → author key), when known, is used to
    require different authors for a campaign. Runs in about O(n) time and memory."""
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")
    texts = [normalise(d.text or "", d.lang) for d in docs]
    keep = [i for i, t in enumerate(texts) if len(t) >= MIN_CHARS]
    if len(keep) < 2:
        return []
    sigs = signatures([texts[i] for i in keep])
    bands, rows = _bands_for(threshold)
    uf = _UnionFind(len(keep))
    edges: dict[tuple[int, int], float] = {}
    firsts, seconds = _candidates(sigs, bands, rows)
    if len(firsts):
        sims = np.empty(len(firsts))
        for lo in range(0, len(firsts), 100_000):  # bounded temporaries
            hi = lo + 100_000
            sims[lo:hi] = (sigs[firsts[lo:hi]] == sigs[seconds[lo:hi]]).mean(axis=1)
        for x, y, sim in zip(
            firsts[sims >= threshold], seconds[sims >= threshold], sims[sims >= threshold], strict=True
        ):
            edges[(int(x), int(y))] = float(sim)
            uf.union(int(x), int(y))

    members: dict[int, list[int]] = {}
    for i in range(len(keep)):
        members.setdefault(uf.find(i), []).append(i)
    group_sims: dict[int, list[float]] = {}
    for (x, _y), sim in edges.items():
        group_sims.setdefault(uf.find(x), []).append(sim)
    groups: list[DuplicateGroup] = []
    for root, items in members.items():
        if len(items) < 2:
            continue
        picked = [docs[keep[i]] for i in items]
        groups.append(
            DuplicateGroup(
                ids=tuple(d.id for d in picked),
                similarity=round(float(np.mean(group_sims.get(root, [1.0]))), 4),
                kind="campaign" if _is_campaign(picked, authors) else "duplicate",
            )
        )
    groups.sort(key=lambda g: (-len(g.ids), -g.similarity, g.ids[0]))
    return groups


def _is_campaign(docs: Sequence[Doc], authors: Mapping[str, str] | None) -> bool:
    if len(docs) < CAMPAIGN_MIN_DOCS:
        return False
    if authors is not None and len({authors.get(d.id, d.id) for d in docs}) < CAMPAIGN_MIN_AUTHORS:
        return False
    dates = sorted(d.created for d in docs if d.created is not None)
    if len(dates) < CAMPAIGN_MIN_DOCS:
        return False
    # the most texts posted within any window of CAMPAIGN_WINDOW
    best, left = 0, 0
    for right, moment in enumerate(dates):
        while moment - dates[left] > CAMPAIGN_WINDOW:
            left += 1
        best = max(best, right - left + 1)
    return best >= CAMPAIGN_MIN_DOCS
