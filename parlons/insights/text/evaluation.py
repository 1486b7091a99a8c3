"""Topic quality against human labels on the shared real data, beside the plain baseline. Pure: no Django.

Used by the quality tests and ``bench/insights.py``: both methods get the same texts and the same number of
themes (the number of human categories); scores are normalised mutual information and adjusted Rand index.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from parlons.insights.text.docs import Doc
from parlons.insights.text.topics import analyse_topics, baseline_tfidf_kmeans

CYCLING_DE = Path("text/cycling-dialogues-de/dataset.csv")
MEL_FR = Path("text/mel-grand-debat-decidim-fr/propositions-libres.csv")


@dataclass(frozen=True)
class Labelled:
    name: str
    ids: list[str]
    texts: list[str]
    labels: list[str]


@dataclass(frozen=True)
class Scores:
    dataset: str
    size: int
    k: int
    nmi: float
    ari: float
    baseline_nmi: float
    baseline_ari: float
    seconds: float


def load_cycling_de(shared: Path) -> Labelled:
    """The Bonn, Ehrenfeld and Moers cycling dialogues, labelled by experts (``main_category_level1``)."""
    with (shared / CYCLING_DE).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return Labelled(
        "cycling-dialogues-de",
        [r["ID"] for r in rows],
        [f"{r['title']}\n{r['text']}".strip() for r in rows],
        [r["main_category_level1"] for r in rows],
    )


def load_mel_fr(shared: Path) -> Labelled:
    """The Lille metropolis's Grand Débat free proposals that their authors put in a category."""
    with (shared / MEL_FR).open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter=";") if r["category/name/fr"]]
    return Labelled(
        "mel-grand-debat-decidim-fr",
        [r["id"] for r in rows],
        [f"{r['title']}\n{r['body']}".strip() for r in rows],
        [r["category/name/fr"] for r in rows],
    )


def evaluate(data: Labelled) -> Scores:
    """Our themes and the baseline's clusters, same k, scored against the human labels."""
    k = len(set(data.labels))
    started = time.perf_counter()
    result = analyse_topics(
        [Doc(id=i, text=t) for i, t in zip(data.ids, data.texts, strict=True)], n_topics=k
    )
    seconds = time.perf_counter() - started
    ours = [result.assignments[i] or "-" for i in data.ids]
    baseline = baseline_tfidf_kmeans(data.texts, k)
    return Scores(
        dataset=data.name,
        size=len(data.ids),
        k=k,
        nmi=float(normalized_mutual_info_score(data.labels, ours)),
        ari=float(adjusted_rand_score(data.labels, ours)),
        baseline_nmi=float(normalized_mutual_info_score(data.labels, baseline)),
        baseline_ari=float(adjusted_rand_score(data.labels, baseline)),
        seconds=seconds,
    )
