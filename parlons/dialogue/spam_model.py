"""The learned half of the spam and abuse score: a logistic regression over word and character n-grams,
trained on one organisation's own moderation decisions, that says which words of a text drove its verdict.

Pure scikit-learn, no Django: ``train`` takes labelled texts and returns a ``SpamModel`` (picklable, kept in
the cache by ``spam_classifier``); ``SpamModel.explain`` gives the log-odds of a text against the balanced
classes and the contribution of each of its words. A linear model on TF-IDF features is explainable exactly:
its decision is the sum of one term per n-gram present, so each n-gram's term goes to the words that hold it
(a word n-gram to its words, a character n-gram to the words it was cut from), and the words that pushed
the decision most are the explanation. No text leaves the server; nothing is downloaded.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from parlons.dialogue.spam import normalise

# Character n-grams catch spelling games (v1agra, c@sino) and French inflections; word n-grams catch phrases.
CHAR_NGRAMS = (3, 5)
WORD_NGRAMS = (1, 2)
MAX_CHAR_FEATURES = 30_000
MAX_WORD_FEATURES = 20_000
# Little regularisation: an organisation has tens to thousands of decisions, and a decision whose words the
# model keeps only faintly would not move the score enough to hold the next copy.
C = 10.0
_SUBTOKEN_RE = re.compile(r"(?u)\b\w\w+\b")
_STRIP_RE = re.compile(r"^\W+|\W+$", re.UNICODE)


@dataclass(frozen=True)
class Example:
    """A labelled text: ``spam`` when moderators hid it as spam or abuse; ``weight`` counts how sure we are."""

    text: str
    spam: bool
    weight: float = 1.0


@dataclass
class SpamModel:
    """A trained classifier and what it was trained on (the trust the score gives it grows with ``decisions``)."""

    word_vectorizer: Any
    char_vectorizer: Any
    word_coef: Any  # numpy arrays, one weight per feature of each vectorizer
    char_coef: Any
    intercept: float
    word_features: Any
    char_features: Any
    hidden: int = 0
    restored: int = 0
    unflagged: int = 0
    trust: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def decisions(self) -> int:
        return self.hidden + self.restored

    def explain(self, text: str) -> tuple[float, list[tuple[str, float]]]:
        """The log-odds that ``text`` is spam or abuse (0 = as likely as not) and, for each word of the text
        that the model knows, its part of those log-odds (positive: like hidden content), largest first."""
        prepared = normalise(text)
        words = prepared.split()
        shown = text.split()
        if len(shown) != len(words):  # normalisation split a character into spaces: show the normalised form
            shown = words
        contributions: dict[str, float] = defaultdict(float)
        decision = self.intercept
        holders_of_char = _char_holders(words)
        holders_of_token = _token_holders(words)
        for matrix, coef, names, holders in (
            (self.word_vectorizer.transform([prepared]), self.word_coef, self.word_features, "word"),
            (self.char_vectorizer.transform([prepared]), self.char_coef, self.char_features, "char"),
        ):
            row = matrix.tocsr()
            for index, value in zip(row.indices, row.data, strict=True):
                part = float(coef[index]) * float(value)
                if not part:
                    continue
                decision += part
                name = str(names[index])
                if holders == "char":
                    owners = holders_of_char.get(name, [])
                else:
                    owners = sorted({i for token in name.split() for i in holders_of_token.get(token, [])})
                for i in owners:
                    contributions[_display(shown[i])] += part / len(owners)
        ranked = sorted(
            ((word, value) for word, value in contributions.items() if word and value),
            key=lambda item: -abs(item[1]),
        )
        return decision, ranked


def _display(word: str) -> str:
    return _STRIP_RE.sub("", word)[:40]


def _char_holders(words: Sequence[str]) -> dict[str, list[int]]:
    """Each character n-gram (as ``char_wb`` cuts them: a word padded with one space) → the words holding it."""
    holders: dict[str, list[int]] = defaultdict(list)
    low, high = CHAR_NGRAMS
    for i, word in enumerate(words):
        padded = f" {word} "
        for n in range(low, high + 1):
            if len(padded) <= n:  # as char_wb does: a short word is one n-gram, counted once
                _hold(holders, padded, i)
                break
            for start in range(len(padded) - n + 1):
                _hold(holders, padded[start : start + n], i)
    return holders


def _token_holders(words: Sequence[str]) -> dict[str, list[int]]:
    holders: dict[str, list[int]] = defaultdict(list)
    for i, word in enumerate(words):
        for token in _SUBTOKEN_RE.findall(word):
            _hold(holders, token, i)
    return holders


def _hold(holders: dict[str, list[int]], key: str, i: int) -> None:
    owners = holders[key]
    if not owners or owners[-1] != i:
        owners.append(i)


def train(
    examples: Sequence[Example], *, hidden: int, restored: int, unflagged: int, trust: float
) -> SpamModel:
    """Fit the classifier on labelled texts (both classes must be present); classes are balanced, so a
    decision of 0 means "as likely as not" and the rules' score stays the prior it is combined with."""
    import numpy as np
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [normalise(e.text) for e in examples]
    labels = np.array([1 if e.spam else 0 for e in examples])
    weights = np.array([e.weight for e in examples], dtype=float)
    word_vectorizer = TfidfVectorizer(
        lowercase=False,
        analyzer="word",
        token_pattern=_SUBTOKEN_RE.pattern,
        ngram_range=WORD_NGRAMS,
        sublinear_tf=True,
        max_features=MAX_WORD_FEATURES,
        dtype=np.float32,
    )
    char_vectorizer = TfidfVectorizer(
        lowercase=False,
        analyzer="char_wb",
        ngram_range=CHAR_NGRAMS,
        sublinear_tf=True,
        min_df=2 if len(texts) >= 50 else 1,
        max_features=MAX_CHAR_FEATURES,
        dtype=np.float32,
    )
    word_matrix = word_vectorizer.fit_transform(texts)
    char_matrix = char_vectorizer.fit_transform(texts)
    # The pruned vocabulary is only kept for introspection and can be large: it has no use in the cache.
    word_vectorizer.stop_words_ = None
    char_vectorizer.stop_words_ = None
    features = hstack([word_matrix, char_matrix]).tocsr()
    classifier = LogisticRegression(C=C, class_weight="balanced", solver="liblinear", max_iter=1000)
    classifier.fit(features, labels, sample_weight=weights)
    coef = classifier.coef_[0].astype(np.float32)
    split = word_matrix.shape[1]
    return SpamModel(
        word_vectorizer=word_vectorizer,
        char_vectorizer=char_vectorizer,
        word_coef=coef[:split],
        char_coef=coef[split:],
        intercept=float(classifier.intercept_[0]),
        word_features=word_vectorizer.get_feature_names_out(),
        char_features=char_vectorizer.get_feature_names_out(),
        hidden=hidden,
        restored=restored,
        unflagged=unflagged,
        trust=trust,
    )
