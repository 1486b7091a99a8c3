"""Concurrent appends never fork the tree (PostgreSQL: row lock on the log head)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from parlons.ledger import merkle, selectors, services
from parlons.ledger.models import LedgerEntry, LedgerLog

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (row locks, real concurrency)"
)


@pytest.mark.postgres_only
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_fork(org):
    threads, per_thread, errors = 8, 25, []
    barrier = threading.Barrier(threads)

    def work(t):
        try:
            barrier.wait()
            for i in range(per_thread):
                services.ledger_append(organisation=org, kind="ballot", payload={"t": t, "i": i})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    total = threads * per_thread
    log = LedgerLog.objects.get(organisation=org)
    indexes = list(
        LedgerEntry.objects.filter(organisation=org).order_by("index").values_list("index", flat=True)
    )
    assert log.size == total and indexes == list(range(total))
    leaves = [
        merkle.leaf_hash(bytes(d))
        for d in LedgerEntry.objects.filter(organisation=org).order_by("index").values_list("data", flat=True)
    ]
    assert (
        bytes(log.root_hash)
        == merkle.root_of_leaves(leaves)
        == selectors.root_at(organisation=org, size=total)
    )
