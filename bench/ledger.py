"""Benchmarks of the transparency log on PostgreSQL: append rate, and proof times at 1 M (and 10 M) entries.

    .venv/bin/python -m bench.ledger [--sizes 1000000,10000000] [--appends 3000] [--runs 200]

``run(results)`` is what ``bench/run.py`` calls: it appends ``bench.measure.Result`` rows. The work runs in a
child process on a database ``parlons_ledger_bench`` that is dropped and re-created (never ``var/``, never
the test databases). The large trees are loaded straight into the node table with COPY (hashes computed by
``merkle.CompactRange``, the same code the append service uses), because appending 10 M entries one by one
would only measure the append rate again; proofs then read those stored nodes exactly as in production.
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

from bench.measure import Result, results_table, time_calls

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


def run(
    results: list[Result], *, sizes: tuple[int, ...] = (1_000_000,), appends: int = 3000, runs: int = 200
) -> None:
    """Measure the ledger on PostgreSQL and append the rows to ``results`` (nothing if PostgreSQL is absent)."""
    from bench.run import recreate_postgres

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


def _child(out: Path, sizes: list[int], appends: int, runs: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    from parlons.core.models import Organisation
    from parlons.ledger import merkle, selectors, services
    from parlons.ledger.models import LedgerLog

    results: list[Result] = []
    db = connection.vendor

    # 1. Append rate: one entry per transaction (a ballot cast), then batches (an import, a vote closing).
    org = Organisation.objects.create(slug="append", name="Append", host="append.bench.test")
    services.ledger_log_ensure(organisation=org)
    payload = {"vote": "v1", "voter": "9f" * 16, "choices": ["p12", "p31", "p7"]}
    for _ in range(50):
        services.ledger_append(organisation=org, kind="ballot", payload=payload, ref="v1")
    start = time.perf_counter()
    for i in range(appends):
        services.ledger_append(organisation=org, kind="ballot", payload={**payload, "i": i}, ref="v1")
    single = time.perf_counter() - start
    rate = appends / single
    say(f"append, one per transaction: {rate:,.0f} entries/s")
    results.append(
        Result(
            "ledger append, 1 entry per transaction",
            db,
            f"{appends:,} entries",
            appends,
            single * 1000 / appends,
            single * 1000 / appends,
            0.0,
            1000 / 2000,
            f"{rate:,.0f} entries/s; target ≥ 2,000/s",
        )
    )
    batch, total = 500, appends * 10
    start = time.perf_counter()
    for b in range(total // batch):
        services.ledger_append_many(
            organisation=org, items=[("ballot", {**payload, "i": b * batch + k}, "v1") for k in range(batch)]
        )
    many = time.perf_counter() - start
    rate_many = total / many
    say(f"append, batches of {batch}: {rate_many:,.0f} entries/s")
    results.append(
        Result(
            f"ledger append, batches of {batch}",
            db,
            f"{total:,} entries",
            total // batch,
            many * 1000 / total,
            many * 1000 / total,
            0.0,
            1000 / 2000,
            f"{rate_many:,.0f} entries/s; target ≥ 2,000/s",
        )
    )

    # 2. Proofs at large sizes, from nodes stored in the database.
    for size in sizes:
        big = Organisation.objects.create(slug=f"big{size}", name=f"Big {size}", host=f"big{size}.bench.test")
        started = time.perf_counter()
        cr = merkle.CompactRange()
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE ledger_ledgernode SET (autovacuum_enabled = false)")
            with cursor.cursor.copy(
                "COPY ledger_ledgernode (organisation_id, level, idx, hash) FROM STDIN"
            ) as copy:
                for i in range(size):
                    for level, idx, h in cr.append(merkle.leaf_hash(i.to_bytes(8, "big"))):
                        copy.write_row((big.pk, level, idx, h))
            cursor.execute("ANALYZE ledger_ledgernode")
        LedgerLog.objects.create(
            organisation=big,
            origin=f"big{size}.bench.test/ledger/big{size}",
            size=cr.size,
            root_hash=cr.root(),
            compact_range=cr.to_bytes(),
        )
        load_s = time.perf_counter() - started
        say(f"{size:,} entries: {2 * size:,} nodes loaded in {load_s:.0f} s")
        rng = random.Random(size)
        label = f"{size:,} entries"

        def inclusion(i: int, _size: int = size, _org: Any = big, _rng: random.Random = rng) -> Any:
            index = _rng.randrange(_size)
            return lambda: selectors.inclusion_proof_get(organisation=_org, index=index, size=_size)

        def consistency(i: int, _size: int = size, _org: Any = big, _rng: random.Random = rng) -> Any:
            size1 = _rng.randrange(1, _size)
            return lambda: selectors.consistency_proof_get(organisation=_org, size1=size1, size2=_size)

        def root(i: int, _size: int = size, _org: Any = big, _rng: random.Random = rng) -> Any:
            s = _rng.randrange(1, _size + 1)
            return lambda: selectors.root_at(organisation=_org, size=s)

        # Sanity: the stored tree verifies.
        index = rng.randrange(size)
        proof = selectors.inclusion_proof_get(organisation=big, index=index, size=size)
        merkle.verify_inclusion(index, size, merkle.leaf_hash(index.to_bytes(8, "big")), proof, cr.root())

        for what, make in (
            ("inclusion proof", inclusion),
            ("consistency proof", consistency),
            ("root at a past size", root),
        ):
            r = time_calls(
                f"ledger {what}",
                db,
                label,
                make,
                runs=runs,
                target_ms=PROOF_TARGET_MS,
                note="from stored nodes, one query",
            )
            say(f"{size:,}: {what} median {r.median_ms:.2f} ms, p95 {r.p95_ms:.2f} ms")
            results.append(r)

        # Appending to the big log stays O(log n): one entry per transaction at this size.
        n = 500
        start = time.perf_counter()
        for i in range(n):
            services.ledger_append(organisation=big, kind="ballot", payload={**payload, "i": i}, ref="v1")
        elapsed = time.perf_counter() - start
        say(f"{size:,}: append {n / elapsed:,.0f} entries/s")
        results.append(
            Result(
                "ledger append on a large log, 1 per transaction",
                db,
                label,
                n,
                elapsed * 1000 / n,
                elapsed * 1000 / n,
                0.0,
                1000 / 2000,
                f"{n / elapsed:,.0f} entries/s",
            )
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('ledger_ledgernode'))")
            say(f"node table size now {cursor.fetchone()[0]}")

    out.write_text(json.dumps({"results": [r.as_dict() for r in results]}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default=os.environ.get("BENCH_LEDGER_SIZES", "1000000"))
    parser.add_argument("--appends", type=int, default=3000)
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
