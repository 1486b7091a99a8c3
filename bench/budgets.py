"""Benchmarks of participatory budgeting: every shared Pabulib instance with every rule, side by side with
pabutools (in a child process with a time limit), and ballots cast per second through ``ballot_cast`` on
PostgreSQL (database ``parlons_budgets_bench``, dropped and re-created; never ``var/`` nor the test databases).

    .venv/bin/python -m bench.budgets [--pabutools-limit 180] [--ballots 3000] [--only Assen]

``run(results)`` appends ``bench.measure.Result`` rows (``bench.run`` calls it for the suite ``budgets``). A tally's
target is pabutools' own time in the same run divided by 50 when pabutools takes over a second (the issue's "at
least 50x faster"), 5 s for every rule and 0.5 s for greedy on 100,000 voters; the note gives the speed-up (a lower
bound when pabutools hit its time limit) and whether the winners are identical.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

from bench.measure import Result, bench_redis_url, commit_ceiling, percentile, results_table

ROOT = Path(__file__).resolve().parent.parent
RULES = ("greedy", "mes", "mes+greedy", "mes+add1", "mes+add1+greedy")
DB_NAME = "parlons_budgets_bench"
SPEED_UP = 50
# pabutools needs about 10 minutes for mes+add1 on Warsaw: past this limit its time counts as the limit, so the
# ratio is a lower bound; 180 s is enough to show 50x against a tally of up to 3.6 s.
PABUTOOLS_LIMIT_S = 180.0

_PABUTOOLS_CHILD = r"""
import json, sys, time
from pabutools.election import Cost_Sat, parse_pabulib
from pabutools.rules import (completion_by_rule_combination, exhaustion_by_budget_increase,
                             greedy_utilitarian_welfare, method_of_equal_shares)
path, rule = sys.argv[1], sys.argv[2]
instance, profile = parse_pabulib(path)
mes = (method_of_equal_shares, {"sat_class": Cost_Sat})
greedy = (greedy_utilitarian_welfare, {"sat_class": Cost_Sat})
add1 = (exhaustion_by_budget_increase, {"rule": method_of_equal_shares, "rule_params": {"sat_class": Cost_Sat},
                                         "budget_step": profile.num_ballots()})
steps = {"greedy": [greedy], "mes": [mes], "mes+greedy": [mes, greedy], "mes+add1": [add1],
         "mes+add1+greedy": [add1, greedy]}[rule]
start = time.perf_counter()
if len(steps) == 1:
    outcome = steps[0][0](instance, profile, **steps[0][1])
else:
    outcome = completion_by_rule_combination(instance, profile, [s[0] for s in steps], [s[1] for s in steps])
print(json.dumps({"seconds": time.perf_counter() - start, "winners": sorted(p.name for p in outcome)}))
"""


def say(message: str) -> None:
    print(f"[bench budgets] {message}", flush=True)


def shared_dir() -> Path:
    return Path(os.environ.get("PARLONS_SHARED_DATA", ROOT.parent / "shared" / "data")) / "pabulib"


def _pabutools(path: Path, rule: str, limit: float) -> dict[str, Any] | None:
    """pabutools' time and winners, or None when it did not finish within ``limit`` seconds."""
    try:
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-c", _PABUTOOLS_CHILD, str(path), rule],
            capture_output=True,
            text=True,
            timeout=limit,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def _time(call: Any, *, runs: int = 5, budget_s: float = 3.0) -> tuple[list[float], Any]:
    """Up to ``runs`` timings of ``call()`` in seconds (fewer once ``budget_s`` is spent), and its last value.

    As ``timeit`` does, the cyclic garbage collector is run before each call and kept off during it: a
    collection of the previous runs' garbage landing in one run of a few milliseconds doubled it."""
    times: list[float] = []
    value = None
    while len(times) < runs and (not times or sum(times) < budget_s):
        value = None
        gc.collect()
        gc.disable()
        try:
            t0 = time.perf_counter()
            value = call()
            times.append(time.perf_counter() - t0)
        finally:
            gc.enable()
    return times, value


def _peak_mb(call: Any) -> float:
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def _row(
    what: str,
    size: str,
    times: list[float],
    *,
    peak: float = 0.0,
    target_s: float | None = None,
    note: str = "",
    database: str = "in memory",
) -> Result:
    return Result(
        what=f"budgets {what}",
        database=database,
        size=size,
        runs=len(times),
        median_ms=round(statistics.median(times) * 1000, 3),
        p95_ms=round(percentile([t * 1000 for t in times], 95), 3),
        peak_memory_mb=round(peak, 1),
        target_ms=round(target_s * 1000, 3) if target_s else None,
        note=note,
    )


def tally_rows(
    results: list[Result],
    *,
    pabutools_limit: float = PABUTOOLS_LIMIT_S,
    only: str = "",
    with_pabutools: bool = True,
) -> None:
    from parlons.modules.budgets import pabulib, vote_rules

    folder = shared_dir()
    if not folder.is_dir():
        say(f"no shared data at {folder}: skipping the tallies")
        return
    for path in sorted(folder.glob("*.pb")):
        if only and only not in path.name:
            continue
        times, pb = _time(lambda path=path: pabulib.load(str(path)), runs=3)
        election = pb.election()
        size = f"{len(election.ballots):,} voters, {len(election.costs)} projects"
        results.append(_row(f"parse .pb {path.stem}", size, times))
        for rule in RULES:
            # Up to 25 runs within 3 s: a tally of a few milliseconds needs that many for a steady median (with
            # 5, one slow run from the machine's other work moved the Assen ratio by half).
            times, outcome = _time(
                lambda rule=rule, election=election: vote_rules.tally(election, rule), runs=25, budget_s=3.0
            )
            median = statistics.median(times)
            peak = (
                _peak_mb(lambda rule=rule, election=election: vote_rules.tally(election, rule))
                if median < 1.0
                else 0.0
            )
            target: float | None = None
            note = f"{len(outcome.winners)} winners, cost {outcome.cost}"
            if with_pabutools:
                reference = _pabutools(path, rule, pabutools_limit)
                if reference is None:
                    target = pabutools_limit / SPEED_UP
                    note += (
                        f"; pabutools > {pabutools_limit:.0f} s (limit), > {pabutools_limit / median:.0f}x"
                    )
                else:
                    same = reference["winners"] == sorted(outcome.winners)
                    if reference["seconds"] > 1.0:
                        target = reference["seconds"] / SPEED_UP
                    note += (
                        f"; pabutools {reference['seconds']:.2f} s, {reference['seconds'] / median:.0f}x, "
                        f"winners {'identical' if same else 'DIFFER'}"
                    )
            results.append(
                _row(f"tally {rule} {path.stem}", size, times, peak=peak, target_s=target, note=note)
            )
            say(f"{path.stem} {rule}: {median:.3f} s; {note}")


def synthetic_rows(results: list[Result], *, voters: int = 100_000) -> None:
    """Every rule on a generated election of ``voters`` voters (80 projects, 1-8 approvals each, skewed
    popularity): the size targets (greedy < 0.5 s, every rule < 5 s) are about this one."""
    import random

    from parlons.modules.budgets import vote_rules

    rng = random.Random(1)
    ids = [f"p{i:03d}" for i in range(80)]
    costs = {p: rng.randrange(20_000, 400_000, 1000) for p in ids}
    popularity = [rng.random() ** 2 for _ in ids]
    ballots = [rng.choices(ids, weights=popularity, k=rng.randint(1, 8)) for _ in range(voters)]
    election = vote_rules.Election(budget=5_000_000, costs=costs, ballots=ballots)
    for rule in RULES:
        times, outcome = _time(
            lambda rule=rule, election=election: vote_rules.tally(election, rule), runs=3, budget_s=10.0
        )
        target = 0.5 if rule == "greedy" else 5.0
        results.append(
            _row(
                f"tally {rule} synthetic",
                f"{voters:,} voters, 80 projects",
                times,
                target_s=target,
                note=f"{len(outcome.winners)} winners",
            )
        )
        say(f"synthetic {voters} {rule}: {statistics.median(times):.3f} s")


def _database_url() -> str:
    base = (
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or "postgis://postgres@127.0.0.1:5432/parlons"
    )
    return urlunparse(urlparse(base)._replace(scheme="postgis", path=f"/{DB_NAME}"))


def _recreate(url: str) -> bool:
    import psycopg

    parsed = urlparse(url)
    admin = urlunparse(parsed._replace(scheme="postgresql", path="/postgres"))
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        with psycopg.connect(urlunparse(parsed._replace(scheme="postgresql")), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    except psycopg.OperationalError as exc:
        say(f"PostgreSQL not reachable ({exc.__class__.__name__}): skipping the ballot bench")
        return False
    return True


def _ballots_child(count: int, workers: int = 1) -> dict[str, Any]:
    """Runs in a child process on the bench database: set up a town, then time ``ballot_cast``."""
    import random

    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.core.management import call_command
    from django.db import connection

    from parlons.accounts.models import Membership, User
    from parlons.core.services import (
        component_add,
        component_publish,
        organisation_create,
        phase_create,
        process_create,
    )
    from parlons.modules.budgets import services
    from parlons.modules.budgets.models import Ballot, Budget

    call_command("migrate", verbosity=0)
    org = organisation_create(slug="bench", name="Bench", host="bench.example.test")
    process = process_create(organisation=org, by=None, title="Budget")
    process.visibility = "public"
    process.save()
    phase_create(process=process, by=None, title="Vote", is_current=True)
    component = component_publish(
        component=component_add(process=process, by=None, module_key="budgets"), by=None
    )
    budget = services.budget_create(
        component=component, by=None, title="Budget", amount=1_000_000, max_projects=5
    )
    ids = []
    for n in range(20):
        project = services.project_submit(
            budget=budget,
            by=None,
            title=f"Projet {n}",
            description="Un projet pour la ville.",
            cost=10_000 + n,
        )
        ids.append(services.project_review(project=project, by=None, feasible=True).public_id)
    services.budget_open(budget=budget, by=None)
    users = User.objects.bulk_create([User(email=f"v{n}@bench.test", password="!") for n in range(count)])
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users]
    )
    Membership.objects.bulk_create([Membership(organisation=org, user=u) for u in users])
    users = list(User.objects.filter(email__endswith="@bench.test").order_by("pk"))
    budget = (
        Budget.objects.select_related("component__process__organisation")
        .prefetch_related("component__process__phases")
        .get(pk=budget.pk)
    )
    rng = random.Random(5)
    ballots = [rng.sample(ids, rng.randint(1, 5)) for _ in users]
    # ``workers`` separate processes (like web workers), each casting its share of the ballots on its own
    # connection; PostgreSQL groups their commits. Each reports its own start and end after Django is set up.
    plan = Path(tempfile.mkdtemp()) / "plan.json"
    plan.write_text(json.dumps({"budget": budget.pk, "users": [u.pk for u in users], "ballots": ballots}))
    # Each worker writes its report to a file of its own and its output goes to a file too: a pipe read one
    # worker after the other could fill up and block a worker in the middle of a transaction.
    code = "from bench.budgets import _cast_slice; _cast_slice({!r}, {}, {}, {!r})"
    reports_at = [plan.with_name(f"report-{w}.json") for w in range(workers)]
    logs = [plan.with_name(f"worker-{w}.log").open("w") for w in range(workers)]
    procs = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", code.format(str(plan), w, workers, str(reports_at[w]))],
            cwd=ROOT,
            stdout=logs[w],
            stderr=subprocess.STDOUT,
        )
        for w in range(workers)
    ]
    codes = [p.wait() for p in procs]
    for log in logs:
        log.close()
    if any(codes):
        failed = codes.index(next(c for c in codes if c))
        raise RuntimeError(
            f"ballot worker {failed} failed:\n{plan.with_name(f'worker-{failed}.log').read_text()[-2000:]}"
        )
    reports = [json.loads(path.read_text()) for path in reports_at]
    times = [t for r in reports for t in r["times"]]
    total = max(r["end"] for r in reports) - min(r["start"] for r in reports)
    assert Ballot.objects.filter(budget=budget).count() == count, "lost or double-counted ballots"
    connection.close()
    return {"count": count, "workers": workers, "seconds": total, "median_s": statistics.median(times)}


def _cast_slice(plan_path: str, offset: int, step: int, report_path: str) -> None:
    """A bench worker: cast every ``step``-th ballot of the plan from ``offset``; write its own times."""
    import django

    django.setup()
    from django.db import connection

    from parlons.accounts.models import User
    from parlons.modules.budgets import services
    from parlons.modules.budgets.models import Budget

    plan = json.loads(Path(plan_path).read_text())
    budget = (
        Budget.objects.select_related("component__process__organisation")
        .prefetch_related("component__process__phases")
        .get(pk=plan["budget"])
    )
    mine = list(range(offset, len(plan["users"]), step))
    users = User.objects.in_bulk([plan["users"][i] for i in mine])
    times = []
    start = time.time()
    for i in mine:
        t0 = time.perf_counter()
        services.ballot_cast(budget=budget, voter=users[plan["users"][i]], choices=plan["ballots"][i])
        times.append(time.perf_counter() - t0)
    end = time.time()
    connection.close()
    Path(report_path).write_text(json.dumps({"start": start, "end": end, "times": times}))


def ballot_rows(results: list[Result], *, count: int = 3000, workers: int = 1) -> None:
    url = _database_url()
    if not _recreate(url):
        return
    # A private data directory: the task queue's file (written after each commit) is the bench's own, never var/.
    data_dir = tempfile.mkdtemp(prefix="parlons-bench-budgets-")
    env = dict(
        os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings", PARLONS_DATA_DIR=data_dir
    )
    env.pop("PARLONS_TASKS_IMMEDIATE", None)
    # The production setup on PostgreSQL: the task queue (the ledger's sequencer request after each commit) and
    # the cache in Redis; without a Redis server the embedded queue (an SQLite file) is used, and the row says so.
    redis_url = bench_redis_url()
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env.pop("REDIS_URL", None)
    code = (
        "import json; from bench.budgets import _ballots_child;"
        f" print(json.dumps(_ballots_child({count}, {workers})))"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        say(f"ballot bench failed:\n{done.stderr[-2000:]}")
        return
    data = json.loads(done.stdout.strip().splitlines()[-1])
    rate = data["count"] / data["seconds"]
    # The same number of processes doing nothing but a plain INSERT + commit each, right after: the ceiling
    # this machine and server give any one-commit-per-ballot design at this moment.
    ceiling = commit_ceiling(
        urlunparse(urlparse(url)._replace(scheme="postgresql")),
        max(workers, 1),
        max(count // max(workers, 1), 1),
    )
    # One row per run: the time per ballot of the whole run (wall time / ballots), against 1 ms (1,000/s) for the
    # machine's rate, i.e. with concurrent casts as ``parlons serve`` runs them (2 workers x 4 threads: up to 8 at
    # once). One process alone waits for each commit in turn: its row measures that latency, without the target.
    per_ballot = data["seconds"] / data["count"]
    concurrent = workers > 1
    results.append(
        Result(
            what=f"budgets ballot_cast ({workers} process{'es' if workers > 1 else ''})",
            database="postgis",
            size=f"{data['count']:,} ballots",
            runs=data["count"],
            median_ms=round(per_ballot * 1000, 3),
            p95_ms=round(per_ballot * 1000, 3),
            peak_memory_mb=0.0,
            target_ms=1.0 if concurrent else None,
            note=f"{rate:.0f} ballots/s, one call {data['median_s'] * 1000:.2f} ms median;"
            + (
                ""
                if concurrent
                else " one cast at a time, so no target (the target is the rows with concurrent casts);"
            )
            + f" task queue in {'Redis' if redis_url else 'SQLite (no Redis server)'};"
            f" plain INSERT + commit from {workers} process{'es' if workers > 1 else ''}: {ceiling:,.0f}/s",
        )
    )
    say(
        f"ballot_cast x{workers}: {rate:.0f} ballots/s, median {data['median_s'] * 1000:.2f} ms;"
        f" plain INSERT + commit: {ceiling:,.0f}/s"
    )


def run(
    results: list[Result],
    *,
    pabutools_limit: float = PABUTOOLS_LIMIT_S,
    ballots: int = 3000,
    only: str = "",
    with_pabutools: bool = True,
) -> None:
    """Append the budgets benchmark rows to ``results``."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    tally_rows(results, pabutools_limit=pabutools_limit, only=only, with_pabutools=with_pabutools)
    if not only:
        synthetic_rows(results)
    if ballots:
        for workers in (1, 4, 8):
            ballot_rows(results, count=ballots, workers=workers)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pabutools-limit", type=float, default=PABUTOOLS_LIMIT_S)
    parser.add_argument("--ballots", type=int, default=3000)
    parser.add_argument("--only", default="", help="only instances whose file name contains this")
    parser.add_argument("--no-pabutools", action="store_true")
    args = parser.parse_args(argv)
    results: list[Result] = []
    run(
        results,
        pabutools_limit=args.pabutools_limit,
        ballots=args.ballots,
        only=args.only,
        with_pabutools=not args.no_pabutools,
    )
    print(results_table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
