"""The whole opinion map of a conversation in one call: in-conversation set, PCA, groups, repness, consensus."""

from __future__ import annotations

import time
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

import numpy as np

from parlons.insights.opinion.clustering import GroupState, opinion_groups
from parlons.insights.opinion.matrix import VoteMatrix, in_conversation
from parlons.insights.opinion.projection import pca
from parlons.insights.opinion.repness import (
    StatementStat,
    consensus_statements,
    group_aware_consensus,
    group_stats,
    representative_statements,
    shared_by_all_groups,
)

# Below these, groups would be noise: the result says so and shows the raw counts instead.
MIN_PARTICIPANTS = 4
MIN_STATEMENTS = 2


@dataclass(frozen=True)
class StatementCounts:
    statement: Hashable
    agree: int
    disagree: int
    passed: int

    @property
    def total(self) -> int:
        return self.agree + self.disagree + self.passed


@dataclass(frozen=True)
class TooFewVotes:
    """Not enough votes to form opinion groups; ``counts`` are the raw agree/disagree/pass per statement."""

    reason: str
    participants: int
    participants_needed: int
    in_conversation: int
    votes: int
    counts: tuple[StatementCounts, ...]
    # Who is already in the conversation (kept for the next computation: membership is sticky).
    members: tuple[Hashable, ...] = ()
    seconds: float = 0.0

    ok = False

    def as_dict(self) -> dict:
        return {
            "ok": False,
            "reason": self.reason,
            "participants": self.participants,
            "participants_needed": self.participants_needed,
            "in_conversation_count": self.in_conversation,
            "in_conversation": list(self.members),
            "votes": self.votes,
            "counts": [
                {"statement": c.statement, "agree": c.agree, "disagree": c.disagree, "pass": c.passed}
                for c in self.counts
            ],
            "seconds": round(self.seconds, 4),
        }


@dataclass(frozen=True)
class OpinionMap:
    """The computed map. ``groups`` maps each in-conversation participant to a group number (0 = largest on the
    first computation, then kept); ``points`` every participant's 2-D position; ``repness`` per group."""

    participants: int
    votes: int
    in_conversation: tuple[Hashable, ...]
    points: dict[Hashable, tuple[float, float]]
    groups: dict[Hashable, int]
    k: int
    group_centres: tuple[tuple[float, float], ...]
    group_sizes: tuple[int, ...]
    repness: tuple[tuple[StatementStat, ...], ...]
    consensus: dict[str, tuple[StatementStat, ...]]
    shared: tuple[Hashable, ...]
    group_aware_consensus: dict[Hashable, float]
    group_votes: dict[Hashable, tuple[tuple[int, int, int], ...]]
    counts: tuple[StatementCounts, ...]
    silhouettes: dict[int, float]
    state: GroupState = field(default_factory=GroupState)
    # The two PCA axes (2 x statements), passed back to the next computation so the map does not flip.
    components: tuple[tuple[float, ...], ...] = ()
    seconds: float = 0.0

    ok = True

    def consensus_ids(self) -> list[Hashable]:
        return [s.statement for s in self.consensus["agree"]] + [
            s.statement for s in self.consensus["disagree"]
        ]

    def repness_ids(self) -> dict[int, list[Hashable]]:
        return {g: [s.statement for s in stats] for g, stats in enumerate(self.repness)}

    def as_dict(self) -> dict:
        return {
            "ok": True,
            "participants": self.participants,
            "votes": self.votes,
            "in_conversation": list(self.in_conversation),
            "points": {str(p): [round(x, 5), round(y, 5)] for p, (x, y) in self.points.items()},
            "groups": {str(p): g for p, g in self.groups.items()},
            "k": self.k,
            "group_centres": [list(c) for c in self.group_centres],
            "group_sizes": list(self.group_sizes),
            "repness": [[s.as_dict() for s in stats] for stats in self.repness],
            "consensus": {d: [s.as_dict() for s in stats] for d, stats in self.consensus.items()},
            "shared": list(self.shared),
            "group_aware_consensus": {str(s): round(v, 6) for s, v in self.group_aware_consensus.items()},
            "group_votes": {str(s): [list(v) for v in votes] for s, votes in self.group_votes.items()},
            "counts": [
                {"statement": c.statement, "agree": c.agree, "disagree": c.disagree, "pass": c.passed}
                for c in self.counts
            ],
            "silhouettes": {str(k): round(v, 6) for k, v in self.silhouettes.items()},
            "state": self.state.as_dict(),
            "components": [list(c) for c in self.components],
            "seconds": round(self.seconds, 4),
        }


def statement_counts(matrix: VoteMatrix) -> tuple[StatementCounts, ...]:
    v = matrix.values
    agree, disagree, passed = (v == 1).sum(axis=0), (v == -1).sum(axis=0), (v == 0).sum(axis=0)
    return tuple(
        StatementCounts(s, int(agree[j]), int(disagree[j]), int(passed[j]))
        for j, s in enumerate(matrix.statements)
    )


def compute(
    matrix: VoteMatrix,
    *,
    excluded: Iterable[Hashable] = (),
    previous_in_conversation: Iterable[Hashable] = (),
    state: GroupState | None = None,
    previous_components: np.ndarray | None = None,
    force_k: int | None = None,
) -> OpinionMap | TooFewVotes:
    """Compute the opinion map of ``matrix`` (moderated-out statements in ``excluded``).

    ``previous_in_conversation``, ``state`` and ``previous_components`` come from the last computation and keep
    the in-conversation set, the groups and the axes stable. Never raises for lack of data: returns TooFewVotes.
    """
    started = time.perf_counter()
    excluded_set = set(excluded)
    zeroed = np.array([s in excluded_set for s in matrix.statements], dtype=bool)
    counts = statement_counts(matrix)
    in_conv = in_conversation(matrix, previous=previous_in_conversation)
    n_in = int(in_conv.sum())
    live_statements = int((~zeroed & (~np.isnan(matrix.values)).any(axis=0)).sum())

    def too_few(reason: str) -> TooFewVotes:
        return TooFewVotes(
            reason=reason,
            participants=len(matrix.participants),
            participants_needed=MIN_PARTICIPANTS,
            in_conversation=n_in,
            votes=matrix.n_votes,
            counts=counts,
            members=tuple(p for p, keep in zip(matrix.participants, in_conv, strict=True) if keep),
            seconds=time.perf_counter() - started,
        )

    if live_statements < MIN_STATEMENTS:
        return too_few("statements")
    if n_in < MIN_PARTICIPANTS:
        return too_few("participants")
    projection = pca(matrix.values, zeroed_columns=zeroed, previous_components=previous_components)
    in_points = projection.points[in_conv]
    groups = opinion_groups(in_points, state=state, force_k=force_k)
    if groups is None:
        return too_few("positions")
    in_ids = tuple(p for p, keep in zip(matrix.participants, in_conv, strict=True) if keep)
    in_values = matrix.values[in_conv]
    stats = group_stats(in_values, groups.labels, groups.k)
    repness = representative_statements(stats, matrix.statements, excluded=zeroed)
    consensus = consensus_statements(matrix.values, matrix.statements, excluded=zeroed)
    gac = group_aware_consensus(stats)
    shared = shared_by_all_groups(stats, matrix.statements, excluded=zeroed)
    group_votes = {
        s: tuple(
            (int(stats.na[g, j]), int(stats.nd[g, j]), int(stats.ns[g, j] - stats.na[g, j] - stats.nd[g, j]))
            for g in range(groups.k)
        )
        for j, s in enumerate(matrix.statements)
    }
    return OpinionMap(
        participants=len(matrix.participants),
        votes=matrix.n_votes,
        in_conversation=in_ids,
        points={
            p: (float(x), float(y)) for p, (x, y) in zip(matrix.participants, projection.points, strict=True)
        },
        groups={p: int(g) for p, g in zip(in_ids, groups.labels, strict=True)},
        k=groups.k,
        group_centres=tuple((float(x), float(y)) for x, y in groups.centres),
        group_sizes=tuple(int(n) for n in np.bincount(groups.labels, minlength=groups.k)),
        repness=tuple(tuple(r) for r in repness),
        consensus={d: tuple(v) for d, v in consensus.items()},
        shared=tuple(shared),  # type: ignore[arg-type]
        group_aware_consensus={s: float(gac[j]) for j, s in enumerate(matrix.statements) if not zeroed[j]},
        group_votes=group_votes,
        counts=counts,
        silhouettes=groups.silhouettes,
        state=groups.state,
        components=tuple(tuple(float(v) for v in c) for c in projection.components),
        seconds=time.perf_counter() - started,
    )
