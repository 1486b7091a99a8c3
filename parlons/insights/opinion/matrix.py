"""The vote matrix of a conversation: participants x statements, agree +1, disagree -1, pass 0, unseen NaN."""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

AGREE = 1
DISAGREE = -1
PASS = 0
VOTE_VALUES = (AGREE, DISAGREE, PASS)

# Pol.is puts a participant in the conversation (projected and clustered) once they voted on this many
# statements, or on all of them when there are fewer; below 15 such participants the most active join.
IN_CONV_MIN_VOTES = 7
IN_CONV_GREEDY = 15


@dataclass(frozen=True)
class VoteMatrix:
    """Rows follow ``participants``, columns ``statements``; ``values`` holds NaN where a statement was not seen."""

    participants: tuple[Any, ...]
    statements: tuple[Any, ...]
    values: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape  # type: ignore[return-value]

    @property
    def n_votes(self) -> int:
        return int(np.count_nonzero(~np.isnan(self.values)))

    def votes_per_participant(self) -> np.ndarray:
        return np.count_nonzero(~np.isnan(self.values), axis=1)

    def rows(self, mask: np.ndarray) -> VoteMatrix:
        """The sub-matrix of the participants selected by a boolean mask."""
        kept = tuple(p for p, keep in zip(self.participants, mask, strict=True) if keep)
        return VoteMatrix(kept, self.statements, self.values[mask])


def vote_matrix(
    triples: Iterable[tuple[Hashable, Hashable, int]],
    *,
    participants: Sequence[Hashable] | None = None,
    statements: Sequence[Hashable] | None = None,
) -> VoteMatrix:
    """Build the matrix from (participant, statement, vote) triples given in time order: the last vote of a pair wins.

    Rows and columns are the given ``participants``/``statements`` (votes of others are ignored), else every id
    seen, sorted. Raises ValueError on a vote outside -1, 0, 1.
    """
    latest: dict[tuple[Hashable, Hashable], int] = {}
    for participant, statement, vote in triples:
        if vote not in VOTE_VALUES:
            raise ValueError(f"vote must be -1, 0 or 1, not {vote!r}")
        latest[participant, statement] = vote
    if participants is None:
        participants = sorted({p for p, _ in latest}, key=_sort_key)
    if statements is None:
        statements = sorted({s for _, s in latest}, key=_sort_key)
    row = {p: i for i, p in enumerate(participants)}
    col = {s: j for j, s in enumerate(statements)}
    values = np.full((len(row), len(col)), np.nan)
    if latest:
        keys = [(row.get(p), col.get(s), v) for (p, s), v in latest.items()]
        kept = [(i, j, v) for i, j, v in keys if i is not None and j is not None]
        if kept:
            ii, jj, vv = zip(*kept, strict=True)
            values[list(ii), list(jj)] = vv
    return VoteMatrix(tuple(participants), tuple(statements), values)


def _sort_key(value: Hashable) -> tuple[int, Any]:
    # Numeric ids sort as numbers, anything else as text, numbers first.
    if isinstance(value, int | float):
        return (0, value)
    return (1, str(value))


def in_conversation(
    matrix: VoteMatrix,
    *,
    previous: Iterable[Hashable] = (),
    min_votes: int = IN_CONV_MIN_VOTES,
    greedy: int = IN_CONV_GREEDY,
) -> np.ndarray:
    """The boolean mask of the participants who count in the map (Pol.is's in-conv set).

    A participant is in once they voted (agree, disagree or pass) on ``min(min_votes, number of statements)``
    statements; membership is sticky, so the ``previous`` set stays in; when fewer than ``greedy`` are in, the
    most active others join (ties by order of the rows).
    """
    counts = matrix.votes_per_participant()
    threshold = min(min_votes, len(matrix.statements))
    before = set(previous)
    mask = (counts >= max(threshold, 1)) | np.array([p in before for p in matrix.participants], dtype=bool)
    missing = greedy - int(mask.sum())
    if missing > 0:
        candidates = [i for i in np.argsort(-counts, kind="stable") if not mask[i] and counts[i] > 0]
        mask[candidates[:missing]] = True
    return mask


def in_conversation_replay(
    votes: Iterable[tuple[Hashable, Hashable, float]],
    statement_times: Iterable[float],
    *,
    min_votes: int = IN_CONV_MIN_VOTES,
    greedy: int = IN_CONV_GREEDY,
) -> set[Hashable]:
    """The in-conversation set as Pol.is built it over time, from (participant, statement, time) votes.

    Pol.is re-evaluates the set as votes arrive and never removes anyone: early on, with few statements or few
    participants, people with a single vote got in and stayed. Replaying the history after each vote gives
    the same set from an export, where the final counts alone would miss them.
    """
    created = sorted(statement_times)
    seen: dict[Hashable, set[Hashable]] = {}
    members: set[Hashable] = set()
    for participant, statement, when in sorted(votes, key=lambda v: v[2]):
        seen.setdefault(participant, set()).add(statement)
        existing = bisect.bisect_right(created, when)
        if len(seen[participant]) >= min(min_votes, max(existing, 1)):
            members.add(participant)
        if len(members) < greedy:
            for other, _ in sorted(seen.items(), key=lambda item: -len(item[1])):
                if len(members) >= greedy:
                    break
                members.add(other)
    return members
