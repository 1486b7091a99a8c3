"""The benchmarks of ``make bench``: 1,000,000 reports, then the map and duplicate queries, on both databases.

    .venv/bin/python -m bench.run [--size 1000000] [--runs 50] [--db spatialite,postgis]

Each database is measured in its own child process (Django reads its database settings once, at start):
SpatiaLite in a temporary PARLONS_DATA_DIR, PostgreSQL/PostGIS in a database ``parlons_bench`` that the
bench drops and re-creates (never ``var/``, never the test databases). Results go to ``bench/results.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from bench.measure import Result, results_table

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.md"
RESULTS_JSON = ROOT / "bench" / "results.json"
BENCH_DB_NAME = "parlons_bench"
TARGETS_MS = {"spatialite": 150.0, "postgis": 50.0}


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def postgres_url() -> str:
    """The bench database's URL: BENCH_DATABASE_URL, else the server of DATABASE_URL (or localhost)."""
    if url := os.environ.get("BENCH_DATABASE_URL"):
        return url
    base = os.environ.get("DATABASE_URL") or "postgis://postgres@127.0.0.1:5432/parlons"
    parsed = urlparse(base)
    return urlunparse(parsed._replace(scheme="postgis", path=f"/{BENCH_DB_NAME}"))


def recreate_postgres(url: str) -> bool:
    """Drop and create the bench database with PostGIS; False (with a message) when the server is not there."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name.endswith("_bench"):
        raise SystemExit(f"refusing to drop {name!r}: the bench database's name must end with _bench")
    admin = urlunparse(parsed._replace(scheme="postgresql", path="/postgres"))
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        with psycopg.connect(urlunparse(parsed._replace(scheme="postgresql")), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    except psycopg.OperationalError as exc:
        say(f"PostgreSQL not reachable ({exc.__class__.__name__}): skipping PostGIS")
        return False
    return True


def run_database(database: str, size: int, runs: int) -> tuple[list[Result], dict]:
    env = dict(os.environ)
    env.pop("PARLONS_SHARED_DATA", None)
    env["PARLONS_ENV"] = "embedded"
    env["PARLONS_TASKS_IMMEDIATE"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    with tempfile.TemporaryDirectory(prefix=f"parlons-bench-{database}-") as tmp:
        env["PARLONS_DATA_DIR"] = tmp
        if database == "postgis":
            url = postgres_url()
            if not recreate_postgres(url):
                return [], {}
            env["DATABASE_URL"] = url
        else:
            env.pop("DATABASE_URL", None)
            env.pop("REDIS_URL", None)
        out = Path(tmp) / "results.json"
        command = [sys.executable, "-m", "bench.scenario", database, str(size), str(runs), str(out)]
        completed = subprocess.run(command, cwd=ROOT, env=env, check=False)  # noqa: S603 - our own module
        if completed.returncode != 0 or not out.exists():
            say(f"{database}: the scenario failed (exit {completed.returncode})")
            return [], {}
        data = json.loads(out.read_text())
    return [Result(**r) for r in data["results"]], data["context"]


def write_results(results: list[Result], contexts: dict[str, dict], size: int, runs: int) -> None:
    lines = [
        "# Benchmarks",
        "",
        f"Written by `python -m bench.run` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        f"({platform.python_implementation()} {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs). {size:,} reports; each query is timed {runs} times with a moving map "
        "position (3 warm-up calls first). *Peak memory* is the Python heap at its peak during one call "
        "(tracemalloc), or the process's peak resident size for the load. *Ratio* is p95 / target "
        "(targets: < 50 ms p95 on PostgreSQL/PostGIS, < 150 ms on SpatiaLite).",
        "",
        results_table(results),
    ]
    for database, context in contexts.items():
        lines += [f"## {database}", ""]
        for key, value in context.get("facts", {}).items():
            lines.append(f"- {key}: {value}")
        lines.append("")
        for title, plan in context.get("plans", {}).items():
            lines += [f"### Query plan: {title}", "", "```", plan.rstrip(), "```", ""]
    RESULTS.write_text("\n".join(lines))
    say(f"wrote {RESULTS.relative_to(ROOT)}")


def _from_row(row: dict, database: str) -> Result:
    """A suite's plain row (``{what, size, median_s, p95_s, peak_mb, target, note}``) as a Result of the table."""
    return Result(
        what=row["what"],
        database=database,
        size=row["size"],
        runs=row.get("runs", 0),
        median_ms=round(row["median_s"] * 1000, 2),
        p95_ms=round(row["p95_s"] * 1000, 2),
        peak_memory_mb=row.get("peak_mb") or 0.0,
        note="; ".join(
            part for part in (row.get("target") and f"target {row['target']}", row.get("note")) if part
        ),
    )


def _group(result: Result) -> str:
    """What a result is re-measured with: the ledger suite, a module's suite, or the reports suite on one database."""
    if result.what.startswith("ledger"):
        return "ledger"
    if result.what.startswith("consultations"):
        return "consultations"
    if result.what.startswith("surveys"):
        return "surveys"
    if result.what.startswith("budgets"):
        return "budgets"
    return result.database


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=int(os.environ.get("BENCH_SIZE", 1_000_000)))
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", 50)))
    parser.add_argument("--db", default=os.environ.get("BENCH_DATABASES", "spatialite,postgis"))
    parser.add_argument(
        "--suites",
        default=os.environ.get(
            "BENCH_SUITES", "reports,ledger,consultations,surveys,budgets,opinion,insights,text_signals"
        ),
        help="reports, ledger, consultations, surveys, budgets, opinion, insights, text_signals (bench/<suite>.py)",
    )
    args = parser.parse_args(argv)
    suites = {s.strip() for s in args.suites.split(",") if s.strip()}
    results: list[Result] = []
    contexts: dict[str, dict] = {}
    databases = [d.strip() for d in args.db.split(",") if d.strip()] if "reports" in suites else []
    for database in databases:
        if database not in TARGETS_MS:
            parser.error(f"unknown database {database!r} (spatialite, postgis)")
        started = time.monotonic()
        say(f"{database}: start")
        found, context = run_database(database, args.size, args.runs)
        results += found
        if context:
            contexts[database] = context
        say(f"{database}: done in {time.monotonic() - started:.0f} s")
    if "ledger" in suites:
        from bench import ledger

        say("ledger: start")
        ledger.run(results)
    if "consultations" in suites:
        from bench import consultations

        say("consultations: start")
        rows: list[dict] = []
        consultations.run(rows)
        results += [_from_row(row, "spatialite") for row in rows]
    if "surveys" in suites:
        from bench import surveys

        say("surveys: start")
        survey_rows: list[dict] = []
        surveys.run(survey_rows)
        results += [_from_row(row, "spatialite") for row in survey_rows]
    if "budgets" in suites:
        from bench import budgets

        say("budgets: start")
        budgets.run(results)
    if "text_signals" in suites:  # tone, suggestion, duplicates, weak signals (bench/text_signals.py)
        __import__("bench.text_signals", fromlist=["run"]).run(results)
    if "opinion" in suites:  # opinion map: ARI vs Pol.is, golden math, 2,000 x 900 timing (bench/opinion.py)
        __import__("bench.opinion", fromlist=["run"]).run(results)
    if "insights" in suites:  # topics: NMI/ARI vs TF-IDF + k-means, 100,000 contributions (bench/insights.py)
        __import__("bench.insights", fromlist=["run"]).run(results)
    if not results:
        say("no results")
        return 1
    # Suites and databases not measured this time keep their previous figures (bench/results.json).
    measured = {_group(r) for r in results}
    if RESULTS_JSON.exists():
        previous = json.loads(RESULTS_JSON.read_text())
        kept = [Result(**r) for r in previous["results"]]
        results = [r for r in kept if _group(r) not in measured] + results
        contexts = {k: v for k, v in previous["contexts"].items() if k not in measured} | contexts
    order = [*TARGETS_MS, "ledger", "consultations", "surveys", "budgets", "opinion", "text/topics"]
    results.sort(key=lambda r: order.index(_group(r)) if _group(r) in order else len(order))
    contexts = dict(
        sorted(contexts.items(), key=lambda item: order.index(item[0]) if item[0] in order else 9)
    )
    RESULTS_JSON.write_text(
        json.dumps({"results": [r.as_dict() for r in results], "contexts": contexts}, indent=1)
    )
    write_results(results, contexts, args.size, args.runs)
    print(results_table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
