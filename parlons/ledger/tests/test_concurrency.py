"""Concurrent appends never fork the tree and never lose an entry (PostgreSQL, real threads and connections).

Appenders only insert into the queue inside their own transaction; the sequencer (a PostgreSQL advisory lock,
one writer per organisation) integrates the queue after each commit, as the huey task does in production.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from parlons.ledger import merkle, selectors, services
from parlons.ledger.models import LedgerEntry, LedgerLog, LedgerPending

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (advisory locks, real concurrency)"
)


def _run_threads(count, target):
    errors = []
    barrier = threading.Barrier(count)

    def work(t):
        try:
            barrier.wait()
            target(t)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(t,)) for t in range(count)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []


def _assert_one_linear_log(org, codes):
    log = LedgerLog.objects.get(organisation=org)
    rows = list(
        LedgerEntry.objects.filter(organisation=org).order_by("index").values_list("index", "data", "code")
    )
    assert [i for i, _d, _c in rows] == list(range(log.size))
    assert sorted(c for _i, _d, c in rows) == sorted(codes)  # every committed entry, exactly once
    leaves = [merkle.leaf_hash(bytes(d)) for _i, d, _c in rows]
    assert (
        bytes(log.root_hash)
        == merkle.root_of_leaves(leaves)
        == selectors.root_at(organisation=org, size=log.size)
    )
    for index in (0, log.size // 2, log.size - 1):
        proof = selectors.inclusion_proof_get(organisation=org, index=index, size=log.size)
        merkle.verify_inclusion(index, log.size, leaves[index], proof, bytes(log.root_hash))


@pytest.mark.postgres_only
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_ballots_are_queued_then_sequenced_without_fork_or_loss(org, settings):
    settings.PARLONS_LEDGER_INLINE = False  # the production path: queue, then the sequencer task on commit
    threads, per_thread = 8, 40
    codes: list[str] = []
    lock = threading.Lock()

    def cast(t):
        for i in range(per_thread):
            with transaction.atomic():
                entry = services.ledger_append(organisation=org, kind="ballot", payload={"t": t, "i": i})
                assert entry.index is None  # queued: the index comes from the sequencer
            with lock:
                codes.append(entry.code)

    _run_threads(threads, cast)
    # The on-commit tasks integrated everything: no entry waits for the periodic catch-up.
    assert LedgerPending.objects.filter(organisation=org).count() == 0
    _assert_one_linear_log(org, codes)


@pytest.mark.postgres_only
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_competing_sequencers_and_rolled_back_appends(org, settings):
    """Several sequencers at once (worker tasks, receipts, checkpoints) still write one linear log, and an
    append whose transaction rolls back never reaches it."""
    settings.PARLONS_LEDGER_INLINE = False
    codes: list[str] = []
    lock = threading.Lock()

    def work(t):
        for i in range(30):
            try:
                with transaction.atomic():
                    entry = services.ledger_append(organisation=org, kind="ballot", payload={"t": t, "i": i})
                    if i % 7 == 3:
                        raise RuntimeError("the ballot's transaction fails")
            except RuntimeError:
                continue
            with lock:
                codes.append(entry.code)
            if i % 5 == 0:
                services.ledger_integrate(organisation=org, limit=3)
            if t == 0 and i % 10 == 0:
                services.checkpoint_create(organisation=org)

    _run_threads(6, work)
    services.ledger_integrate_all(organisation=org)
    _assert_one_linear_log(org, codes)
    latest = selectors.checkpoint_latest(organisation=org)
    assert latest is not None
    proof = selectors.consistency_proof_get(
        organisation=org, size1=latest.size, size2=LedgerLog.objects.get(organisation=org).size
    )
    merkle.verify_consistency(
        latest.size,
        LedgerLog.objects.get(organisation=org).size,
        proof,
        bytes(latest.root_hash),
        bytes(LedgerLog.objects.get(organisation=org).root_hash),
    )
