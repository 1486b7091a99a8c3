"""Timing and memory measurement, and the results table. No Django import."""

from __future__ import annotations

import gc
import os
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Result:
    what: str
    database: str
    size: str
    runs: int
    median_ms: float
    p95_ms: float
    peak_memory_mb: float
    target_ms: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """p95 divided by the target: below 1.0 meets it."""
        return self.p95_ms / self.target_ms if self.target_ms else None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * q / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def peak_python_memory(fn: Callable[[], Any]) -> float:
    """Peak Python memory (MB) allocated while running ``fn`` once (tracemalloc, so not timed)."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1e6


def process_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_calls(
    what: str,
    database: str,
    size: str,
    make_call: Callable[[int], Callable[[], Any]],
    *,
    runs: int,
    warmup: int = 3,
    budget_s: float = 60.0,
    target_ms: float | None = None,
    note: str = "",
) -> Result:
    """Time ``runs`` calls; ``make_call(i)`` returns the i-th call (varying its input), built before timing."""
    warm = []
    for i in range(warmup):
        call = make_call(-1 - i)
        start = time.perf_counter()
        call()
        warm.append(time.perf_counter() - start)
    # Slow queries get fewer runs (at least 10), so one scenario stays within about a minute.
    runs = max(min(runs, 10), min(runs, int(budget_s / max(statistics.median(warm), 1e-6))))
    timings = []
    for i in range(runs):
        call = make_call(i)
        start = time.perf_counter()
        call()
        timings.append((time.perf_counter() - start) * 1000)
    memory = peak_python_memory(make_call(0))
    return Result(
        what=what,
        database=database,
        size=size,
        runs=runs,
        median_ms=statistics.median(timings),
        p95_ms=percentile(timings, 95),
        peak_memory_mb=memory,
        target_ms=target_ms,
        note=note,
    )


def results_table(results: list[Result]) -> str:
    lines = [
        "| what | database | size | runs | median | p95 | peak memory | target (p95) | ratio to target |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        target = f"{r.target_ms:.0f} ms" if r.target_ms else "–"
        ratio = f"{r.ratio:.2f}{' ✓' if r.ratio <= 1 else ' ✗'}" if r.ratio is not None else "–"
        if r.median_ms >= 10_000:
            median, p95 = f"{r.median_ms / 1000:.1f} s", f"{r.p95_ms / 1000:.1f} s"
        else:
            median, p95 = f"{r.median_ms:.1f} ms", f"{r.p95_ms:.1f} ms"
        what = f"{r.what} ({r.note})" if r.note else r.what
        lines.append(
            f"| {what} | {r.database} | {r.size} | {r.runs} | {median} | {p95} | {r.peak_memory_mb:.1f} MB "
            f"| {target} | {ratio} |"
        )
    return "\n".join(lines) + "\n"


def bench_component(*, module_key: str, process_title: str, phase_title: str) -> Any:
    """In a bench's own fresh database: migrate, then one town with one public process whose current phase
    holds a published component of ``module_key``. Returns the component (``component.process.organisation``
    is the town)."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from parlons.core.models import Organisation
    from parlons.core.services import (
        component_add,
        component_publish,
        phase_create,
        process_create,
        process_set_visibility,
    )

    org = Organisation.objects.create(
        slug="bench", name="Bench-sur-Loire", is_default=True, default_language="fr"
    )
    process = process_create(organisation=org, by=None, title=process_title)
    phase_create(process=process, by=None, title=phase_title, is_current=True)
    process_set_visibility(process=process, by=None, visibility="public")
    return component_publish(
        component=component_add(process=process, by=None, module_key=module_key), by=None
    )


def bench_redis_url() -> str:
    """A Redis database of the bench's own (``BENCH_REDIS_URL``, default db 15 on the local server), emptied,
    for runs that model the production setup (PostgreSQL + Redis for the task queue and the cache); "" when no
    Redis server answers (the run then keeps the embedded task queue, and says so)."""
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        client.flushdb()
    except Exception:  # any failure means: no Redis for this run
        return ""
    return url


def _plain_committer(url: str, count: int, ready: Any) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        ready.wait(timeout=120)
        for i in range(count):
            conn.execute("INSERT INTO bench_commit_ceiling (x) VALUES (%s)", [i])  # its own durable commit


def commit_ceiling(url: str, processes: int, per_process: int) -> float:
    """Rows/s of a plain INSERT per row in autocommit (one durable commit each) from ``processes`` psycopg
    connections to the PostgreSQL database at ``url``: no Django, no application code. What this server and
    this machine's load allow at that moment; every ballot or log entry costs at least that commit."""
    import multiprocessing

    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_commit_ceiling (id bigserial PRIMARY KEY, x int)")
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(processes + 1)
    procs = [
        context.Process(target=_plain_committer, args=(url, per_process, ready)) for _ in range(processes)
    ]
    for p in procs:
        p.start()
    # A child that dies before the start (e.g. cannot connect) breaks the barrier instead of hanging the bench.
    ready.wait(timeout=120)
    start = time.perf_counter()
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - start
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_commit_ceiling")
    return processes * per_process / elapsed
