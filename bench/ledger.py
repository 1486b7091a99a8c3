"""Benchmarks of the transparency log on PostgreSQL: append rate, and proof times at 1 M and 10 M entries.

    .venv/bin/python -m bench.ledger [--sizes 1000000,10000000] [--appends 4000] [--runs 200]

Appends are measured as ballots arrive: one entry per transaction (each its own durable commit) from 8 and 16
concurrent processes that insert into the queue, while one process runs the sequencer as the task worker
does; then one caller alone running the sequencer after each commit (tasks inline), then batches.

``run(results)`` is what ``bench/run.py`` calls: it appends ``bench.measure.Result`` rows. The work runs in a
child process on a database ``parlons_ledger_bench`` that is dropped and re-created (never ``var/``, never
the test databases). The large trees are loaded straight into the hash tile table with COPY (hashes computed by
``merkle.CompactRange``, the same code the sequencer uses), because appending 10 M entries one by one
would only measure the append rate again; proofs then read those stored tiles exactly as in production.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

from bench.measure import Result, commit_ceiling, results_table, time_calls

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "parlons_ledger_bench"
PROOF_TARGET_MS = 5.0


def say(message: str) -> None:
    print(f"[bench ledger] {message}", flush=True)


def _database_url() -> str:
    base = (
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or "postgis://postgres@127.0.0.1:5432/parlons"
    )
    return urlunparse(urlparse(base)._replace(scheme="postgis", path=f"/{DB_NAME}"))


def _default_sizes() -> tuple[int, ...]:
    raw = os.environ.get("BENCH_LEDGER_SIZES", "1000000,10000000")
    return tuple(int(s) for s in raw.split(",") if s.strip())


def run(
    results: list[Result], *, sizes: tuple[int, ...] | None = None, appends: int = 4000, runs: int = 200
) -> None:
    """Measure the ledger on PostgreSQL and append the rows to ``results`` (nothing if PostgreSQL is absent)."""
    from bench.run import recreate_postgres

    sizes = sizes if sizes is not None else _default_sizes()
    url = _database_url()
    if not recreate_postgres(url):
        return
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        PARLONS_ENV="embedded",
        PARLONS_TASKS_IMMEDIATE="1",
        PYTHONUNBUFFERED="1",
        PARLONS_LEDGER_KEK=__import__("base64").b64encode(secrets.token_bytes(32)).decode(),
    )
    env.pop("PARLONS_SHARED_DATA", None)
    with tempfile.TemporaryDirectory(prefix="parlons-bench-ledger-") as tmp:
        env["PARLONS_DATA_DIR"] = tmp
        out = Path(tmp) / "ledger.json"
        command = [
            sys.executable,
            "-m",
            "bench.ledger",
            "--child",
            str(out),
            "--sizes",
            ",".join(map(str, sizes)),
            "--appends",
            str(appends),
            "--runs",
            str(runs),
        ]
        completed = subprocess.run(command, cwd=ROOT, env=env, check=False)  # noqa: S603 - our own module
        if completed.returncode != 0 or not out.exists():
            say(f"the scenario failed (exit {completed.returncode})")
            return
        results.extend(Result(**r) for r in json.loads(out.read_text())["results"])


# --- The child process (Django configured on the bench database) ---------------------------------------------------


PAYLOAD = {"vote": "v1", "voter": "9f" * 32, "choices": [["p12", 1], ["p31", 1], ["p7", 1]], "revision": 1}


def _django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()


def _caller(org_id: int, first: int, count: int, done: Any, ready: Any) -> None:
    """One ballot-casting process (a web worker): ``count`` appends, one entry per transaction and commit.

    Each append only inserts into the queue; the sequencer request that ``ledger_append`` registers on commit
    goes to the task worker, which here is the ``_sequencer`` process (so the request itself is dropped)."""
    _django()
    from django.conf import settings
    from django.db import connections

    from parlons.core.models import Organisation
    from parlons.ledger import services

    settings.PARLONS_LEDGER_INLINE = False
    services._integration_requested = lambda organisation_id: None  # type: ignore[assignment]
    org = Organisation.objects.get(pk=org_id)
    ready.wait(timeout=300)
    for i in range(first, first + count):
        # Autocommit: the append's INSERT is its own transaction, one durable commit per entry (inside a
        # service's transaction it would share that transaction's commit instead).
        services.ledger_append(organisation=org, kind="ballot", payload={**PAYLOAD, "i": i}, ref="v1")
    connections.close_all()
    done.put(count)


def _sequencer(org_id: int, stop: Any, ready: Any, integrated: Any) -> None:
    """The task worker's side: run the sequencer again and again (as on-commit tasks would) until told to stop
    and the queue is empty."""
    _django()
    from django.db import connections

    from parlons.core.models import Organisation
    from parlons.ledger import services

    org = Organisation.objects.get(pk=org_id)
    ready.wait(timeout=300)
    total, runs = 0, 0
    while True:
        n = services.ledger_integrate_all(organisation=org)
        total, runs = total + n, runs + 1
        if n == 0:
            if stop.is_set():
                break
            time.sleep(0.002)
    connections.close_all()
    integrated.put((total, runs))


def _concurrent_appends(org: Any, callers: int, per_caller: int) -> tuple[float, int]:
    """Wall time until ``callers`` processes appended ``per_caller`` entries each and the sequencer process
    integrated them all; and how many sequencer transactions that took."""
    import multiprocessing

    from django.db import connections

    from parlons.ledger.models import LedgerPending

    connections.close_all()
    # Spawned, not forked: a forked child would share the parent's pooled connections.
    context = multiprocessing.get_context("spawn")
    done, integrated, stop = context.Queue(), context.Queue(), context.Event()
    ready = context.Barrier(callers + 2)
    procs = [
        context.Process(target=_caller, args=(org.pk, 1_000_000 * (c + 1), per_caller, done, ready))
        for c in range(callers)
    ]
    sequencer = context.Process(target=_sequencer, args=(org.pk, stop, ready, integrated))
    for p in [*procs, sequencer]:
        p.start()
    ready.wait(timeout=300)  # every process has started Django and connected: time the appends only
    start = time.perf_counter()
    appended = sum(done.get(timeout=900) for _ in procs)
    stop.set()
    total, runs = integrated.get(timeout=900)
    elapsed = time.perf_counter() - start
    for p in [*procs, sequencer]:
        p.join()
        if p.exitcode != 0:
            raise RuntimeError(f"a bench process failed (exit {p.exitcode})")
    assert appended == total == callers * per_caller, (appended, total)
    assert LedgerPending.objects.filter(organisation=org).count() == 0
    return elapsed, runs


def _commit_ceiling(processes: int, per_process: int) -> float:
    """``bench.measure.commit_ceiling`` on this bench's database."""
    from django.db import connection

    params = connection.settings_dict
    url = f"postgresql://{params['USER']}@{params['HOST']}:{params['PORT']}/{params['NAME']}"
    return commit_ceiling(url, processes, per_process)


def _bulk_tree(org: Any, size: int) -> tuple[bytes, bytes, int]:
    """Store a tree of ``size`` leaves as hash tiles with COPY (the rows the sequencer would have written)."""
    from django.db import connection

    from parlons.ledger import merkle
    from parlons.ledger.tiles import TILE_HEIGHT, TILE_WIDTH

    cr = merkle.CompactRange()
    buffers: dict[int, tuple[int, bytearray]] = {}
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            "COPY ledger_ledgertile (organisation_id, level, idx, hashes) FROM STDIN"
        ) as copy:
            for i in range(size):
                for level, idx, h in cr.append(merkle.leaf_hash(i.to_bytes(8, "big"))):
                    if level % TILE_HEIGHT:
                        continue
                    tile_level = level // TILE_HEIGHT
                    tile, data = buffers.setdefault(tile_level, (idx // TILE_WIDTH, bytearray()))
                    data.extend(h)
                    if len(data) == TILE_WIDTH * 32:
                        copy.write_row((org.pk, tile_level, tile, bytes(data)))
                        buffers[tile_level] = (tile + 1, bytearray())
            for tile_level, (tile, data) in buffers.items():
                if data:
                    copy.write_row((org.pk, tile_level, tile, bytes(data)))
        cursor.execute("ANALYZE ledger_ledgertile")
    return cr.root(), cr.to_bytes(), cr.size


def _child(out: Path, sizes: list[int], appends: int, runs: int) -> None:
    _django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection, transaction

    from parlons.core.models import Organisation
    from parlons.ledger import merkle, selectors, services
    from parlons.ledger.models import LedgerLog

    results: list[Result] = []
    db = connection.vendor

    def rate_row(
        what: str, label: str, count: int, seconds: float, note: str, target: float | None = 1000 / 2000
    ) -> Result:
        rate = count / seconds
        say(f"{what}: {rate:,.0f} entries/s")
        return Result(
            what,
            db,
            label,
            count,
            seconds * 1000 / count,
            seconds * 1000 / count,
            0.0,
            target,
            f"{rate:,.0f} entries/s; {note}",
        )

    # 1. Append rate. Ballots: one entry per transaction from concurrent callers (the queue, the sequencer on
    # commit); then one caller alone; then batches (an import, a vote closing).
    org = Organisation.objects.create(slug="append", name="Append", host="append.bench.test")
    services.ledger_log_ensure(organisation=org)

    def vacuum_queue() -> None:
        # What autovacuum does in production (the queue table has its own aggressive settings); this bench's
        # server may run without it, and each row should start from a queue without the previous row's dead rows.
        if db == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE) ledger_ledgerpending")

    for callers in (8, 16):
        vacuum_queue()
        per_caller = max(appends // callers, 1)
        elapsed, runs = _concurrent_appends(org, callers, per_caller)
        ceiling = _commit_ceiling(callers, per_caller)
        say(f"{callers} processes of plain INSERT + COMMIT (no Django): {ceiling:,.0f} rows/s")
        results.append(
            rate_row(
                f"ledger append, 1 entry per transaction, {callers} concurrent callers",
                f"{callers * per_caller:,} entries",
                callers * per_caller,
                elapsed,
                f"queue in the caller's transaction + 1 sequencer process ({runs} runs); target ≥ 2,000/s;"
                f" plain INSERT+COMMIT from {callers} processes at the same time: {ceiling:,.0f}/s",
            )
        )
    from django.conf import settings

    settings.PARLONS_LEDGER_INLINE = False
    vacuum_queue()
    n = min(appends, 2000)
    start = time.perf_counter()
    for i in range(n):
        with transaction.atomic():
            services.ledger_append(organisation=org, kind="ballot", payload={**PAYLOAD, "i": i}, ref="v1")
    services.ledger_integrate_all(organisation=org)
    results.append(
        rate_row(
            "ledger append, 1 entry per transaction, 1 caller",
            f"{n:,} entries",
            n,
            time.perf_counter() - start,
            "the sequencer run synchronously after each commit, in the caller (how tests run; in production"
            " it runs in a worker, as in the rows above, which carry the target)",
            target=None,
        )
    )
    vacuum_queue()
    batch, total = 500, appends * 5
    start = time.perf_counter()
    for b in range(total // batch):
        services.ledger_append_many(
            organisation=org, items=[("ballot", {**PAYLOAD, "i": b * batch + k}, "v1") for k in range(batch)]
        )
    services.ledger_integrate_all(organisation=org)
    results.append(
        rate_row(
            f"ledger append, batches of {batch}",
            f"{total:,} entries",
            total,
            time.perf_counter() - start,
            "one transaction per batch",
        )
    )
    # The sequencer alone: a full queue (as after a burst of ballots) integrated into the tree, batch after batch
    # (entries, hash tiles, head): the rate at which the log itself takes entries in.
    vacuum_queue()
    requested = services._integration_requested
    services._integration_requested = lambda organisation_id: None  # type: ignore[assignment]
    for b in range(total // batch):
        services.ledger_append_many(
            organisation=org,
            items=[("ballot", {**PAYLOAD, "i": total + b * batch + k}, "v1") for k in range(batch)],
        )
    services._integration_requested = requested  # type: ignore[assignment]
    start = time.perf_counter()
    integrated = services.ledger_integrate_all(organisation=org)
    assert integrated == total, integrated
    results.append(
        rate_row(
            "ledger sequencer, queued entries integrated into the tree",
            f"{total:,} entries",
            total,
            time.perf_counter() - start,
            f"batches of up to {services.INTEGRATE_BATCH:,} per transaction; target ≥ 2,000/s",
        )
    )
    log = LedgerLog.objects.get(organisation=org)
    assert selectors.root_at(organisation=org, size=log.size) == bytes(log.root_hash)

    # 2. Proofs at large sizes, from hash tiles stored in the database.
    for size in sizes:
        big = Organisation.objects.create(slug=f"big{size}", name=f"Big {size}", host=f"big{size}.bench.test")
        started = time.perf_counter()
        root, compact, tree_size = _bulk_tree(big, size)
        LedgerLog.objects.create(
            organisation=big,
            origin=f"big{size}.bench.test/ledger/big{size}",
            size=tree_size,
            root_hash=root,
            compact_range=compact,
        )
        say(f"{size:,} entries: tree computed and tiles loaded in {time.perf_counter() - started:.0f} s")
        rng = random.Random(size)
        label = f"{size:,} entries"

        def inclusion(i: int, _size: int = size, _org: Any = big, _rng: random.Random = rng) -> Any:
            index = _rng.randrange(_size)
            return lambda: selectors.inclusion_proof_get(organisation=_org, index=index, size=_size)

        def consistency(i: int, _size: int = size, _org: Any = big, _rng: random.Random = rng) -> Any:
            size1 = _rng.randrange(1, _size)
            return lambda: selectors.consistency_proof_get(organisation=_org, size1=size1, size2=_size)

        def root_at(i: int, _size: int = size, _org: Any = big, _rng: random.Random = rng) -> Any:
            s = _rng.randrange(1, _size + 1)
            return lambda: selectors.root_at(organisation=_org, size=s)

        # Sanity: the stored tree verifies.
        index = rng.randrange(size)
        proof = selectors.inclusion_proof_get(organisation=big, index=index, size=size)
        merkle.verify_inclusion(index, size, merkle.leaf_hash(index.to_bytes(8, "big")), proof, root)

        for what, make in (
            ("inclusion proof", inclusion),
            ("consistency proof", consistency),
            ("root at a past size", root_at),
        ):
            r = time_calls(
                f"ledger {what}",
                db,
                label,
                make,
                runs=runs,
                target_ms=PROOF_TARGET_MS,
                note="from stored hash tiles, 2 queries",
            )
            say(f"{size:,}: {what} median {r.median_ms:.2f} ms, p95 {r.p95_ms:.2f} ms")
            results.append(r)

        # Appending to the big log stays O(log n): the production mode (8 concurrent callers, one entry per
        # transaction, the sequencer in its own process) at this size, against the same target as a new log.
        vacuum_queue()
        callers = 8
        per_caller = max(appends // callers, 1)
        elapsed, sequencer_runs = _concurrent_appends(big, callers, per_caller)
        results.append(
            rate_row(
                f"ledger append on a large log, 1 entry per transaction, {callers} concurrent callers",
                label,
                callers * per_caller,
                elapsed,
                f"queue in the caller's transaction + 1 sequencer process ({sequencer_runs} runs); target ≥ 2,000/s",
            )
        )
        log = LedgerLog.objects.get(organisation=big)
        assert selectors.root_at(organisation=big, size=log.size) == bytes(log.root_hash)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('ledger_ledgertile'))")
            say(f"hash tile table size now {cursor.fetchone()[0]}")

    out.write_text(json.dumps({"results": [r.as_dict() for r in results]}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default=os.environ.get("BENCH_LEDGER_SIZES", "1000000,10000000"))
    parser.add_argument("--appends", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.child:
        _child(Path(args.child), sizes, args.appends, args.runs)
        return 0
    results: list[Result] = []
    run(results, sizes=tuple(sizes), appends=args.appends, runs=args.runs)
    print(results_table(results))
    return 0 if results else 1


if __name__ == "__main__":
    raise SystemExit(main())
