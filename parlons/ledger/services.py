"""Writes to the transparency log: append (queue), the sequencer, checkpoints, keys, cosignatures, census.

Other apps (budgets, the decision trail) call only these functions:

- ``ledger_append(organisation=, kind=, payload=, ref="")`` → LedgerEntry (``index`` None while queued)
- ``ledger_append_many(organisation=, items=[(kind, payload, ref), ...])`` → [LedgerEntry]
- ``checkpoint_create(organisation=, reason=)`` → LedgerCheckpoint (e.g. at vote opening and closing)
- ``census_commit(organisation=, ref=, pseudonyms=)`` → the census commitment to put in a vote's opening entry
- ``receipt_for(entry)`` → dict (in receipts.py)

How appends scale (the design of Trillian and Tessera). ``ledger_append`` only inserts the entry's final bytes
(and its receipt code) in a queue table, ``LedgerPending``, inside the caller's own transaction: a ballot and its
log entry commit together, and concurrent callers take no lock. After the commit a huey task runs the
**sequencer**, ``ledger_integrate``: the single writer of an organisation's log (a PostgreSQL advisory lock; on
SQLite the write lock taken by touching the head row), which takes the queued entries in batches, assigns their
indices in order, computes the new tree nodes, stores entries and hash tiles, and moves the head. A periodic
task catches anything a lost task left behind; a receipt, a checkpoint and a recount run the sequencer
synchronously when they need indices now. When tasks run inline (tests, ``PARLONS_LEDGER_INLINE``), every
append is integrated at once in the caller's transaction, so ``entry.index`` is set on return.

The unique (organisation, index) constraint makes a fork impossible even if a writer bypassed the lock.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parlons.common.errors import Conflict, ValidationFailed
from parlons.common.sql import fetchone_pipelined
from parlons.core.models import Organisation
from parlons.ledger import census, keys, merkle, note
from parlons.ledger.entries import encode_entry, receipt_code
from parlons.ledger.models import (
    LedgerCensus,
    LedgerCheckpoint,
    LedgerCosignature,
    LedgerEntry,
    LedgerLog,
    LedgerPending,
    LedgerSigningKey,
    LedgerTile,
)
from parlons.ledger.tiles import MAX_ENTRY_SIZE, TILE_WIDTH, tile_appends

logger = logging.getLogger(__name__)

MAX_KIND_LENGTH = 40
# Entries integrated per sequencer transaction (a few MB of rows at most).
INTEGRATE_BATCH = 5000
# First key of the PostgreSQL advisory locks of the sequencer (the second is the organisation id).
_LOCK_SPACE = 0x4C47  # "LG"


# --- The log head ----------------------------------------------------------------------------------------------


def log_origin(organisation: Organisation) -> str:
    """The checkpoint origin: the schema-less URL prefix of the log (C2SP tlog-tiles)."""
    host = getattr(settings, "PARLONS_LEDGER_ORIGIN_HOST", "") or organisation.host or "parlons.localhost"
    return f"{host}/ledger/{organisation.slug}"


def _head(organisation: Organisation) -> LedgerLog:
    qs = LedgerLog.objects.for_organisation(organisation)
    log = qs.first()
    if log is not None:
        return log
    try:
        with transaction.atomic():
            LedgerLog.objects.create(
                organisation=organisation, origin=log_origin(organisation), root_hash=merkle.EMPTY_ROOT
            )
    except IntegrityError:
        pass  # created concurrently
    return qs.get()


def _lock_log(organisation: Organisation) -> LedgerLog:
    """Become the single writer of the organisation's log until the transaction ends; returns the fresh head.

    PostgreSQL: a transaction-level advisory lock (the head row itself is never locked by appenders).
    SQLite: writing the head row takes the database's write lock at once (no read-then-upgrade deadlock).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("the ledger lock needs a transaction")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, organisation.pk])
    elif not LedgerLog.objects.filter(organisation=organisation).update(updated_at=timezone.now()):
        _head(organisation)
        LedgerLog.objects.filter(organisation=organisation).update(updated_at=timezone.now())
    log = LedgerLog.objects.for_organisation(organisation).first()
    return log if log is not None else _head(organisation)


@transaction.atomic
def ledger_log_ensure(*, organisation: Organisation) -> LedgerLog:
    """The organisation's log head, created empty (with its signing key) on first use."""
    log = _head(organisation)
    signing_key_ensure(organisation=organisation)
    return log


# --- Appending: the queue ------------------------------------------------------------------------------------------


def _prepare(kind: str, payload: dict[str, Any], ref: str, now: dt.datetime) -> tuple[str, str, bytes]:
    if not kind or len(kind) > MAX_KIND_LENGTH:
        raise ValidationFailed(_("A log entry needs a kind of at most 40 characters."), field="kind")
    if len(ref) > 80:
        raise ValidationFailed(_("A log entry reference has at most 80 characters."), field="ref")
    try:
        data = encode_entry(kind=kind, payload=payload, ref=ref, at=now)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(_("A log entry must be plain JSON data."), field="payload") from exc
    if len(data) > MAX_ENTRY_SIZE:
        raise ValidationFailed(_("A log entry is limited to 64 KiB."), field="payload")
    return kind, ref, data


def integrate_inline() -> bool:
    """Whether appends are integrated at once, in the caller's transaction (tests and inline task queues)."""
    value = getattr(settings, "PARLONS_LEDGER_INLINE", None)
    if value is not None:
        return bool(value)
    from huey.contrib.djhuey import HUEY

    return bool(HUEY.immediate)


def ledger_prepare(
    *,
    organisation: Organisation,
    kind: str,
    payload: dict[str, Any],
    ref: str = "",
    at: dt.datetime | None = None,
) -> LedgerEntry:
    """The entry's final bytes and receipt code, not stored yet (``index`` None), for ``ledger_append_with``.

    Raises ValidationFailed for an empty kind, a reference above 80 characters or an entry above 64 KiB."""
    now = at or timezone.now()
    kind, ref, data = _prepare(kind, payload, ref, now)
    return LedgerEntry(
        organisation=organisation,
        index=None,  # type: ignore[misc]  # not stored yet: the sequencer gives the index
        kind=kind,
        ref=ref,
        data=data,
        code=receipt_code(merkle.leaf_hash(data)),
        created_at=now,
    )


_PENDING_COLUMNS = "organisation_id, kind, ref, data, code, created_at"


def _pending_values(entry: LedgerEntry) -> list[Any]:
    return [entry.organisation_id, entry.kind, entry.ref, entry.data, entry.code, entry.created_at]


def ledger_append(
    *, organisation: Organisation, kind: str, payload: dict[str, Any], ref: str = ""
) -> LedgerEntry:
    """Append one entry to the organisation's log; returns it with its receipt code (``code``).

    The entry joins the caller's transaction through the queue (no lock): ``index`` is None until the
    sequencer integrates it, shortly after the commit (``ledger_entry_integrated`` waits for it). ``payload``
    must be JSON-serialisable and hold no personal data (the log can never be erased); ``ref`` is an optional
    grouping key (a vote id, a subject's public id) that readers and recount hooks filter on. Raises
    ValidationFailed for an empty kind, a reference above 80 characters or an entry above 64 KiB.
    """
    entry = ledger_prepare(organisation=organisation, kind=kind, payload=payload, ref=ref)
    if connection.vendor != "postgresql" or integrate_inline():
        return _append_prepared(organisation, [entry])[0]
    # The hot path (every ballot, every decision): one plain INSERT, atomic on its own in autocommit mode or
    # part of the caller's transaction; no savepoint, no model machinery.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {LedgerPending._meta.db_table} ({_PENDING_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s)",  # noqa: S608
            _pending_values(entry),
        )
    transaction.on_commit(functools.partial(_integration_requested, organisation.pk))
    return entry


def ledger_append_many(
    *, organisation: Organisation, items: Sequence[tuple[str, dict[str, Any], str]]
) -> list[LedgerEntry]:
    """Append several entries, in this order, in the caller's transaction (see ``ledger_append``)."""
    now = timezone.now()
    entries = [
        ledger_prepare(organisation=organisation, kind=kind, payload=payload, ref=ref, at=now)
        for kind, payload, ref in items
    ]  # every entry is validated before any write
    return _append_prepared(organisation, entries) if entries else []


def ledger_append_with(
    *,
    entry: LedgerEntry,
    write_sql: str,
    write_params: Sequence[Any],
    before_sql: str = "",
    before_params: Sequence[Any] = (),
) -> tuple[tuple[Any, ...] | None, LedgerEntry | None]:
    """Run the caller's write and queue ``entry`` (from ``ledger_prepare``) only if that write changed a row.

    ``write_sql`` is one data-modifying statement writing at most one row, with ``RETURNING``; ``before_sql``
    an optional statement run just before it (a lock). Returns (the row the write returned, the entry), or
    (None, None) when the write changed nothing (then nothing is queued either).

    On PostgreSQL, everything is one SQL message: ``before_sql``, then the write and the queue insert in one
    statement (a data-modifying WITH), so a ballot and its log entry cost one round trip and, in autocommit
    mode, one implicit transaction with one commit: both are stored, or neither is. Elsewhere (SQLite) the
    same happens in a transaction of its own, statement by statement.
    """
    organisation = entry.organisation
    if connection.vendor == "postgresql" and not integrate_inline():
        sql = (
            f"WITH w AS ({write_sql}), q AS (INSERT INTO {LedgerPending._meta.db_table} ({_PENDING_COLUMNS})"  # noqa: S608
            " SELECT %s, %s, %s, %s, %s, %s FROM w RETURNING id) SELECT w.* FROM w, q"
        )
        params = [*write_params, *_pending_values(entry)]
        # Prepared statements sent in one round trip: no planning per call and, in autocommit mode, one implicit
        # transaction (the lock, then the write with a snapshot taken once the lock is granted) with one commit.
        before = [(before_sql, before_params)] if before_sql else []
        row = fetchone_pipelined([*before, (sql, params)])
        if row is None:
            return None, None
        transaction.on_commit(functools.partial(_integration_requested, organisation.pk))
        return tuple(row), entry
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            if before_sql:
                cursor.execute(before_sql, list(before_params))
            cursor.execute(write_sql, list(write_params))
            row = cursor.fetchone()
        if row is None:
            return None, None
        return tuple(row), _append_prepared(organisation, [entry])[0]


@transaction.atomic(savepoint=False)  # entries are validated before any write: no savepoint round trips
def _append_prepared(organisation: Organisation, entries: list[LedgerEntry]) -> list[LedgerEntry]:
    """Queue prepared entries in order (COPY on PostgreSQL), then integrate them now when tasks run inline."""
    table = LedgerPending._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Ids first (sequence order is queue order), then one COPY: no per-row statement or model instance.
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, len(entries)],
            )
            ids = sorted(r[0] for r in cursor.fetchall())
            with cursor.cursor.copy(f"COPY {table} (id, {_PENDING_COLUMNS}) FROM STDIN") as copy:
                for pk, entry in zip(ids, entries, strict=True):
                    copy.write_row([pk, *_pending_values(entry)])
    else:
        rows = [
            LedgerPending(
                organisation=organisation,
                kind=e.kind,
                ref=e.ref,
                data=e.data,
                code=e.code,
                created_at=e.created_at,
            )
            for e in entries
        ]
        LedgerPending.objects.bulk_create(rows, batch_size=2000)
        ids = [r.pk for r in rows]
    if integrate_inline():
        positions = ledger_integrate(organisation=organisation, limit=None)
        stored = {
            e.index: e
            for e in LedgerEntry.objects.for_organisation(organisation).filter(
                index__in=[positions[pk] for pk in ids]
            )
        }
        return [stored[positions[pk]] for pk in ids]
    transaction.on_commit(functools.partial(_integration_requested, organisation.pk))
    return entries


def _integration_requested(organisation_id: int) -> None:
    from parlons.ledger import tasks

    try:
        tasks.request_integration(organisation_id)
    except Exception:  # the caller's transaction is committed: never fail it; the minute task catches up
        logger.exception("could not request the ledger sequencer for organisation %s", organisation_id)


# --- The sequencer ------------------------------------------------------------------------------------------------


def _take_pending(organisation: Organisation, limit: int | None) -> list[tuple[Any, ...]]:
    """Remove and return the oldest queued entries (id, kind, ref, data, code, created_at), in id order."""
    table = LedgerPending._meta.db_table
    if connection.vendor == "postgresql":
        limit_sql = "LIMIT %s" if limit else ""
        params: list[Any] = [organisation.pk] + ([limit] if limit else [])
        with connection.cursor() as cursor:
            # The oldest ``limit`` ids by walking the (organisation, id) index, and each row by its primary key:
            # a queue table's statistics lag behind its churn (rows in by the thousand, out by the batch), and a
            # plan built on them (a bitmap or sequential scan of the whole queue, then a sort) would make every
            # batch cost the size of the queue. The settings hold for this statement only.
            forced = bool(limit)
            if forced:
                cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")
            cursor.execute(
                f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE organisation_id = %s"  # noqa: S608
                f" ORDER BY organisation_id, id {limit_sql}) RETURNING id, kind, ref, data, code, created_at",
                params,
            )
            rows = cursor.fetchall()
            if forced:
                cursor.execute("SET LOCAL enable_seqscan TO DEFAULT; SET LOCAL enable_bitmapscan TO DEFAULT")
        rows.sort(key=lambda r: r[0])
        return rows
    qs = LedgerPending.objects.filter(organisation=organisation).order_by("id")
    taken = list((qs[:limit] if limit else qs).values_list("id", "kind", "ref", "data", "code", "created_at"))
    if taken:
        LedgerPending.objects.filter(pk__in=[r[0] for r in taken]).delete()
    return taken


def _insert_entries(organisation: Organisation, rows: list[tuple[int, str, str, bytes, str, Any]]) -> None:
    if connection.vendor == "postgresql" and len(rows) > 8:
        columns = "organisation_id, index, kind, ref, data, code, created_at"
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {LedgerEntry._meta.db_table} ({columns}) FROM STDIN") as copy,
        ):
            for index, kind, ref, data, code, created_at in rows:
                copy.write_row((organisation.pk, index, kind, ref, data, code, created_at))
        return
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                organisation=organisation,
                index=index,
                kind=kind,
                ref=ref,
                data=data,
                code=code,
                created_at=created_at,
            )
            for index, kind, ref, data, code, created_at in rows
        ],
        batch_size=2000,
    )


def _write_tiles(organisation: Organisation, appends: dict[tuple[int, int], tuple[int, bytes]]) -> None:
    """Extend the hash tiles: rewrite the right-edge partial tiles, insert the new ones (one upsert)."""
    partial = [tile for tile, (offset, _data) in appends.items() if offset]
    existing: dict[tuple[int, int], bytes] = {}
    if partial:
        rows = LedgerTile.objects.filter(organisation=organisation, level__in={lv for lv, _n in partial})
        rows = rows.filter(idx__in={n for _lv, n in partial})
        existing = {(t.level, t.idx): bytes(t.hashes) for t in rows}
    tiles = []
    for (level, idx), (offset, data) in appends.items():
        before = existing.get((level, idx), b"")
        if len(before) != offset * 32:
            raise Conflict(_("The stored hash tiles do not match the log head."), code="ledger_tiles")
        tiles.append(LedgerTile(organisation=organisation, level=level, idx=idx, hashes=before + data))
        if len(before + data) > TILE_WIDTH * 32:
            raise Conflict(_("The stored hash tiles do not match the log head."), code="ledger_tiles")
    LedgerTile.objects.bulk_create(
        tiles,
        update_conflicts=True,
        unique_fields=["organisation", "level", "idx"],
        update_fields=["hashes"],
    )


@transaction.atomic
def ledger_integrate(*, organisation: Organisation, limit: int | None = INTEGRATE_BATCH) -> dict[int, int]:
    """The sequencer: integrate queued entries into the log, in one transaction; returns {queue id: index}.

    Single writer per organisation (``_lock_log``); takes at most ``limit`` entries (None: all), oldest
    first among the committed ones, gives them the next indices, stores the entries, extends the hash tiles
    (O(log n) hashes per entry, the right-edge tiles rewritten once per batch) and moves the head. An empty
    queue costs one lock and one query.
    """
    log = _lock_log(organisation)
    rows = _take_pending(organisation, limit)
    if not rows:
        return {}
    cr = merkle.CompactRange.from_bytes(log.size, bytes(log.compact_range))
    created: list[tuple[int, int, bytes]] = []
    entries = []
    positions: dict[int, int] = {}
    for pid, kind, ref, data, code, created_at in rows:
        data = bytes(data)
        index = cr.size
        created.extend(cr.append(merkle.leaf_hash(data)))
        entries.append((index, kind, ref, data, code, created_at))
        positions[pid] = index
    _insert_entries(organisation, entries)
    _write_tiles(organisation, tile_appends(created))
    LedgerLog.objects.filter(pk=log.pk).update(
        size=cr.size, compact_range=cr.to_bytes(), root_hash=cr.root(), updated_at=timezone.now()
    )
    return positions


def ledger_integrate_all(*, organisation: Organisation) -> int:
    """Run the sequencer until the queue is empty (batch after batch); returns how many entries it integrated."""
    total = 0
    while True:
        done = len(ledger_integrate(organisation=organisation))
        total += done
        if done < INTEGRATE_BATCH:
            return total


def pending_count(*, organisation: Organisation) -> int:
    return LedgerPending.objects.for_organisation(organisation).count()


def ledger_entry_integrated(entry: LedgerEntry) -> LedgerEntry:
    """The stored entry for ``entry`` (as returned by ``ledger_append``), running the sequencer now if needed.

    Raises NotFound-like LookupError if the entry is neither queued nor in the log (its transaction rolled back).
    """
    if entry.index is not None and entry.pk is not None:
        return entry
    organisation = entry.organisation
    found = (
        LedgerEntry.objects.for_organisation(organisation).filter(code=entry.code).order_by("index").first()
    )
    if found is None:
        ledger_integrate_all(organisation=organisation)
        found = (
            LedgerEntry.objects.for_organisation(organisation)
            .filter(code=entry.code)
            .order_by("index")
            .first()
        )
    if found is None:
        raise LookupError("this entry is neither queued nor in the log")
    return found


# --- Keys and checkpoints ----------------------------------------------------------------------------------------


def signer_for(key: LedgerSigningKey) -> note.Signer:
    seed = keys.unseal(bytes(key.sealed_private_key), organisation_id=key.organisation_id, key_id=key.key_id)
    return note.Signer.from_seed(key.name, seed)


def verifier_for(key: LedgerSigningKey) -> note.Verifier:
    pub = bytes(key.public_key)
    return note.Verifier(key.name, note.key_id(key.name, note.ALG_ED25519, pub), pub)


@transaction.atomic
def signing_key_ensure(*, organisation: Organisation) -> LedgerSigningKey:
    """The organisation's active signing key, generated (and sealed, see keys.py) on first use."""
    key = LedgerSigningKey.objects.for_organisation(organisation).filter(is_active=True).first()
    if key is not None:
        return key
    log = _lock_log(organisation)  # serialises key creation with the sequencer and checkpoints
    key = LedgerSigningKey.objects.for_organisation(organisation).filter(is_active=True).first()
    if key is not None:
        return key
    signer = note.Signer.generate(log.origin)
    v = signer.verifier()
    return LedgerSigningKey.objects.create(
        organisation=organisation,
        name=signer.name,
        key_id=v.key_id.hex(),
        public_key=v.public_key,
        sealed_private_key=keys.seal(signer.seed(), organisation_id=organisation.pk, key_id=v.key_id.hex()),
    )


@transaction.atomic
def checkpoint_create(
    *, organisation: Organisation, reason: str = LedgerCheckpoint.Reason.MANUAL
) -> LedgerCheckpoint:
    """Sign the log's current head as a C2SP checkpoint and store it.

    Budgets call this at every vote opening and closing (``reason`` "vote_opened"/"vote_closed"); the hourly
    task calls ``checkpoint_if_grown``. Integrates every queued entry first (including the caller's own,
    uncommitted ones), under the sequencer's lock, so the size and root signed are those of a real state.
    """
    if reason not in LedgerCheckpoint.Reason.values:
        raise ValidationFailed(_("Unknown checkpoint reason."), field="reason")
    key = signing_key_ensure(organisation=organisation)
    ledger_integrate_all(organisation=organisation)
    log = _lock_log(organisation)
    text = note.Checkpoint(log.origin, log.size, bytes(log.root_hash)).text()
    signed = note.sign(text, signer_for(key))
    return LedgerCheckpoint.objects.create(
        organisation=organisation,
        size=log.size,
        root_hash=bytes(log.root_hash),
        note=signed,
        reason=reason,
        key=key,
    )


def checkpoint_if_grown(*, organisation: Organisation) -> LedgerCheckpoint | None:
    """A scheduled checkpoint, only when the log grew since the latest one (queued entries integrated first)."""
    ledger_integrate_all(organisation=organisation)
    log = LedgerLog.objects.for_organisation(organisation).first()
    if log is None or log.size == 0:
        return None
    latest = LedgerCheckpoint.objects.for_organisation(organisation).order_by("-size", "-id").first()
    if latest is not None and latest.size >= log.size:
        return None
    return checkpoint_create(organisation=organisation, reason=LedgerCheckpoint.Reason.SCHEDULED)


def checkpoint_if_due(*, organisation: Organisation, max_age: dt.timedelta) -> LedgerCheckpoint | None:
    """The sequencer's checkpoint: sign when the log grew and the latest checkpoint is older than ``max_age``."""
    log = LedgerLog.objects.for_organisation(organisation).first()
    if log is None or log.size == 0:
        return None
    latest = LedgerCheckpoint.objects.for_organisation(organisation).order_by("-size", "-id").first()
    if latest is not None and (latest.size >= log.size or timezone.now() - latest.created_at < max_age):
        return None
    return checkpoint_create(organisation=organisation, reason=LedgerCheckpoint.Reason.SCHEDULED)


def checkpoints_hourly() -> int:
    """Run ``checkpoint_if_grown`` for every organisation with a log; returns how many were signed."""
    count = 0
    for log in LedgerLog.objects.select_related("organisation"):
        if checkpoint_if_grown(organisation=log.organisation) is not None:
            count += 1
    return count


@transaction.atomic
def checkpoint_add_cosignature(
    *, checkpoint: LedgerCheckpoint, witness_vkey: str, line: str
) -> LedgerCosignature:
    """Attach a witness's tlog-cosignature/v1 line, after verifying it over the checkpoint body.

    Raises ValidationFailed if the key is malformed or not a cosignature key, or the signature is wrong.
    """
    try:
        witness = note.Verifier.parse(witness_vkey)
        text = note.parse(checkpoint.note).text
        timestamp = note.verify_cosignature(text, line, witness)
    except note.NoteError as exc:
        raise ValidationFailed(
            _("The cosignature does not verify: %(why)s") % {"why": exc}, field="line"
        ) from exc
    obj, _created = LedgerCosignature.objects.update_or_create(
        checkpoint=checkpoint,
        witness_vkey=witness.vkey(),
        defaults={
            "witness_name": witness.name,
            "timestamp": timestamp,
            "line": line if line.endswith("\n") else line + "\n",
        },
    )
    return obj


def checkpoint_served_note(checkpoint: LedgerCheckpoint) -> str:
    """The checkpoint as served: the log's signed note plus the witnesses' cosignature lines."""
    return checkpoint.note + "".join(c.line for c in checkpoint.cosignatures.all())


# --- Connecting the decision trail (registered in apps.py) ---------------------------------------------------------


def _sha256_hex(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def _file_sha256(field: Any) -> str:
    if not field:
        return ""
    h = hashlib.sha256()
    field.open("rb")
    try:
        for chunk in field.chunks():
            h.update(chunk)
    finally:
        field.close()
    return h.hexdigest()


def subject_reference(subject: Any) -> str:
    """The organisation-scoped public id of a contribution: ``app.model:public_id`` (pk when it has none)."""
    label = subject._meta.label_lower
    return f"{label}:{getattr(subject, 'public_id', None) or subject.pk}"


def decision_payload(event: Any) -> dict[str, Any]:
    """What the log keeps of a decision-trail event: hashes, statuses, the role, never the author."""
    documents = [
        {
            "title_sha256": _sha256_hex(doc.title),
            "url_sha256": _sha256_hex(doc.url) if doc.url else "",
            "file_sha256": _file_sha256(doc.file),
        }
        for doc in event.documents.order_by("pk")
    ]
    payload: dict[str, Any] = {
        "event": event.kind,
        "subject": subject_reference(event.subject)
        if event.subject is not None
        else f"{event.content_type.app_label}.{event.content_type.model}:{event.object_id}",
        "body_sha256": _sha256_hex(event.body),
        "documents": documents,
        "role": event.author_role,
        "public": event.is_public,
        "recorded_at": event.created_at.astimezone(dt.UTC).isoformat(),
    }
    if event.is_public:
        payload["from_status"], payload["to_status"] = event.from_status, event.to_status
    else:  # internal steps: provable later, not readable now
        payload["statuses_sha256"] = _sha256_hex(f"{event.from_status}\n{event.to_status}")
    return payload


def on_decision_recorded(event: Any) -> None:
    """Listener for ``parlons.core.hooks.decision_recorded_listeners``: log every decision-trail event."""
    payload = decision_payload(event)
    ledger_append(
        organisation=event.organisation, kind="decision", payload=payload, ref=payload["subject"][:80]
    )


# --- The census commitment of a vote ------------------------------------------------------------------------------


@transaction.atomic
def census_commit(*, organisation: Organisation, ref: str, pseudonyms: Iterable[str]) -> dict[str, Any]:
    """Record the census of vote ``ref`` at its opening; returns the commitment for the opening entry.

    ``pseudonyms`` are the per-vote pseudonyms of every eligible person (keyed hashes, never names or e-mail
    addresses). The sorted list is kept beside the log (``LedgerCensus``) to serve inclusion proofs; the
    returned ``{"scheme", "count", "root"}`` (see census.py) goes into the log, in the vote's opening entry.
    Raises ValidationFailed for an unusable pseudonym, Conflict if the vote already has a census.
    """
    try:
        ordered = census.members(pseudonyms)
    except ValueError as exc:
        raise ValidationFailed(
            _("A census pseudonym is a single line of at most 128 characters."), field="pseudonyms"
        ) from exc
    if not ref or len(ref) > 80:
        raise ValidationFailed(_("A log entry reference has at most 80 characters."), field="ref")
    commitment = census.commitment(ordered)
    try:
        with transaction.atomic():
            LedgerCensus.objects.create(
                organisation=organisation,
                ref=ref,
                count=len(ordered),
                root_hash=base64.b64decode(commitment["root"]),
                members="\n".join(ordered),
            )
    except IntegrityError as exc:
        raise Conflict(_("This vote's census was already committed."), field="ref") from exc
    return commitment
