"""What each group stands for, and what everyone shares: Pol.is's representativeness and consensus statistics.

For a group g and a statement: n = votes cast in g (pass included), na/nd = agrees/disagrees; pa = (na+1)/(n+2);
the one-proportion test 2*sqrt(n+1)*((na+1)/(n+1) - 1/2); the representativeness ra = pa / (the same
probability among everyone outside g) and its two-proportion test. A statement represents g when both tests pass
at 90 % (z > 1.2816) for agree or for disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Z_90 = 1.2815515655446004
PICK_MAX = 5


@dataclass(frozen=True)
class StatementStat:
    """One statement's figures for a group (or for everyone, in the consensus): ``direction`` is agree/disagree."""

    statement: object
    direction: str
    n_success: int
    n_trials: int
    p_success: float
    p_test: float
    repness: float | None = None
    repness_test: float | None = None

    def as_dict(self) -> dict:
        data = {
            "statement": self.statement,
            "direction": self.direction,
            "n_success": self.n_success,
            "n_trials": self.n_trials,
            "p_success": round(self.p_success, 6),
            "p_test": round(self.p_test, 6),
        }
        if self.repness is not None:
            data["repness"] = round(self.repness, 6)
            data["repness_test"] = round(float(self.repness_test or 0.0), 6)
        return data


def one_prop_test(success: np.ndarray, n: np.ndarray) -> np.ndarray:
    succ, trials = np.asarray(success) + 1.0, np.asarray(n) + 1.0
    return 2.0 * np.sqrt(trials) * (succ / trials - 0.5)


def two_prop_test(
    succ_in: np.ndarray, succ_out: np.ndarray, n_in: np.ndarray, n_out: np.ndarray
) -> np.ndarray:
    s1, s2 = np.asarray(succ_in) + 1.0, np.asarray(succ_out) + 1.0
    n1, n2 = np.asarray(n_in) + 1.0, np.asarray(n_out) + 1.0
    pi_hat = (s1 + s2) / (n1 + n2)
    denominator = np.sqrt(pi_hat * (1.0 - pi_hat) * (1.0 / n1 + 1.0 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (s1 / n1 - s2 / n2) / denominator
    return np.where((pi_hat >= 1.0) | (denominator == 0), 0.0, z)


def _counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (values == 1).sum(axis=0), (values == -1).sum(axis=0), (~np.isnan(values)).sum(axis=0)


@dataclass(frozen=True)
class GroupStats:
    """Arrays of shape groups x statements."""

    na: np.ndarray
    nd: np.ndarray
    ns: np.ndarray
    pa: np.ndarray
    pd: np.ndarray
    pat: np.ndarray
    pdt: np.ndarray
    ra: np.ndarray
    rd: np.ndarray
    rat: np.ndarray
    rdt: np.ndarray


def group_stats(values: np.ndarray, labels: np.ndarray, k: int) -> GroupStats:
    """The per-group vote counts, probabilities, representativeness and their tests."""
    total_a, total_d, total_s = _counts(values)
    rows = [_counts(values[labels == g]) for g in range(k)]
    na = np.array([r[0] for r in rows])
    nd = np.array([r[1] for r in rows])
    ns = np.array([r[2] for r in rows])
    oa, od, os_ = total_a - na, total_d - nd, total_s - ns
    pa, pd = (na + 1.0) / (ns + 2.0), (nd + 1.0) / (ns + 2.0)
    qa, qd = (oa + 1.0) / (os_ + 2.0), (od + 1.0) / (os_ + 2.0)
    return GroupStats(
        na=na,
        nd=nd,
        ns=ns,
        pa=pa,
        pd=pd,
        pat=one_prop_test(na, ns),
        pdt=one_prop_test(nd, ns),
        ra=pa / qa,
        rd=pd / qd,
        rat=two_prop_test(na, oa, ns, os_),
        rdt=two_prop_test(nd, od, ns, os_),
    )


def _stat(stats: GroupStats, g: int, j: int, statement: object) -> StatementStat:
    agree = stats.rat[g, j] > stats.rdt[g, j]
    if agree:
        return StatementStat(
            statement,
            "agree",
            int(stats.na[g, j]),
            int(stats.ns[g, j]),
            float(stats.pa[g, j]),
            float(stats.pat[g, j]),
            float(stats.ra[g, j]),
            float(stats.rat[g, j]),
        )
    return StatementStat(
        statement,
        "disagree",
        int(stats.nd[g, j]),
        int(stats.ns[g, j]),
        float(stats.pd[g, j]),
        float(stats.pdt[g, j]),
        float(stats.rd[g, j]),
        float(stats.rdt[g, j]),
    )


def _metric(s: StatementStat) -> float:
    return float((s.repness or 0.0) * (s.repness_test or 0.0) * s.p_success * s.p_test)


def representative_statements(
    stats: GroupStats, statements: tuple, *, excluded: np.ndarray | None = None, pick_max: int = PICK_MAX
) -> list[list[StatementStat]]:
    """Up to ``pick_max`` statements per group, as Pol.is selects them.

    First the group's best agreed statement (by ra*rat*pa*pat once one has ra > 1, else by pa*pat; it must pass
    the agree test or have ra > 1 and pa > 1/2), then the statements that pass both tests for agree or disagree,
    by ra*rat*pa*pat; when none passes, the one with the highest representativeness test heads the list. Agrees
    come before disagrees. ``excluded`` (moderated-out statements) are never chosen.
    """
    k, n = stats.pa.shape
    allowed = np.ones(n, dtype=bool) if excluded is None else ~excluded
    result: list[list[StatementStat]] = []
    for g in range(k):
        best_agree: int | None = None
        for j in (int(i) for i in np.flatnonzero(allowed)):
            if stats.na[g, j] == 0 and stats.nd[g, j] == 0:
                continue
            if best_agree is None:
                if stats.pat[g, j] > Z_90 or (stats.ra[g, j] > 1.0 and stats.pa[g, j] > 0.5):
                    best_agree = j
                continue
            b = best_agree
            if stats.ra[g, b] > 1.0:
                better = (
                    stats.ra[g, j] * stats.rat[g, j] * stats.pa[g, j] * stats.pat[g, j]
                    > stats.ra[g, b] * stats.rat[g, b] * stats.pa[g, b] * stats.pat[g, b]
                )
            else:
                better = stats.pa[g, j] * stats.pat[g, j] > stats.pa[g, b] * stats.pat[g, b]
            if better:
                best_agree = j
        significant = allowed & (
            ((stats.pat[g] > Z_90) & (stats.rat[g] > Z_90)) | ((stats.pdt[g] > Z_90) & (stats.rdt[g] > Z_90))
        )
        sufficient = sorted(
            (_stat(stats, g, int(j), statements[j]) for j in np.flatnonzero(significant)),
            key=_metric,
            reverse=True,
        )
        head: list[StatementStat] = []
        if best_agree is not None:
            b = best_agree
            head = [
                StatementStat(
                    statements[b],
                    "agree",
                    int(stats.na[g, b]),
                    int(stats.ns[g, b]),
                    float(stats.pa[g, b]),
                    float(stats.pat[g, b]),
                    float(stats.ra[g, b]),
                    float(stats.rat[g, b]),
                )
            ]
        elif not sufficient and allowed.any():
            candidates = np.flatnonzero(allowed)
            best = int(candidates[np.argmax(np.maximum(stats.rat[g, candidates], stats.rdt[g, candidates]))])
            head = [_stat(stats, g, best, statements[best])]
        chosen = head + [s for s in sufficient if head and s.statement != head[0].statement]
        chosen = chosen[:pick_max]
        result.append(sorted(chosen, key=lambda s: s.direction))
    return result


def consensus_statements(
    values: np.ndarray, statements: tuple, *, excluded: np.ndarray | None = None, pick_max: int = PICK_MAX
) -> dict[str, list[StatementStat]]:
    """Statements most of everyone agrees (or disagrees) with: p > 1/2 and the one-proportion test at 90 %,
    ranked by p x test, ``pick_max`` of each."""
    na, nd, ns = _counts(values)
    allowed = np.ones(len(statements), dtype=bool) if excluded is None else ~excluded
    out: dict[str, list[StatementStat]] = {}
    for direction, succ in (("agree", na), ("disagree", nd)):
        p = (succ + 1.0) / (ns + 2.0)
        test = one_prop_test(succ, ns)
        candidates = np.flatnonzero(allowed & (p > 0.5) & (test > Z_90))
        ranked = sorted(candidates, key=lambda j: (-(p[j] * test[j]), j))[:pick_max]
        out[direction] = [
            StatementStat(statements[j], direction, int(succ[j]), int(ns[j]), float(p[j]), float(test[j]))
            for j in ranked
        ]
    return out


def group_aware_consensus(stats: GroupStats) -> np.ndarray:
    """Per statement, the product over groups of the smoothed probability of agreeing: high only when every
    group agrees (a large group cannot carry it alone)."""
    return stats.pa.prod(axis=0)  # type: ignore[no-any-return]


def shared_by_all_groups(
    stats: GroupStats, statements: tuple, *, excluded: np.ndarray | None = None, pick_max: int = PICK_MAX
) -> list[object]:
    """The statements every group agrees with (pa > 1/2 in each group), by group-aware consensus, best first."""
    gac = group_aware_consensus(stats)
    allowed = np.ones(len(statements), dtype=bool) if excluded is None else ~excluded
    every = allowed & (stats.pa > 0.5).all(axis=0) & (stats.na.sum(axis=0) > 0)
    ranked = sorted(np.flatnonzero(every), key=lambda j: (-gac[j], j))[:pick_max]
    return [statements[j] for j in ranked]
