"""Category (or topic) suggestion from a contribution's text, learnt from the organisation's own labelled
contributions. Pure: no Django import.

A linear SVM (scikit-learn's ``LinearSVC``, classes balanced) over TF-IDF features of word 1-2-grams and of
character 3-5-grams inside words (these survive typos, plurals and German compounds). Scores are the
softmax of the decision values: they rank the labels and sum to 1, but are not calibrated probabilities.
Explanations are exact for a linear model: a word's weight for a label is the sum of its features'
``tf-idf × coefficient`` (a character n-gram's share split between the words that contain it).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

MIN_TEXTS = 10  # fewer labelled texts than this: no model
MIN_PER_LABEL = 2  # labels seen fewer times are left out of training
SMALL_CORPUS = 200  # below, n-grams seen once are kept (min_df=1), else they must appear twice
_WORD = re.compile(r"(?u)\b\w\w+\b")


class NotEnoughData(ValueError):
    """Too few labelled texts (or fewer than two labels with enough texts) to learn from."""


class Suggester:
    """``fit(texts, labels)`` then ``suggest(text, k)``; ``explain(text, label)`` gives the words behind a
    label's score. Labels are any hashable values (category ids, topic keys)."""

    def __init__(self, *, c: float = 0.5) -> None:
        self.c = c
        self.labels: list[Hashable] = []
        self._features: FeatureUnion | None = None
        self._model: LinearSVC | None = None
        self._names: np.ndarray | None = None
        self._word_columns = 0

    @property
    def is_fitted(self) -> bool:
        return self._model is not None

    def fit(self, texts: Sequence[str], labels: Sequence[Hashable]) -> Suggester:
        if len(texts) != len(labels):
            raise ValueError("texts and labels differ in length")
        counts = Counter(labels)
        keep = [
            i for i, label in enumerate(labels) if counts[label] >= MIN_PER_LABEL and (texts[i] or "").strip()
        ]
        kept_labels = {labels[i] for i in keep}
        if len(keep) < MIN_TEXTS or len(kept_labels) < 2:
            raise NotEnoughData(f"{len(keep)} usable texts in {len(kept_labels)} labels")
        min_df = 1 if len(keep) < SMALL_CORPUS else 2
        words = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=min_df, lowercase=True)
        chars = TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(3, 5), min_df=min_df)
        features = FeatureUnion([("words", words), ("chars", chars)])
        matrix = features.fit_transform([texts[i] for i in keep])
        y = [labels[i] for i in keep]
        model = LinearSVC(C=self.c, class_weight="balanced")
        model.fit(matrix, y)
        self._features, self._model = features, model
        self.labels = [label.item() if isinstance(label, np.generic) else label for label in model.classes_]
        self._word_columns = len(words.vocabulary_)
        self._names = features.get_feature_names_out()
        return self

    def _scores(self, text: str) -> tuple[Any, np.ndarray]:
        if self._features is None or self._model is None:
            raise NotEnoughData("the suggester has not been trained")
        row = self._features.transform([text or ""])
        decision = np.atleast_1d(self._model.decision_function(row)[0])
        if len(self.labels) == 2:  # binary: one decision value, for the second class
            decision = np.array([-decision[0], decision[0]])
        return row, decision

    def suggest(self, text: str, k: int = 3) -> list[tuple[Hashable, float]]:
        """The ``k`` likeliest labels with their scores (softmax of the decision values), best first; an
        empty list when the text has no known word."""
        row, decision = self._scores(text)
        if row.nnz == 0:
            return []
        exp = np.exp(decision - decision.max())
        scores = exp / exp.sum()
        order = np.argsort(-scores)[:k]
        return [(self.labels[i], round(float(scores[i]), 4)) for i in order]

    def margins(self, text: str) -> dict[Hashable, float]:
        """Each label's one-vs-rest decision value: positive when the model would say "this label" on its
        own. Exactly one positive margin is a confident suggestion."""
        _row, decision = self._scores(text)
        return {label: float(value) for label, value in zip(self.labels, decision, strict=True)}

    def explain(self, text: str, label: Hashable, top: int = 5) -> list[tuple[str, float]]:
        """The words of ``text`` that push it most towards ``label``, with their weights (positive only)."""
        row, _decision = self._scores(text)
        if label not in self.labels or self._model is None or self._names is None:
            return []
        index = self.labels.index(label)
        coef = self._model.coef_
        weights = coef[index] if coef.shape[0] > 1 else (coef[0] if index == 1 else -coef[0])
        row = row.tocsr()
        tokens = [w.lower() for w in _WORD.findall(text or "")]
        per_word: dict[str, float] = defaultdict(float)
        for column, value in zip(row.indices, row.data, strict=True):
            contribution = float(value * weights[column])
            name = str(self._names[column]).split("__", 1)[1]
            if column < self._word_columns:
                per_word[name] += contribution
                continue
            owners = [w for w in set(tokens) if name.strip() in f" {w} "]
            for owner in owners:
                per_word[owner] += contribution / len(owners)
        ranked = sorted(((w, round(v, 4)) for w, v in per_word.items() if v > 0), key=lambda item: -item[1])
        return ranked[:top]
