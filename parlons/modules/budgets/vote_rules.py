"""Participatory-budgeting vote rules, pure Python + numpy (no Django), shared by the platform and ``budget_tally``.

Definitions follow pabutools 1.2.3 (the reference used in ``../shared/data/pabulib/README.md``):

* every ballot is reduced to the set of projects it supports (approval, knapsack, or a positive number of
  points / a rank on a cumulative or ranked ballot) — the *cost satisfaction*: a supporter of a funded project
  gains its cost;
* ``greedy``: projects by number of supporters, highest first, skipping those that no longer fit the budget
  (or, with ``stop_at_first=True``, stopping at the first one that does not fit);
* ``mes``: the Method of Equal Shares with cost utilities. Each voter starts with ``budget / voters``. A project
  ``p`` is affordable at price ``q`` when its supporters, each paying ``min(their money, q)``, gather its cost;
  the project with the smallest ``q / cost(p)`` is funded, supporters pay, repeat until nothing is affordable;
* ``mes+greedy``: ``mes`` then ``greedy`` on the money left;
* ``mes+add1``: ``mes`` again with each voter's share raised by one currency unit at a time, until an outcome
  exceeds the budget (the previous outcome is kept) or no supported project fits in the money left any more
  (that outcome is kept) — pabutools ``exhaustion_by_budget_increase`` with a step of one unit per voter;
* ``mes+add1+greedy``: ``mes+add1`` then ``greedy``.

Published tie rule: among projects with exactly the same score (greedy) or the same price per unit of cost
(MES), the project whose identifier comes first in code-point order of the identifier string wins
(pabutools' ``lexico_tie_breaking``), or, with ``tie_break="cost"``, the cheaper project, then the smallest id.

Arithmetic: the fast path of MES computes in float64 and tracks how close every decision was; whenever two
candidates are within a relative 1e-9 of each other, or a project's supporters hold within 1e-9 of its cost,
the whole MES run is recomputed with exact fractions, so floating point never changes a winner.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import chain

import numpy as np

Number = int | Fraction

RULES = ("greedy", "greedy-stop", "mes", "mes+greedy", "mes+add1", "mes+add1+greedy")
# Published tie rules: "id", the smallest identifier (code-point order) first; "cost", the cheaper project first,
# then the smallest identifier.
TIE_BREAKS = ("id", "cost")

_EPS = 1e-9
# Projects with at most this many distinct supporting ballots are priced from each ballot's money directly;
# larger ones from the classes of equal money (see _mes_fast).
_DIRECT = 8000


class RuleError(ValueError):
    """The election cannot be tallied as asked (unknown rule, unknown project, negative cost...)."""


@dataclass(frozen=True)
class Election:
    """A tally input: the budget, the projects (id -> cost) and one tuple of supported project ids per voter."""

    budget: Number
    costs: Mapping[str, Number]
    ballots: Sequence[Iterable[str]]
    # True when whoever built the ballots already made sure no ballot names a project twice (the .pb parser
    # rejects such a ballot; the platform's ballot check too): counting can then skip removing repeats.
    distinct: bool = False

    def __post_init__(self) -> None:
        if self.budget < 0:
            raise RuleError("The budget cannot be negative.")
        for pid, cost in self.costs.items():
            if cost < 0:
                raise RuleError(f"Project {pid!r} has a negative cost.")


@dataclass(frozen=True)
class ShareExplanation:
    """Why a project won: in which round, which stage, and what its supporters paid."""

    project_id: str
    round: int
    stage: str  # "mes" or "greedy"
    cost: Number
    supporters: int
    # MES only: the most any supporter paid; supporters with less money left paid all they had.
    price_per_supporter: float | None = None
    paid_in_full: int = 0  # supporters who paid the whole price (the others paid all their remaining money)


@dataclass(frozen=True)
class Outcome:
    rule: str
    winners: tuple[str, ...]
    cost: Number
    budget: Number
    supporters: Mapping[str, int]
    per_voter_share: Fraction | None = None
    explanation: tuple[ShareExplanation, ...] = ()
    exact_reruns: int = 0

    @property
    def left(self) -> Number:
        return self.budget - self.cost


@dataclass
class _Compiled:
    """Identical ballots merged (with a multiplicity) and, per project, the indices of the ballots supporting it."""

    ids: list[str]
    costs: list[Number]
    budget: Number
    voters: int
    weights: np.ndarray  # int64, multiplicity per distinct ballot
    support: list[np.ndarray] = field(default_factory=list)  # per project: distinct-ballot indices
    supporters: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    support_w: list[np.ndarray] = field(
        default_factory=list
    )  # per project: float weights, built on first use
    tie: list[tuple[Number | str, ...]] = field(default_factory=list)  # per project: its rank among equals

    @classmethod
    def counts_only(cls, election: Election) -> _Compiled:
        """Supporters per project only: all that greedy needs (one C-level count, no ballot merging)."""
        ids = list(election.costs)
        ballots = election.ballots if election.distinct else map(set, election.ballots)  # repeats count once
        counts = Counter(chain.from_iterable(ballots))
        unknown = set(counts) - set(election.costs)
        if unknown:
            raise RuleError(f"A ballot supports an unknown project {sorted(unknown)[0]!r}.")
        return cls(
            ids=ids,
            costs=[election.costs[p] for p in ids],
            budget=election.budget,
            voters=len(election.ballots),
            weights=np.zeros(0, dtype=np.int64),
            supporters=np.array([counts.get(p, 0) for p in ids], dtype=np.int64),
        )

    @classmethod
    def build(cls, election: Election) -> _Compiled:
        """Ballots as rows of a boolean voters x projects matrix, packed to bytes so that identical ballots merge
        in one ``np.unique`` (repeated ids on a ballot count once)."""
        ids = list(election.costs)
        position = {pid: i for i, pid in enumerate(ids)}
        ballots = [tuple(ballot) for ballot in election.ballots]  # any iterable; tuples are kept as they are
        lengths = np.fromiter(map(len, ballots), dtype=np.int64, count=len(ballots))
        try:
            flat = np.fromiter(
                map(position.__getitem__, chain.from_iterable(ballots)),
                dtype=np.int64,
                count=int(lengths.sum()),
            )
        except KeyError as exc:
            raise RuleError(f"A ballot supports an unknown project {exc.args[0]!r}.") from None
        matrix = np.zeros((len(ballots), len(ids)), dtype=bool)
        matrix[np.repeat(np.arange(len(ballots)), lengths), flat] = True
        packed = np.ascontiguousarray(np.packbits(matrix, axis=1))
        width = packed.shape[1]
        if len(ballots) and width:
            rows, weights = np.unique(packed.view(np.dtype((np.void, width))).ravel(), return_counts=True)
            distinct = np.unpackbits(rows.view(np.uint8).reshape(-1, width), axis=1, count=len(ids)).astype(
                bool
            )
        else:
            weights = np.array([len(ballots)] if len(ballots) else [], dtype=np.int64)
            distinct = np.zeros((len(weights), len(ids)), dtype=bool)
        weights = weights.astype(np.int64)
        support_matrix = np.ascontiguousarray(distinct.T)
        support = [np.flatnonzero(row) for row in support_matrix]
        supporters = (
            (support_matrix.astype(np.int64) @ weights) if len(weights) else np.zeros(len(ids), np.int64)
        )
        return cls(
            ids=ids,
            costs=[election.costs[p] for p in ids],
            budget=election.budget,
            voters=len(ballots),
            weights=weights,
            support=support,
            supporters=np.asarray(supporters, dtype=np.int64),
        )


def _lexico(cp: _Compiled, indices: Iterable[int]) -> list[int]:
    """``indices`` in the order of the published tie rule (see ``TIE_BREAKS``)."""
    return sorted(indices, key=lambda i: cp.tie[i])


def _greedy(
    cp: _Compiled, selected: list[int], *, stop_at_first: bool, start_round: int
) -> list[ShareExplanation]:
    """Complete ``selected`` in place by supporters count (ties: lexicographic id); return the explanations."""
    chosen = set(selected)
    left = cp.budget - sum(cp.costs[i] for i in selected)
    order = sorted(
        (i for i in range(len(cp.ids)) if i not in chosen),
        key=lambda i: (-_density(cp, i), cp.tie[i]),
    )
    explanations: list[ShareExplanation] = []
    for i in order:
        if cp.costs[i] <= left:
            selected.append(i)
            left -= cp.costs[i]
            explanations.append(
                ShareExplanation(
                    cp.ids[i], start_round + len(explanations), "greedy", cp.costs[i], int(cp.supporters[i])
                )
            )
        elif stop_at_first:
            break
    return explanations


def _density(cp: _Compiled, i: int) -> float:
    # pabutools ranks by total cost satisfaction / cost = supporters; free projects first, unsupported last.
    if cp.supporters[i] == 0:
        return 0.0
    return float(cp.supporters[i]) if cp.costs[i] > 0 else float("inf")


class _Ambiguous(Exception):
    """A float decision was too close to call: the run is redone with exact fractions."""


@dataclass
class _Run:
    """One MES run: the picks [(project, price, paid_in_full)] and, per round, the winner's price / cost and a
    lower bound of every other affordable project's price / cost (used to certify add1 jumps)."""

    picked: list[tuple[int, float, int]] = field(default_factory=list)
    ratio: list[float] = field(default_factory=list)
    rival: list[float] = field(default_factory=list)
    # Per round: which supporters paid all they had, per evaluated project (a hash), and every remaining
    # project's lower bound of price / cost after the round.
    capped: list[dict[int, int]] = field(default_factory=list)
    bounds: list[dict[int, float]] = field(default_factory=list)
    complete: bool = True
    exact: bool = False

    @property
    def winners(self) -> list[int]:
        return [p[0] for p in self.picked]


def _mes_fast(
    cp: _Compiled, share: Fraction, initial: list[int], cap: Number | None, track: bool = False
) -> _Run:
    """One MES run in float64; raises _Ambiguous on near ties.

    ``cap``: stop as soon as the selection exceeds it (the add1 loop discards such outcomes anyway).
    ``track``: record who was capped in each pricing, for ``_same_outcome_between``.

    Voters with the same history hold the same money, so budgets are kept as classes: ``cls`` gives each distinct
    ballot its class, ``values`` the money of each class. Pricing a project then sums its supporters' weights per
    class (a linear bincount) and sorts only the few distinct amounts, not every supporter.
    """
    cls = np.zeros(len(cp.weights), dtype=np.int64)
    values = np.array([float(share)])
    live = 1
    b = np.full(len(cp.weights), float(share))  # the same money per distinct ballot, for small supports
    classes = any(len(idx) > _DIRECT for idx in cp.support)
    if not cp.support_w:
        wf = cp.weights.astype(np.float64)
        cp.support_w = [wf[s] for s in cp.support]
    support_w = cp.support_w
    chosen = set(initial)
    spent = sum(cp.costs[i] for i in initial)
    remaining = [
        i for i in range(len(cp.ids)) if i not in chosen and cp.supporters[i] > 0 and cp.costs[i] > 0
    ]
    costf = {i: float(cp.costs[i]) for i in remaining}
    lower = {i: 1.0 / float(cp.supporters[i]) for i in remaining}  # price / cost never decreases
    run = _Run()
    while remaining:
        remaining.sort(key=lambda i: lower[i])
        best = float("inf")
        evaluated: list[tuple[float, int, float, bool]] = []
        signatures: dict[int, int] = {}
        dropped = []
        for i in remaining:
            idx = cp.support[i]
            if len(idx) <= _DIRECT:
                bs, ws = b[idx], support_w[i]
            else:
                totals = np.bincount(cls[idx], weights=support_w[i], minlength=len(values))
                present = np.flatnonzero(totals)
                bs, ws = values[present], totals[present]
            c = costf[i]
            avail = float(np.dot(bs, ws))
            if avail < c * (1 - _EPS):
                dropped.append(i)
                continue
            if avail <= c * (1 + _EPS):
                raise _Ambiguous
            if lower[i] > best * (1 + _EPS):
                break
            total_w = float(cp.supporters[i])
            q = c / total_w
            low = float(bs.min())
            uncapped = low > q * (1 + _EPS)
            signature = 0
            if low < q:
                # Some supporters cannot pay the equal price: they pay all they have, the others share the rest.
                # F(k) = what supporters pay if the price is the k-th smallest budget; the first k with F >= c
                # gives the price (c - paid by the k poorer) / weight of the others.
                order = np.argsort(bs)
                sb = bs[order]
                sw = ws[order]
                paid = np.cumsum(sb * sw) - sb * sw
                weight = total_w - np.cumsum(sw) + sw
                k = min(int(np.searchsorted(paid + sb * weight, c)), len(sb) - 1)
                q = (c - float(paid[k])) / float(weight[k])
                if track:
                    poor = (
                        idx[order[:k]] if len(idx) <= _DIRECT else idx[np.isin(cls[idx], present[order[:k]])]
                    )
                    signature = hash(np.sort(poor).tobytes())
            rho = q / c
            lower[i] = rho
            best = min(best, rho)
            signatures[i] = signature
            evaluated.append((rho, i, q, uncapped))
        for i in dropped:
            remaining.remove(i)
        if not evaluated:
            break
        near = [e for e in evaluated if e[0] <= best * (1 + _EPS)]
        if len(near) > 1:
            if not all(e[3] for e in near):
                raise _Ambiguous
            # Nobody capped: price / cost is exactly 1 / supporters.
            exact = {e[1]: Fraction(1, int(cp.supporters[e[1]])) for e in near}
            top = min(exact.values())
            win = _lexico(cp, [i for i, v in exact.items() if v == top])[0]
            q = next(e[2] for e in near if e[1] == win)
        else:
            win, q = near[0][1], near[0][2]
        idx = cp.support[win]
        if classes:
            old = cls[idx]
            totals = np.bincount(old, weights=support_w[win], minlength=len(values))
            present = np.flatnonzero(totals)
            full = round(float(totals[present][values[present] >= q].sum()))
            # Each class among the supporters moves to a new class holding what it has left.
            renumber = np.zeros(len(values), dtype=np.int64)
            renumber[present] = np.arange(len(values), len(values) + len(present))
            cls[idx] = renumber[old]
            values = np.concatenate((values, np.maximum(values[present] - q, 0.0)))
            if len(values) > 2 * live + 32:  # drop the classes nobody is in any more
                alive = np.flatnonzero(np.bincount(cls, minlength=len(values)))
                renumber = np.zeros(len(values), dtype=np.int64)
                renumber[alive] = np.arange(len(alive))
                cls, values, live = renumber[cls], values[alive], len(alive)
        else:
            full = int(cp.weights[idx][b[idx] >= q].sum())
        b[idx] = np.maximum(b[idx] - q, 0.0)
        run.picked.append((win, q, full))
        run.ratio.append(q / costf[win])
        remaining.remove(win)
        run.rival.append(min((lower[i] for i in remaining), default=float("inf")))
        if track:
            run.capped.append(signatures)
            run.bounds.append({i: lower[i] for i in remaining})
        spent += cp.costs[win]
        if cap is not None and spent > cap:
            run.complete = False
            break
    return run


def _mes_exact(cp: _Compiled, share: Fraction, initial: list[int], cap: Number | None) -> _Run:
    """One MES run in exact fractions, budgets kept as classes of equal value (pabutools' lazy algorithm)."""
    values: list[Fraction] = [Fraction(share)]
    cls = np.zeros(len(cp.weights), dtype=np.int64)
    chosen = set(initial)
    spent = sum(cp.costs[i] for i in initial)
    remaining = [
        i for i in range(len(cp.ids)) if i not in chosen and cp.supporters[i] > 0 and cp.costs[i] > 0
    ]
    lower = {i: Fraction(1, int(cp.supporters[i])) for i in remaining}
    run = _Run(exact=True)

    def groups(i: int) -> list[tuple[Fraction, int]]:
        idx = cp.support[i]
        totals = np.bincount(cls[idx], weights=cp.weights[idx], minlength=len(values))
        return sorted((values[c], int(totals[c])) for c in np.flatnonzero(totals))

    while remaining:
        remaining.sort(key=lambda i: lower[i])
        best: Fraction | None = None
        tied: list[tuple[int, Fraction]] = []
        dropped = []
        for i in remaining:
            c = Fraction(cp.costs[i])
            grp = groups(i)
            if sum(v * w for v, w in grp) < c:
                dropped.append(i)
                continue
            if best is not None and lower[i] > best:
                break
            paid, weight = Fraction(0), int(cp.supporters[i])
            q = c / weight
            for v, w in grp:
                q = (c - paid) / weight
                if q <= v:
                    break
                paid += v * w
                weight -= w
            rho = q / c
            lower[i] = rho
            if best is None or rho < best:
                best, tied = rho, [(i, q)]
            elif rho == best:
                tied.append((i, q))
        for i in dropped:
            remaining.remove(i)
        if not tied:
            break
        win = _lexico(cp, [t[0] for t in tied])[0]
        q = next(t[1] for t in tied if t[0] == win)
        idx = cp.support[win]
        old = cls[idx]
        full = (
            int(cp.weights[idx][np.array([values[c] >= q for c in old], dtype=bool)].sum()) if len(idx) else 0
        )
        mapping: dict[int, int] = {}
        for c in np.unique(old):
            mapping[int(c)] = len(values)
            values.append(max(values[int(c)] - q, Fraction(0)))
        cls[idx] = np.array([mapping[int(c)] for c in old], dtype=np.int64)
        run.picked.append((win, float(q), full))
        run.ratio.append(float(q / Fraction(cp.costs[win])))
        remaining.remove(win)
        run.rival.append(float(min((lower[i] for i in remaining), default=float("inf"))))
        spent += cp.costs[win]
        if cap is not None and spent > cap:
            run.complete = False
            break
    return run


def _mes(
    cp: _Compiled,
    share: Fraction,
    initial: list[int],
    *,
    exact: bool,
    cap: Number | None = None,
    track: bool = False,
) -> _Run:
    if not exact:
        try:
            return _mes_fast(cp, share, initial, cap, track)
        except _Ambiguous:
            pass
    return _mes_exact(cp, share, initial, cap)


def _same_outcome_between(low: _Run, high: _Run) -> bool:
    """True when every share between the shares of ``low`` and ``high`` gives the same winners in the same order.

    By induction over the rounds, given the same picks before round r at every share in between, round r picks
    the same winner when either argument holds for it:

    * monotone: budgets grow with the share (a supporter keeps ``max(budget - price, 0)`` and prices fall as
      budgets grow), so each price / cost can only fall: the winner at any share in between pays at most what it
      paid at ``low``, a rival at least its lower bound at ``high``;
    * affine: while the winners of every earlier round were paid by the same capped supporters at both ends,
      every budget is an affine function of the share in between; if the winner's and a rival's capped payers
      are also the same at both ends, both prices are affine, and two affine prices that compare the same way at
      both ends compare that way throughout.
    """
    if not (low.complete and high.complete) or low.winners != high.winners:
        return False
    tracked = bool(low.capped and high.capped)
    affine = tracked
    for r, (win, ratio) in enumerate(zip(low.winners, low.ratio, strict=True)):
        if ratio < high.rival[r] * (1 - 1e-9):
            pass
        elif not affine:
            return False
        else:
            low_caps, high_caps = low.capped[r], high.capped[r]
            if win not in low_caps or low_caps[win] != high_caps.get(win):
                return False
            for rival, bound in high.bounds[r].items():
                if rival in low_caps and rival in high_caps and low_caps[rival] == high_caps[rival]:
                    continue
                if not ratio < bound * (1 - 1e-9):
                    return False
        if affine and (win not in low.capped[r] or low.capped[r][win] != high.capped[r].get(win)):
            affine = (
                False  # this round's payments are not affine in the share: later rounds are monotone only
            )
    return True


def _free_projects(cp: _Compiled) -> list[int]:
    # pabutools funds supported projects of cost zero before MES starts.
    return _lexico(cp, [i for i in range(len(cp.ids)) if cp.costs[i] == 0 and cp.supporters[i] > 0])


def _mes_explain(cp: _Compiled, picked: list[tuple[int, float, int]], start: int) -> list[ShareExplanation]:
    return [
        ShareExplanation(cp.ids[i], start + n, "mes", cp.costs[i], int(cp.supporters[i]), q, full)
        for n, (i, q, full) in enumerate(picked)
    ]


def tally(
    election: Election,
    rule: str,
    *,
    exact: bool = False,
    exhaustive_stop: bool = True,
    tie_break: str = "id",
) -> Outcome:
    """Compute the winners of ``election`` under ``rule`` (one of ``RULES``).

    ``exhaustive_stop`` (add1 only): also stop at the first outcome where no supported project fits in the money
    left (pabutools' default); ``False`` keeps raising shares until the budget is exceeded.

    ``exact=True`` computes MES entirely in fractions (slow; the default float path already falls back to
    fractions on any near tie). ``tie_break``: one of ``TIE_BREAKS``. Raises ``RuleError`` for an unknown rule
    or tie rule, or inconsistent input.
    """
    if rule not in RULES:
        raise RuleError(f"Unknown rule {rule!r}; expected one of {', '.join(RULES)}.")
    if tie_break not in TIE_BREAKS:
        raise RuleError(f"Unknown tie rule {tie_break!r}; expected one of {', '.join(TIE_BREAKS)}.")
    cp = _Compiled.counts_only(election) if rule.startswith("greedy") else _Compiled.build(election)
    cp.tie = [(c, pid) if tie_break == "cost" else (pid,) for pid, c in zip(cp.ids, cp.costs, strict=True)]
    selected: list[int] = []
    explanation: list[ShareExplanation] = []
    share: Fraction | None = None
    reruns = 0
    if rule.startswith("greedy"):
        explanation = _greedy(cp, selected, stop_at_first=rule == "greedy-stop", start_round=1)
    else:
        if cp.voters:
            selected = _free_projects(cp)
            base = Fraction(cp.budget) / cp.voters
            run = _mes(cp, base, selected, exact=exact, track=rule.startswith("mes+add1"))
            reruns += run.exact
            share = base
            if rule.startswith("mes+add1"):
                run, share, extra = _add1(
                    cp, base, selected, run, exact=exact, exhaustive_stop=exhaustive_stop
                )
                reruns += extra
            explanation = [
                ShareExplanation(cp.ids[i], n + 1, "mes", cp.costs[i], int(cp.supporters[i]))
                for n, i in enumerate(selected)
            ]
            explanation += _mes_explain(cp, run.picked, len(selected) + 1)
            selected = selected + run.winners
        if rule.endswith("+greedy"):
            explanation += _greedy(cp, selected, stop_at_first=False, start_round=len(selected) + 1)
    winners = tuple(cp.ids[i] for i in selected)
    return Outcome(
        rule=rule,
        winners=winners,
        cost=sum((cp.costs[i] for i in selected), 0),
        budget=cp.budget,
        supporters={pid: int(cp.supporters[i]) for i, pid in enumerate(cp.ids)},
        per_voter_share=share,
        explanation=tuple(explanation),
        exact_reruns=reruns,
    )


def _add1(
    cp: _Compiled, base: Fraction, initial: list[int], first: _Run, *, exact: bool, exhaustive_stop: bool
) -> tuple[_Run, Fraction, int]:
    """Raise each voter's share by one unit at a time (pabutools ``exhaustion_by_budget_increase``, step = voters).

    Stops at the first outcome that exceeds the budget (returning the previous one), when every supported
    project is funded, or (``exhaustive_stop``) at the first outcome where no supported project fits any more.

    The result is exactly that of trying every unit in turn, found with far fewer MES runs: stretches of shares
    with certifiably the same outcome (see ``_same_outcome_between``) cannot hold a stop, so the walk gallops
    (doubling its jump while the stretch is certified) and, when a stretch is not, bisects it to find its first
    stop, if any, looking only at the units that are not certified.
    """
    candidates = {
        i for i in range(len(cp.ids)) if i not in initial and cp.supporters[i] > 0 and cp.costs[i] > 0
    }
    initial_cost = sum(cp.costs[i] for i in initial)
    runs: dict[int, _Run] = {0: first}
    reruns = 0

    def at(k: int) -> _Run:
        nonlocal reruns
        if k not in runs:
            runs[k] = _mes(cp, base + k, initial, exact=exact, cap=cp.budget, track=True)
            reruns += runs[k].exact
        return runs[k]

    def stop(k: int) -> str:
        """Why the walk stops at unit ``k``: "over" (keep the previous outcome), "here", or "" (carry on)."""
        run = at(k)
        cost = initial_cost + sum(cp.costs[w] for w in run.winners)
        if not run.complete or cost > cp.budget:
            return "over"
        taken = set(run.winners)
        if len(taken) == len(candidates):  # everything supported is funded: raising shares changes nothing
            return "here"
        if exhaustive_stop and all(cp.costs[i] > cp.budget - cost for i in candidates - taken):
            return "here"
        return ""

    def first_stop(low: int, high: int) -> int | None:
        """The first unit in (low, high] where the walk stops, given it does not stop at ``low``."""
        if high == low + 1:
            return high if stop(high) else None
        if _same_outcome_between(at(low), at(high)):
            return None
        mid = (low + high) // 2
        found = first_stop(low, mid)
        return found if found is not None else first_stop(mid, high)

    if stop(0) == "over":
        return _Run(), base, reruns
    if stop(0) == "here":
        return first, base, reruns
    k, jump = 0, 1
    while True:
        before = len(runs)
        found = first_stop(k, k + jump)
        if found is not None:
            kept = found - 1 if stop(found) == "over" else found
            return at(kept), base + kept, reruns
        # A stretch certified at once suggests a longer jump; one that had to be bisected, a shorter one.
        certified = len(runs) == before + 1
        k, jump = k + jump, jump * 2 if certified else max(1, jump // 2)
        runs = {k: runs[k]}
