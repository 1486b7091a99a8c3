"""Themes and sub-themes of thousands of contributions, with readable labels. Pure: no Django import.

How (each step explainable to an official):

1. Each text's language is taken from its source or detected (``language.py``); its words become Snowball stems
   without function words, plus the pairs of consecutive stems (``normalise.py``).
2. TF-IDF weights of those terms (rare-but-shared terms weigh most), reduced by latent semantic analysis (a
   truncated SVD: terms that occur together count as one direction, so ``vélo`` and ``cyclable`` meet).
3. k-means on the reduced, length-normalised vectors gives the themes (k chosen by silhouette on a sample when
   not given); each theme with enough contributions is split the same way into sub-themes (k from its size).
4. A theme's keywords are the terms held by many of its contributions and few of the others (for a sub-theme,
   the others of its theme); a phrase replaces its words when it does nearly as well; its label is its two best
   key phrases, in the words contributors used. Its quotes are the contributions nearest its centre.

Stability: ``analyse_topics(..., previous=state)`` keeps every contribution already placed where it was (and
every official's correction: renamed labels, merged and split themes, tagged contributions, all recorded in
the ``TopicState``); new contributions go to the nearest existing theme when they are close enough to it, and
only the residue forms new themes. Re-running on the same texts gives the same themes (fixed random seeds).

Empty texts and texts with no content word (``"ok"``, ``"!!!"``) get no theme (``None``).
"""

from __future__ import annotations

import math
import time
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize

from parlons.insights.text.docs import Doc
from parlons.insights.text.language import UNDETERMINED, detect_language_of_words
from parlons.insights.text.normalise import Normaliser, with_bigrams

MAX_THEMES = 12
MIN_THEME_SIZE = 5
MAX_SUBTHEMES = 6
MIN_SUBTHEME_SIZE = 4
#: few dimensions: on the shared data 20 to 50 group contributions best, more bring back the noise of words
LSA_DIMENSIONS = 30
KEYWORDS = 8
QUOTES = 3
SEED = 0
#: a new contribution joins an existing theme when its similarity to the theme's centre is at least this
#: quantile of the similarities of the theme's own members (and at least ``MIN_JOIN_SIMILARITY``).
JOIN_QUANTILE = 0.1
MIN_JOIN_SIMILARITY = 0.05


@dataclass(frozen=True, slots=True)
class Topic:
    """A theme (``parent`` None) or a sub-theme. ``quotes`` are contribution ids, nearest the centre first."""

    id: str
    label: str
    keywords: tuple[str, ...]
    size: int
    parent: str | None = None
    quotes: tuple[str, ...] = ()
    label_pinned: bool = False


@dataclass(frozen=True, slots=True)
class TopicState:
    """What the next run must keep: themes (ids, labels, pinned labels), where each contribution was placed,
    and the contributions an official tagged with a theme. ``next_number`` keeps ids never reused."""

    topics: tuple[Topic, ...] = ()
    assignments: Mapping[str, str] = field(default_factory=dict)
    sub_assignments: Mapping[str, str] = field(default_factory=dict)
    pinned: Mapping[str, str] = field(default_factory=dict)
    next_number: int = 1


@dataclass(frozen=True, slots=True)
class TopicResult:
    topics: tuple[Topic, ...]
    assignments: dict[str, str | None]  # contribution id -> theme id (None: nothing to analyse)
    sub_assignments: dict[str, str | None]  # contribution id -> sub-theme id
    languages: dict[str, int]
    seconds: float
    next_number: int = 1
    pinned: Mapping[str, str] = field(default_factory=dict)

    @property
    def themes(self) -> list[Topic]:
        return [t for t in self.topics if t.parent is None]

    def children(self, theme_id: str) -> list[Topic]:
        return [t for t in self.topics if t.parent == theme_id]

    def state(self) -> TopicState:
        return TopicState(
            topics=self.topics,
            assignments={k: v for k, v in self.assignments.items() if v is not None},
            sub_assignments={k: v for k, v in self.sub_assignments.items() if v is not None},
            pinned=dict(self.pinned),
            next_number=self.next_number,
        )


class TopicError(ValueError):
    """A correction that does not fit the state (unknown theme, nothing to split)."""


def analyse_topics(
    docs: Sequence[Doc],
    *,
    previous: TopicState | None = None,
    n_topics: int | None = None,
    default_lang: str = "fr",
) -> TopicResult:
    """Themes and sub-themes of ``docs``; see the module docstring. ``n_topics`` forces the number of themes of
    a first run (later runs keep the themes they find and add only what the residue needs)."""
    started = time.perf_counter()
    previous = previous or TopicState()
    normaliser = Normaliser()
    languages: Counter[str] = Counter()
    term_lists: list[list[str]] = []
    for doc in docs:
        words = normaliser.words(doc.text or "")
        lang = doc.lang or detect_language_of_words(words)
        languages[lang] += 1
        term_lists.append(
            with_bigrams(normaliser.terms_of_words(words, default_lang if lang == UNDETERMINED else lang))
        )
    valid = [i for i, terms in enumerate(term_lists) if terms]
    assignments: dict[str, str | None] = {doc.id: None for doc in docs}
    sub_assignments: dict[str, str | None] = {doc.id: None for doc in docs}
    counter = _Counter(max(previous.next_number, _max_number(previous.topics) + 1))
    if not valid:
        return TopicResult(
            (),
            assignments,
            sub_assignments,
            dict(languages),
            time.perf_counter() - started,
            counter.value,
            dict(previous.pinned),
        )

    ids = [docs[i].id for i in valid]
    tfidf, vocabulary = _tfidf([term_lists[i] for i in valid])
    embedding = _embed(tfidf)
    prior_themes = {t.id: t for t in previous.topics if t.parent is None}
    prior_subs = {t.id: t for t in previous.topics if t.parent is not None}
    fixed = {}
    for row, doc_id in enumerate(ids):
        theme = previous.pinned.get(doc_id) or previous.assignments.get(doc_id)
        if theme in prior_themes:
            fixed[row] = theme
    presence = (tfidf > 0).astype(np.float32).tocsr()
    corpus_df = np.asarray(presence.sum(axis=0)).ravel()
    theme_of = _partition(
        embedding, np.arange(len(ids)), fixed, n_topics, MIN_THEME_SIZE, MAX_THEMES, lambda: counter.take("t")
    )

    topics: list[Topic] = []
    for theme_id, rows in _groups(theme_of).items():
        prior = prior_themes.get(theme_id)
        theme_df = np.asarray(presence[rows].sum(axis=0)).ravel()
        keywords = _keywords(_contrast(theme_df, len(rows), corpus_df, len(ids)), vocabulary, normaliser)
        topics.append(_describe(theme_id, None, rows, keywords, embedding, ids, prior))
        for row in rows:
            assignments[ids[row]] = theme_id
        if len(rows) < 2 * MIN_SUBTHEME_SIZE:
            continue
        sub_fixed = {}
        for row in rows:
            sub = previous.sub_assignments.get(ids[row])
            if sub in prior_subs and prior_subs[sub].parent == theme_id:
                sub_fixed[int(row)] = sub
        sub_of = _partition(
            embedding,
            rows,
            sub_fixed,
            None,
            MIN_SUBTHEME_SIZE,
            MAX_SUBTHEMES,
            lambda theme_id=theme_id: counter.take(f"{theme_id}."),
        )
        subs = _groups(sub_of)
        if len(subs) < 2:
            continue
        for sub_id, sub_rows in subs.items():
            sub_df = np.asarray(presence[sub_rows].sum(axis=0)).ravel()
            keywords = _keywords(
                _contrast(sub_df, len(sub_rows), theme_df, len(rows)), vocabulary, normaliser
            )
            topics.append(
                _describe(sub_id, theme_id, sub_rows, keywords, embedding, ids, prior_subs.get(sub_id))
            )
            for row in sub_rows:
                sub_assignments[ids[row]] = sub_id
    topics.sort(key=lambda t: (t.parent or t.id, t.parent is not None, -t.size))
    pinned = {d: t for d, t in previous.pinned.items() if assignments.get(d) == t}
    return TopicResult(
        tuple(topics),
        assignments,
        sub_assignments,
        dict(languages),
        time.perf_counter() - started,
        counter.value,
        pinned,
    )


# --- corrections by officials: pure edits of the state, kept by the next run -------------------------------


def rename_topic(state: TopicState, topic_id: str, label: str) -> TopicState:
    """The theme keeps ``label`` on every later run."""
    _topic(state, topic_id)
    topics = tuple(
        replace(t, label=label, label_pinned=True) if t.id == topic_id else t for t in state.topics
    )
    return replace(state, topics=topics)


def merge_topics(state: TopicState, source_ids: Iterable[str], into_id: str) -> TopicState:
    """Every contribution of the ``source_ids`` themes moves to ``into_id``; their sub-themes are re-formed."""
    into = _topic(state, into_id)
    sources = {_topic(state, s).id for s in source_ids} - {into.id}
    if into.parent is not None or any(_topic(state, s).parent is not None for s in sources):
        raise TopicError("only themes can be merged")
    gone = sources | {t.id for t in state.topics if t.parent in sources}
    assignments = {d: (into_id if t in sources else t) for d, t in state.assignments.items()}
    subs = {d: s for d, s in state.sub_assignments.items() if s not in gone}
    pinned = {d: (into_id if t in sources else t) for d, t in state.pinned.items()}
    size = sum(1 for t in assignments.values() if t == into_id)
    topics = tuple(replace(t, size=size) if t.id == into_id else t for t in state.topics if t.id not in gone)
    return replace(state, topics=topics, assignments=assignments, sub_assignments=subs, pinned=pinned)


def split_topic(state: TopicState, topic_id: str) -> tuple[TopicState, list[str]]:
    """The theme's sub-themes become themes of their own (the theme disappears). Returns their new ids."""
    theme = _topic(state, topic_id)
    children = [t for t in state.topics if t.parent == theme.id]
    if theme.parent is not None or len(children) < 2:
        raise TopicError("this theme has no sub-themes to split into")
    number = max(state.next_number, _max_number(state.topics) + 1)
    renamed: dict[str, str] = {}
    for child in children:
        renamed[child.id] = f"t{number}"
        number += 1
    topics = [t for t in state.topics if t.id != theme.id and t.parent != theme.id]
    topics += [replace(c, id=renamed[c.id], parent=None) for c in children]
    assignments = dict(state.assignments)
    subs = dict(state.sub_assignments)
    for doc_id, sub in state.sub_assignments.items():
        if sub in renamed:
            assignments[doc_id] = renamed[sub]
            del subs[doc_id]
    # contributions of the theme that had no sub-theme are placed afresh by the next run
    assignments = {d: t for d, t in assignments.items() if t != theme.id}
    pinned = {d: t for d, t in state.pinned.items() if t != theme.id}
    new_state = replace(
        state,
        topics=tuple(topics),
        assignments=assignments,
        sub_assignments=subs,
        pinned=pinned,
        next_number=number,
    )
    return new_state, list(renamed.values())


def tag_contribution(state: TopicState, doc_id: str, topic_id: str) -> TopicState:
    """``doc_id`` belongs to theme ``topic_id`` on every later run, whatever the clustering says."""
    if _topic(state, topic_id).parent is not None:
        raise TopicError("contributions are tagged with themes")
    assignments = {**state.assignments, doc_id: topic_id}
    subs = {d: s for d, s in state.sub_assignments.items() if d != doc_id}
    return replace(
        state, assignments=assignments, sub_assignments=subs, pinned={**state.pinned, doc_id: topic_id}
    )


# --- the baseline the quality tests and the bench compare against ------------------------------------------


def baseline_tfidf_kmeans(texts: Sequence[str], k: int) -> list[int]:
    """Plain TF-IDF (scikit-learn's defaults) + k-means: what ``analyse_topics`` must clearly beat."""
    matrix = TfidfVectorizer().fit_transform([t or "" for t in texts])
    return [int(x) for x in KMeans(n_clusters=k, n_init=3, random_state=SEED).fit_predict(matrix)]


# --- internals ------------------------------------------------------------------------------------------


class _Counter:
    """Fresh topic numbers: themes ``t7``, sub-themes ``t7.12`` (one sequence, so no id is ever reused)."""

    def __init__(self, start: int) -> None:
        self.value = start

    def take(self, prefix: str) -> str:
        self.value += 1
        return f"{prefix}{self.value - 1}"


def _max_number(topics: Iterable[Topic]) -> int:
    best = 0
    for topic in topics:
        for part in topic.id.lstrip("t").split("."):
            if part.isdigit():
                best = max(best, int(part))
    return best


def _topic(state: TopicState, topic_id: str) -> Topic:
    for topic in state.topics:
        if topic.id == topic_id:
            return topic
    raise TopicError(f"unknown theme {topic_id}")


def _identity(terms: list[str]) -> list[str]:
    return terms


def _tfidf(term_lists: list[list[str]]) -> tuple[sparse.csr_matrix, np.ndarray]:
    n = len(term_lists)
    min_df = 2 if n >= 20 else 1
    max_df = 0.5 if n >= 20 else 1.0
    try:
        vectoriser = TfidfVectorizer(
            analyzer=_identity,
            min_df=min_df,
            max_df=max_df,
            sublinear_tf=True,
            max_features=200_000,
            dtype=np.float32,
        )
        matrix = vectoriser.fit_transform(term_lists)
    except ValueError:  # every term pruned (tiny or uniform corpora)
        vectoriser = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, dtype=np.float32)
        matrix = vectoriser.fit_transform(term_lists)
    return matrix.tocsr(), vectoriser.get_feature_names_out()


def _embed(tfidf: sparse.csr_matrix) -> np.ndarray:
    n, v = tfidf.shape
    dims = min(LSA_DIMENSIONS, v - 1, n - 1)
    if dims < 2:
        dense = tfidf.toarray().astype(np.float32)
    else:
        dense = TruncatedSVD(n_components=dims, random_state=SEED, n_iter=5).fit_transform(tfidf)
    return normalize(dense).astype(np.float32)


def _kmeans(points: np.ndarray, k: int) -> np.ndarray:
    # Lloyd's k-means on 30 dimensions is cheap even for 100,000 points (cheaper than mini-batches, whose
    # per-step overhead dominates); small sets are the most sensitive to a bad start: more restarts there
    n_init = 8 if len(points) <= 2_000 else 4 if len(points) <= 20_000 else 2
    model = KMeans(n_clusters=k, random_state=SEED, n_init=n_init)
    with warnings.catch_warnings():  # identical texts give fewer distinct clusters than asked: that is fine
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit_predict(points)


def _choose_k(points: np.ndarray, max_k: int, min_size: int) -> int:
    """k with the best silhouette (cosine) on a sample, among 2..max_k; 1 when too few points."""
    upper = min(max_k, len(points) // min_size)
    if upper < 2:
        return 1
    rng = np.random.default_rng(SEED)
    sample = points if len(points) <= 1500 else points[rng.choice(len(points), 1500, replace=False)]
    best_k, best_score = 2, -1.0
    for k in range(2, upper + 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            labels = KMeans(n_clusters=k, random_state=SEED, n_init=1).fit_predict(sample)
        if len(set(labels.tolist())) < 2:
            continue
        # a mild preference for more themes: silhouette alone favours two big halves on text
        score = float(silhouette_score(sample, labels, metric="cosine")) * math.log(k + 1)
        if score > best_score:
            best_k, best_score = k, score
    return best_k


def _partition(
    embedding: np.ndarray,
    rows: np.ndarray,
    fixed: Mapping[int, str],
    k: int | None,
    min_size: int,
    max_k: int,
    new_id: object,
) -> dict[int, str]:
    """Topic id of each of ``rows``: ``fixed`` rows keep theirs, the others join the nearest fixed topic when
    close enough, and the residue is clustered into new topics (small new clusters join their nearest topic)."""
    make = new_id  # a callable returning a fresh id
    result: dict[int, str] = {int(r): t for r, t in fixed.items()}
    free = np.array([r for r in rows if int(r) not in result], dtype=int)
    centres: dict[str, np.ndarray] = {}
    thresholds: dict[str, float] = {}
    for topic_id, members in _groups(result).items():
        centre = embedding[members].mean(axis=0)
        norm = float(np.linalg.norm(centre)) or 1.0
        centres[topic_id] = centre / norm
        sims = embedding[members] @ centres[topic_id]
        thresholds[topic_id] = max(MIN_JOIN_SIMILARITY, float(np.quantile(sims, JOIN_QUANTILE)))
    if len(free) and centres:
        names = list(centres)
        matrix = np.stack([centres[n] for n in names])
        sims = embedding[free] @ matrix.T
        best = sims.argmax(axis=1)
        residue = []
        for row, j, s in zip(free, best, sims[np.arange(len(free)), best], strict=True):
            if s >= thresholds[names[j]]:
                result[int(row)] = names[j]
            else:
                residue.append(int(row))
        free = np.array(residue, dtype=int)
    if len(free) == 0:
        return result
    if centres and len(free) < 2 * min_size:
        return _join_nearest(embedding, free, result, centres)
    if k is None and max_k <= MAX_SUBTHEMES:
        k = min(max_k, max(2, round(math.sqrt(len(free) / 8))), len(free) // min_size)
    elif k is None or centres:
        k = _choose_k(embedding[free], max_k if not centres else max(2, max_k // 2), min_size)
    k = max(1, min(k, len(free)))
    labels = np.zeros(len(free), dtype=int) if k == 1 else _kmeans(embedding[free], k)
    small: list[int] = []
    for label in range(k):
        members = free[labels == label]
        if len(members) == 0:
            continue
        if centres and len(members) < min_size:
            small.extend(int(m) for m in members)
            continue
        topic_id = make()  # type: ignore[operator]
        for member in members:
            result[int(member)] = topic_id
    if small:
        result = _join_nearest(embedding, np.array(small, dtype=int), result, centres)
    return result


def _join_nearest(
    embedding: np.ndarray, free: np.ndarray, result: dict[int, str], centres: Mapping[str, np.ndarray]
) -> dict[int, str]:
    names = list(centres)
    matrix = np.stack([centres[n] for n in names])
    for row, j in zip(free, (embedding[free] @ matrix.T).argmax(axis=1), strict=True):
        result[int(row)] = names[int(j)]
    return result


def _groups(assignment: Mapping[int, str]) -> dict[str, np.ndarray]:
    groups: dict[str, list[int]] = {}
    for row, topic_id in assignment.items():
        groups.setdefault(topic_id, []).append(row)
    return {t: np.array(sorted(rows), dtype=int) for t, rows in groups.items()}


def _contrast(inside_df: np.ndarray, n_inside: int, context_df: np.ndarray, n_context: int) -> np.ndarray:
    """How much each term characterises a topic against its context (the corpus, or the parent theme): share
    of the topic's contributions holding it × log(that share / the share among the context's others), the
    terms of a KL divergence: frequent inside and rare outside scores best."""
    inside = inside_df / max(n_inside, 1)
    outside = (context_df - inside_df) / max(n_context - n_inside, 1)
    return np.asarray(inside * np.log((inside + 0.01) / (outside + 0.01)))


def _describe(
    topic_id: str,
    parent: str | None,
    rows: np.ndarray,
    keywords: list[str],
    embedding: np.ndarray,
    ids: Sequence[str],
    prior: Topic | None,
) -> Topic:
    """The topic with its label (an official's when pinned, else its two best key phrases) and its quotes
    (the contributions nearest its centre)."""
    centre = embedding[rows].mean(axis=0)
    nearest = rows[np.argsort(-(embedding[rows] @ centre), kind="stable")[:QUOTES]]
    if prior is not None and prior.label_pinned:
        label, pinned = prior.label, True
    else:
        label, pinned = _label(keywords), False
    return Topic(
        id=topic_id,
        label=label,
        keywords=tuple(keywords),
        size=len(rows),
        parent=parent,
        quotes=tuple(ids[int(r)] for r in nearest),
        label_pinned=pinned,
    )


def _keywords(score: np.ndarray, vocabulary: np.ndarray, normaliser: Normaliser) -> list[str]:
    """The best terms, a phrase taking the place of its words when it scores at least half as well as them
    (``piste cyclable`` rather than ``piste`` and ``cyclable``), in the words contributors used."""
    order = np.argsort(-score, kind="stable")[: KEYWORDS * 4]
    best = {str(vocabulary[i]): float(score[i]) for i in order if score[i] > 0}
    chosen: list[str] = []
    for term, value in best.items():
        if len(chosen) == KEYWORDS:
            break
        parts = term.split(" ")
        if len(parts) == 1:
            if any(term in c.split(" ") for c in chosen):
                continue
            phrase = next(
                (p for p, v in best.items() if term in p.split(" ") and " " in p and v >= value / 2), None
            )
            if phrase is not None and phrase not in chosen:
                chosen.append(phrase)
                continue
        elif all(any(p in c.split(" ") for c in chosen) for p in parts) or term in chosen:
            continue
        chosen.append(term)
    return [normaliser.surface(t) for t in chosen]


def _label(keywords: Sequence[str]) -> str:
    if not keywords:
        return "—"
    label = ", ".join(keywords[:2])
    return label[:1].upper() + label[1:]
