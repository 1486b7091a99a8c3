"""The opinion map (Pol.is-style math, ``parlons.insights.opinion``): quality on real data, and speed.

    .venv/bin/python -m bench.opinion          # prints the rows
    from bench.opinion import run; run(results) # appends bench.measure.Result rows

Quality (real data under ../shared/data/polis, skipped with a note when absent): the adjusted Rand index of
our groups against the group-id Pol.is computed, on the participants Pol.is grouped; agreement with Pol.is's
own math output (red-dwarf's golden fixtures): in-conversation set, group count, representative and consensus
statements. Speed: a synthetic conversation of 2,000 participants x 900 statements x 225,000 votes with three
planted opinion camps (synthetic for the timing only), the whole computation from the vote matrix, first
computation and incremental update (warm start). Pure numpy: no database, no Django.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measure import Result, peak_python_memory, percentile  # noqa: E402
from parlons.insights.opinion.matrix import VoteMatrix, in_conversation_replay, vote_matrix  # noqa: E402
from parlons.insights.opinion.pipeline import OpinionMap, compute  # noqa: E402
from parlons.insights.opinion.polis_format import read_conversation  # noqa: E402
from parlons.insights.opinion.repness import consensus_statements, group_stats, representative_statements  # noqa: E402

PARTICIPANTS = int(os.environ.get("BENCH_OPINION_PARTICIPANTS", "2000"))
STATEMENTS = int(os.environ.get("BENCH_OPINION_STATEMENTS", "900"))
VOTES = int(os.environ.get("BENCH_OPINION_VOTES", "225000"))
RUNS = int(os.environ.get("BENCH_OPINION_RUNS", "10"))
TARGET_MS = 2000.0
CONVERSATIONS = ("canadian-electoral-reform", "scoop-hivemind.biodiversity")
GOLDEN = ("below-100-ptpts", "150ptpt-3gp-no-strict-no-meta")


def shared_polis() -> Path:
    base = Path(os.environ.get("PARLONS_SHARED_DATA", ROOT.parent / "shared" / "data"))
    return base / "polis"


def synthetic(participants: int, statements: int, votes: int, seed: int = 7) -> VoteMatrix:
    """Three planted camps; each participant votes on a random subset, 10 % noise and 10 % passes."""
    rng = np.random.default_rng(seed)
    camps = rng.integers(0, 3, size=participants)
    patterns = rng.choice([-1.0, 1.0], size=(3, statements))
    values = np.full((participants, statements), np.nan)
    cells = rng.choice(participants * statements, size=votes, replace=False)
    rows, cols = np.divmod(cells, statements)
    chosen = patterns[camps[rows], cols]
    roll = rng.random(votes)
    chosen = np.where(roll < 0.1, -chosen, chosen)
    chosen = np.where((roll >= 0.1) & (roll < 0.2), 0.0, chosen)
    values[rows, cols] = chosen
    return VoteMatrix(tuple(range(participants)), tuple(range(statements)), values)


def _timed(fn, runs: int) -> list[float]:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def _row(
    what: str, size: str, times: list[float], peak: float, note: str, target: float | None = None
) -> Result:
    return Result(
        what=what,
        database="opinion",
        size=size,
        runs=len(times),
        median_ms=round(percentile([t * 1000 for t in times], 50), 2),
        p95_ms=round(percentile([t * 1000 for t in times], 95), 2),
        peak_memory_mb=round(peak, 1),
        target_ms=target,
        note=note,
    )


def ari_rows() -> list[Result]:
    from sklearn.metrics import adjusted_rand_score

    rows = []
    for name in CONVERSATIONS:
        folder = shared_polis() / name
        if not folder.is_dir():
            rows.append(
                _row(f"opinion: groups vs Pol.is, {name}", "-", [0.0], 0.0, "skipped: data not found")
            )
            continue
        conversation = read_conversation(folder)
        matrix = conversation.matrix()
        previous = conversation.in_conversation()
        excluded = conversation.moderated_out()
        result = compute(matrix, excluded=excluded, previous_in_conversation=previous)
        assert isinstance(result, OpinionMap)
        people = [p for p, g in conversation.groups.items() if g is not None and p in result.groups]
        ari = adjusted_rand_score(
            [conversation.groups[p] for p in people], [result.groups[p] for p in people]
        )
        times = _timed(
            lambda m=matrix, e=excluded, p=previous: compute(m, excluded=e, previous_in_conversation=p), 5
        )
        size = f"{matrix.shape[0]} x {matrix.shape[1]}, {matrix.n_votes:,} votes"
        note = f"ARI {ari:.3f} on {len(people)} participants Pol.is grouped (target >= 0.95); k={result.k}"
        rows.append(_row(f"opinion: groups vs Pol.is, {name}", size, times, 0.0, note))
    return rows


def _load_golden(folder: Path):
    from datetime import datetime

    def ms(value):
        if isinstance(value, str) and "T" in value:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000
        return float(value)

    def field(record, *names):
        return next(record[n] for n in names if n in record)

    votes = sorted(json.loads((folder / "votes.json").read_text()), key=lambda v: ms(v["modified"]))
    comments = json.loads((folder / "comments.json").read_text())
    math = json.loads((folder / "math-pca2.json").read_text())
    triples = [(field(v, "pid", "participant_id"), field(v, "tid", "statement_id"), v["vote"]) for v in votes]
    matrix = vote_matrix(triples, statements=sorted(field(c, "tid", "statement_id") for c in comments))
    history = [(p, s, ms(v["modified"])) for (p, s, _), v in zip(triples, votes, strict=True)]
    return matrix, history, [ms(c["created"]) for c in comments], math


def golden_rows() -> list[Result]:
    rows = []
    for name in GOLDEN:
        folder = shared_polis() / "golden-math-red-dwarf-fixtures" / name
        if not folder.is_dir():
            rows.append(
                _row(f"opinion: Pol.is math output, {name}", "-", [0.0], 0.0, "skipped: data not found")
            )
            continue
        matrix, history, created, math = _load_golden(folder)
        in_conv = in_conversation_replay(history, created)
        started = time.perf_counter()
        result = compute(matrix, excluded=math["mod-out"], previous_in_conversation=in_conv)
        seconds = time.perf_counter() - started
        assert isinstance(result, OpinionMap)
        base = math["base-clusters"]
        members = dict(zip(base["id"], base["members"], strict=True))
        gold = {p: g["id"] for g in math["group-clusters"] for b in g["members"] for p in members[b]}
        rows_in = [i for i, p in enumerate(matrix.participants) if p in gold]
        labels = np.array([gold[matrix.participants[i]] for i in rows_in])
        excluded = np.array([s in set(math["mod-out"]) for s in matrix.statements])
        stats = group_stats(matrix.values[rows_in], labels, len(math["group-clusters"]))
        reps = representative_statements(stats, matrix.statements, excluded=excluded)
        rep_same = sum(
            [(s.statement, s.direction) for s in reps[g]]
            == [(r["tid"], r["repful-for"]) for r in math["repness"][str(g)]]
            for g in range(len(reps))
        )
        cons = consensus_statements(matrix.values, matrix.statements, excluded=excluded)
        cons_same = all(
            [s.statement for s in cons[d]] == [c["tid"] for c in math["consensus"][d]]
            for d in ("agree", "disagree")
        )
        note = (
            f"in-conv {'equal' if in_conv == set(math['in-conv']) else 'DIFFERENT'} ({len(in_conv)}); "
            f"groups {result.k} vs {len(math['group-clusters'])}; "
            f"repness equal for {rep_same}/{len(reps)} groups; consensus {'equal' if cons_same else 'DIFFERENT'}"
        )
        size = f"{matrix.shape[0]} x {matrix.shape[1]}"
        rows.append(_row(f"opinion: Pol.is math output, {name}", size, [seconds], 0.0, note))
    return rows


def timing_rows(runs: int = RUNS) -> list[Result]:
    matrix = synthetic(PARTICIPANTS, STATEMENTS, VOTES)
    size = f"{PARTICIPANTS:,} x {STATEMENTS} x {matrix.n_votes:,} votes"
    first = compute(matrix)
    assert isinstance(first, OpinionMap)
    times = _timed(lambda: compute(matrix), runs)
    peak = peak_python_memory(lambda: compute(matrix))
    rows = [_row("opinion: map, first computation", size, times, peak, f"k={first.k} (3 planted)", TARGET_MS)]
    components = np.array(first.components)

    def update() -> None:
        compute(
            matrix,
            state=first.state,
            previous_in_conversation=first.in_conversation,
            previous_components=components,
        )

    times = _timed(update, runs)
    rows.append(
        _row(
            "opinion: map, incremental update",
            size,
            times,
            0.0,
            "warm start from the previous state",
            TARGET_MS,
        )
    )
    return rows


def run(results: list[Result]) -> None:
    results.extend(ari_rows())
    results.extend(golden_rows())
    results.extend(timing_rows())


if __name__ == "__main__":
    collected: list[Result] = []
    run(collected)
    for row in collected:
        print(json.dumps(row.as_dict(), ensure_ascii=False))
