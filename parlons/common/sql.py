"""Hot-path reads as prepared statements on PostgreSQL.

Django binds parameters on the client (one text query per call), so PostgreSQL plans a query again at every
call; for the few statements run once per request on the busiest paths (a ballot's voter facts) planning costs
more than running. ``fetchone_prepared`` runs such a statement through a server-side-binding cursor on the same
connection (so in the same transaction, or its own implicit one in autocommit) with ``prepare=True``: the plan
is made once per connection and reused. Elsewhere (SQLite) it is a plain Django cursor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection


def fetchone_prepared(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """The first row of ``sql`` (``%s`` placeholders), prepared once per PostgreSQL connection."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, list(params))
            return cursor.fetchone()
    import psycopg

    # Through Django's wrapper for its error translation and connection health checks; the query itself on a
    # server-side-binding cursor of the same psycopg connection.
    with (
        connection.cursor() as wrapper,
        connection.wrap_database_errors,
        psycopg.Cursor(_preparing(wrapper)) as server_cursor,
    ):
        server_cursor.execute(sql, list(params), prepare=True)
        return server_cursor.fetchone()


def _preparing(wrapper: Any) -> Any:
    """The psycopg connection under a Django cursor, with ``prepare=True`` honoured.

    Django turns psycopg's statement preparation off (``prepare_threshold=None``), which also ignores
    ``prepare=True``; a threshold no query reaches keeps the rest of Django's queries unprepared."""
    raw = wrapper.cursor.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = 2**31 - 1
    return raw


def fetchone_pipelined(statements: Sequence[tuple[str, Sequence[Any]]]) -> tuple[Any, ...] | None:
    """Run ``statements`` in order, as prepared statements sent in one round trip (a psycopg pipeline), and
    return the first row of the last one.

    In autocommit mode they form one implicit transaction, committed at the end of the pipeline (so a
    transaction-scoped lock taken by the first holds until the last is committed); inside a transaction they
    join it. Each statement gets its own snapshot (READ COMMITTED), so a statement sees what committed while an
    earlier one waited for a lock. A failing statement skips the rest and raises, rolling back the implicit
    transaction. Elsewhere (SQLite), the same statements in a transaction of their own.
    """
    if connection.vendor != "postgresql":
        from django.db import transaction

        row = None
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, list(params))
                row = cursor.fetchone()
        return row
    import psycopg

    with connection.cursor() as wrapper, connection.wrap_database_errors:
        raw = _preparing(wrapper)
        server_cursors = [psycopg.Cursor(raw) for _ in statements]
        try:
            with raw.pipeline():
                for server_cursor, (sql, params) in zip(server_cursors, statements, strict=True):
                    server_cursor.execute(sql, list(params), prepare=True)
                last = server_cursors[-1].fetchone()
        finally:
            for server_cursor in server_cursors:
                server_cursor.close()
        return last
