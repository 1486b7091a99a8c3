"""Hot-path statements: prepared once per connection on PostgreSQL, and a pipeline of statements is one
transaction (a lock taken by the first holds until the last commits; a failure leaves nothing)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from parlons.common.sql import fetchone_pipelined, fetchone_prepared


@pytest.fixture
def scratch(django_db_blocker):
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS sql_scratch (id integer PRIMARY KEY, note varchar(20))")
        cursor.execute("DELETE FROM sql_scratch")
    yield "sql_scratch"
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS sql_scratch")


def rows():
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, note FROM sql_scratch ORDER BY id")
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
def test_a_pipeline_commits_all_its_statements_or_none(scratch):
    insert = "INSERT INTO sql_scratch (id, note) VALUES (%s, %s) RETURNING id"
    assert fetchone_pipelined([(insert, [1, "first"]), (insert, [2, "second"])]) == (2,)
    assert rows() == [(1, "first"), (2, "second")]
    # The second statement fails (a duplicate key): the first one, already executed, is rolled back with it.
    with pytest.raises(DatabaseError):
        fetchone_pipelined([(insert, [3, "third"]), (insert, [1, "again"])])
    assert rows() == [(1, "first"), (2, "second")]
    # The connection is usable afterwards, in autocommit as before.
    assert fetchone_prepared("SELECT count(*) FROM sql_scratch", []) == (2,)
    assert connection.get_autocommit()


@pytest.mark.django_db(transaction=True)
def test_a_pipeline_inside_a_transaction_joins_it(scratch):
    insert = "INSERT INTO sql_scratch (id, note) VALUES (%s, %s) RETURNING id"
    with pytest.raises(RuntimeError), transaction.atomic():
        fetchone_pipelined([(insert, [7, "kept?"])])
        assert rows() == [(7, "kept?")]
        raise RuntimeError
    assert rows() == []


@pytest.mark.django_db
@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_statements_are_prepared_once_per_connection_on_postgresql():
    query = "SELECT %s::integer + 1 AS n"
    assert fetchone_prepared(query, [1]) == (2,)
    assert fetchone_prepared(query, [41]) == (42,)
    assert fetchone_pipelined([("SELECT pg_advisory_xact_lock_shared(%s, %s)", [1, 2]), (query, [9])]) == (
        10,
    )
    with connection.cursor() as cursor:
        for _ in range(10):  # more than psycopg's default threshold for preparing a repeated query
            cursor.execute("SELECT 12345 + %s", [1])
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [r[0] for r in cursor.fetchall()]
    # One server-side statement for the query, reused by the three calls, and one for the lock.
    assert sum("$1::integer + 1" in s for s in prepared) == 1, prepared
    assert sum("pg_advisory_xact_lock_shared" in s for s in prepared) == 1, prepared
    # Django's own queries stay unprepared (client-side binding), however often they run.
    assert not any("12345" in s for s in prepared), prepared
