"""Base clusters and opinion groups: k-means as Pol.is runs it, with groups kept stable between updates."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import silhouette_score

MAX_BASE_CLUSTERS = 100
MIN_GROUPS = 2
MAX_GROUPS = 5
# A new group count replaces the current one only when it wins this many updates in a row, or beats the
# current count's silhouette by SILHOUETTE_MARGIN: a conversation's groups do not flicker with every vote.
K_STREAK = 3
SILHOUETTE_MARGIN = 0.05
# Seeded re-clusterings whose majority fixes the groups of people near a border (see consensus_labels).
ENSEMBLE_RUNS = 24


@dataclass(frozen=True)
class GroupState:
    """What the next update needs to stay stable: the group count, centres, and the count waiting to replace it."""

    k: int = 0
    centres: tuple[tuple[float, float], ...] = ()
    base_centres: tuple[tuple[float, float], ...] = ()
    pending_k: int = 0
    pending_streak: int = 0

    def as_dict(self) -> dict:
        return {
            "k": self.k,
            "centres": [list(c) for c in self.centres],
            "base_centres": [list(c) for c in self.base_centres],
            "pending_k": self.pending_k,
            "pending_streak": self.pending_streak,
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> GroupState:
        if not data:
            return cls()
        return cls(
            k=int(data.get("k", 0)),
            centres=tuple(tuple(map(float, c)) for c in data.get("centres", ())),  # type: ignore[misc]
            base_centres=tuple(tuple(map(float, c)) for c in data.get("base_centres", ())),  # type: ignore[misc]
            pending_k=int(data.get("pending_k", 0)),
            pending_streak=int(data.get("pending_streak", 0)),
        )


@dataclass(frozen=True)
class Groups:
    """``labels``: the group of each point; ``silhouettes``: the score of every k tried."""

    labels: np.ndarray
    centres: np.ndarray
    base_labels: np.ndarray
    base_centres: np.ndarray
    k: int
    silhouettes: dict[int, float] = field(default_factory=dict)
    state: GroupState = field(default_factory=GroupState)


def first_distinct(points: np.ndarray, count: int, exclude: np.ndarray | None = None) -> np.ndarray:
    """The first ``count`` distinct rows in order (Pol.is's deterministic k-means start), skipping ``exclude``."""
    chosen: list[np.ndarray] = []
    seen = {tuple(row) for row in exclude} if exclude is not None and len(exclude) else set()
    for row in points:
        key = tuple(row)
        if key in seen:
            continue
        seen.add(key)
        chosen.append(row)
        if len(chosen) == count:
            break
    return np.array(chosen).reshape(-1, points.shape[1])


def _start(points: np.ndarray, k: int, previous: np.ndarray | None) -> np.ndarray:
    kept = previous[:k] if previous is not None and len(previous) else np.empty((0, points.shape[1]))
    if len(kept) < k:
        kept = np.vstack([kept, first_distinct(points, k - len(kept), exclude=kept)])
    return kept


@dataclass(frozen=True)
class KMeansFit:
    labels: np.ndarray
    centres: np.ndarray
    inertia: float


def lloyd(
    points: np.ndarray, init: np.ndarray, *, weights: np.ndarray | None = None, max_iter: int = 100
) -> KMeansFit:
    """Weighted Lloyd iterations from ``init`` until no point changes cluster; an emptied cluster keeps its
    centre. Plain numpy: on a few thousand 2-D points this is much cheaper than a general-purpose library."""
    w = np.ones(len(points)) if weights is None else np.asarray(weights, dtype=float)
    centres = np.array(init, dtype=float, copy=True)
    labels = np.full(len(points), -1)
    norms = (points**2).sum(axis=1)[:, None]
    for _ in range(max_iter):
        distances = norms - 2.0 * points @ centres.T + (centres**2).sum(axis=1)[None, :]
        new_labels = distances.argmin(axis=1)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
        mass = np.bincount(labels, weights=w, minlength=len(centres))
        for axis in range(points.shape[1]):
            total = np.bincount(labels, weights=w * points[:, axis], minlength=len(centres))
            centres[:, axis] = np.where(mass > 0, total / np.where(mass > 0, mass, 1.0), centres[:, axis])
    inertia = float((w * ((points - centres[labels]) ** 2).sum(axis=1)).sum())
    return KMeansFit(labels=labels, centres=centres, inertia=inertia)


def kmeans(
    points: np.ndarray, k: int, *, weights: np.ndarray | None = None, start: np.ndarray | None = None
) -> KMeansFit:
    """One k-means run from ``start`` (else the first distinct points), as Pol.is initialises it."""
    return lloyd(points, _start(points, k, start), weights=weights)


def _plus_plus_start(points: np.ndarray, k: int, weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding: each new centre drawn with probability proportional to its squared distance."""
    n = len(points)
    chosen = [int(rng.choice(n, p=weights / weights.sum()))]
    nearest = ((points - points[chosen[0]]) ** 2).sum(axis=1)
    for _ in range(1, k):
        mass = nearest * weights
        total = mass.sum()
        if total <= 0:
            break
        chosen.append(int(rng.choice(n, p=mass / total)))
        nearest = np.minimum(nearest, ((points - points[chosen[-1]]) ** 2).sum(axis=1))
    return points[chosen]


def kmeans_plus_plus(
    points: np.ndarray, k: int, *, weights: np.ndarray, restarts: int = 10, seed: int = 0
) -> KMeansFit:
    """The best of ``restarts`` k-means++ starts (seeded: the same input gives the same groups)."""
    rng = np.random.default_rng(seed)
    best: KMeansFit | None = None
    for _ in range(restarts):
        start = _plus_plus_start(points, k, weights, rng)
        if len(start) < k:
            continue
        fit = lloyd(points, start, weights=weights)
        if best is None or fit.inertia < best.inertia:
            best = fit
    return best if best is not None else kmeans(points, k, weights=weights)


def consensus_labels(
    points: np.ndarray, k: int, reference: np.ndarray, *, runs: int = ENSEMBLE_RUNS
) -> np.ndarray:
    """Steady groups for the participants: the majority over ``runs`` seeded two-level clusterings.

    Pol.is's groups depend on its base clusters, which it grows from earlier states of the conversation;
    one computation from scratch can land on another local optimum for people near a border. Each run
    draws fresh base clusters (k-means++), groups them into ``k`` (weighted k-means), and its groups are
    matched to ``reference`` (largest overlap); every participant takes the group most runs agree on
    (``reference`` counts as one run). Seeded, so the same votes always give the same groups. With no more
    participants than base clusters there is nothing to vary and ``reference`` is returned.
    """
    n = len(points)
    distinct = len(np.unique(points, axis=0))
    if distinct <= MAX_BASE_CLUSTERS or runs <= 0:
        return reference
    tally = np.zeros((n, k))
    tally[np.arange(n), reference] += 1
    ones = np.ones(n)
    for seed in range(runs):
        rng = np.random.default_rng(seed)
        fine = lloyd(points, _plus_plus_start(points, MAX_BASE_CLUSTERS, ones, rng), max_iter=25)
        used = np.unique(fine.labels)
        remap = np.full(len(fine.centres), -1)
        remap[used] = np.arange(len(used))
        base_labels, base_centres = remap[fine.labels], fine.centres[used]
        weights = np.bincount(base_labels).astype(float)
        if len(base_centres) <= k:
            continue
        groups = kmeans_plus_plus(base_centres, k, weights=weights, restarts=3, seed=seed).labels[base_labels]
        overlap = np.zeros((k, k))
        np.add.at(overlap, (groups, reference), 1)
        rows, cols = linear_sum_assignment(-overlap)
        mapping = np.empty(k, dtype=int)
        mapping[rows] = cols
        tally[np.arange(n), mapping[groups]] += 1
    labels = tally.argmax(axis=1)
    return labels if len(np.unique(labels)) == k else reference


def base_clusters(
    points: np.ndarray, *, previous: np.ndarray | None = None, max_clusters: int = MAX_BASE_CLUSTERS
) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``max_clusters`` fine clusters of the participants' points; returns (labels, centres)."""
    distinct = np.unique(points, axis=0)
    k = min(max_clusters, len(distinct))
    model = kmeans(points, k, start=previous)
    labels = model.labels
    # Drop empty clusters and renumber, so every base cluster has members.
    used = np.unique(labels)
    remap = np.full(len(model.centres), -1)
    remap[used] = np.arange(len(used))
    return remap[labels], model.centres[used]


def _group_candidates(
    centres: np.ndarray, weights: np.ndarray, k: int, previous: np.ndarray | None
) -> list[KMeansFit]:
    """A warm start from the previous centres when there are some, Pol.is's start (the first distinct base
    clusters), and the best of seeded k-means++ restarts, which rescues a start stuck in a poor optimum."""
    candidates = []
    if previous is not None and len(previous):
        candidates.append(kmeans(centres, k, weights=weights, start=previous))
    candidates.append(kmeans(centres, k, weights=weights))
    candidates.append(kmeans_plus_plus(centres, k, weights=weights))
    return candidates


def opinion_groups(
    points: np.ndarray, *, state: GroupState | None = None, force_k: int | None = None
) -> Groups | None:
    """Group the participants' 2-D points: base clusters, then k-means on them for k in 2..5 by silhouette.

    ``state`` (from the previous update) warm-starts both levels and holds k back from flickering: the best k
    by silhouette replaces the current one after K_STREAK consecutive wins or a SILHOUETTE_MARGIN lead.
    Returns None when the points cannot form two groups (fewer than three distinct positions).
    """
    state = state or GroupState()
    previous_base = np.array(state.base_centres) if state.base_centres else None
    base_labels, base_centres = base_clusters(points, previous=previous_base)
    n_base = len(base_centres)
    if n_base < MIN_GROUPS + 1:
        return None
    weights = np.bincount(base_labels, minlength=n_base).astype(float)
    previous_groups = np.array(state.centres) if state.centres else None
    ks = [force_k] if force_k else list(range(MIN_GROUPS, min(MAX_GROUPS, n_base - 1) + 1))
    fits: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    silhouettes: dict[int, float] = {}
    for k in ks:
        scored = []
        for fit in _group_candidates(base_centres, weights, k, previous_groups if k == state.k else None):
            if len(np.unique(fit.labels)) < 2:
                continue
            scored.append((float(silhouette_score(base_centres, fit.labels)), fit))
        if not scored:
            continue
        # The earliest candidate (warm start, then Pol.is's start) keeps its place unless another separates the
        # groups clearly better: stability first, but never a degenerate split.
        score, fit = scored[0]
        for other_score, other in scored[1:]:
            if other_score > score + SILHOUETTE_MARGIN:
                score, fit = other_score, other
        fits[k] = (fit.labels, fit.centres)
        silhouettes[k] = score
    if not fits:
        return None
    best = max(silhouettes, key=lambda k: (silhouettes[k], -k))
    chosen, pending_k, streak = best, 0, 0
    if not force_k and state.k in silhouettes and best != state.k:
        streak = state.pending_streak + 1 if state.pending_k == best else 1
        if streak < K_STREAK and silhouettes[best] - silhouettes[state.k] < SILHOUETTE_MARGIN:
            chosen, pending_k = state.k, best
        else:
            streak = 0
    base_groups, _ = fits[chosen]
    people = consensus_labels(points, chosen, base_groups[base_labels])
    centres = np.array([points[people == g].mean(axis=0) for g in range(chosen)])
    people, centres = _stable_numbering(people, centres, previous_groups)
    new_state = GroupState(
        k=chosen,
        centres=tuple(tuple(map(float, c)) for c in centres),  # type: ignore[misc]
        base_centres=tuple(tuple(map(float, c)) for c in base_centres),  # type: ignore[misc]
        pending_k=pending_k,
        pending_streak=streak if pending_k else 0,
    )
    return Groups(
        labels=people,
        centres=centres,
        base_labels=base_labels,
        base_centres=base_centres,
        k=chosen,
        silhouettes=silhouettes,
        state=new_state,
    )


def _stable_numbering(
    labels: np.ndarray, centres: np.ndarray, previous: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Renumber groups so that each keeps the number of the nearest previous group (group A stays A)."""
    k = len(centres)
    order = list(range(k))
    if previous is not None and len(previous):
        distances = np.linalg.norm(centres[:, None, :] - previous[None, :, :], axis=2)
        assigned: dict[int, int] = {}
        free_new, free_old = set(range(k)), set(range(len(previous)))
        for flat in np.argsort(distances, axis=None):
            new, old = divmod(int(flat), len(previous))
            if new in free_new and old in free_old:
                assigned[new] = old
                free_new.discard(new)
                free_old.discard(old)
        rest = iter(sorted(set(range(k)) - set(assigned.values())))
        wanted = [assigned[i] if i in assigned else next(rest, k + i) for i in range(k)]
        # Fewer groups than before: close the gaps, keeping the order.
        target = [int(r) for r in np.argsort(np.argsort(wanted))]
    else:
        # First computation: the biggest group is 0.
        sizes = np.bincount(labels, minlength=k)
        ranked = sorted(order, key=lambda i: -sizes[i])
        target = [ranked.index(i) for i in range(k)]
    mapping = np.array(target)
    new_centres = np.empty_like(centres)
    new_centres[mapping] = centres
    return mapping[labels], new_centres
