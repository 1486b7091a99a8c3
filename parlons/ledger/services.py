"""Writes to the transparency log: append, checkpoints, keys, cosignatures. The entry API for other apps.

Other apps (budgets, the decision trail) call only these functions:

- ``ledger_append(organisation=, kind=, payload=, ref="")`` → LedgerEntry
- ``ledger_append_many(organisation=, items=[(kind, payload, ref), ...])`` → [LedgerEntry] (one transaction)
- ``checkpoint_create(organisation=, reason=)`` → LedgerCheckpoint (e.g. at vote opening and closing)
- ``receipt_for(entry)`` → dict (in receipts.py; re-exported here)

Appends are serialised per organisation by a row lock on the log head (``SELECT … FOR UPDATE`` on PostgreSQL;
SQLite has a single writer), and the unique (organisation, index) constraint makes a fork impossible even if
a caller bypassed the lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parlons.common.errors import ValidationFailed
from parlons.core.models import Organisation
from parlons.ledger import keys, merkle, note
from parlons.ledger.entries import encode_entry, receipt_code
from parlons.ledger.models import (
    LedgerCheckpoint,
    LedgerCosignature,
    LedgerEntry,
    LedgerLog,
    LedgerNode,
    LedgerSigningKey,
)
from parlons.ledger.tiles import MAX_ENTRY_SIZE

MAX_KIND_LENGTH = 40


# --- The log head ----------------------------------------------------------------------------------------------


def log_origin(organisation: Organisation) -> str:
    """The checkpoint origin: the schema-less URL prefix of the log (C2SP tlog-tiles)."""
    host = getattr(settings, "PARLONS_LEDGER_ORIGIN_HOST", "") or organisation.host or "parlons.localhost"
    return f"{host}/ledger/{organisation.slug}"


def _head(organisation: Organisation, *, lock: bool) -> LedgerLog:
    qs = LedgerLog.objects.for_organisation(organisation)
    if lock:
        qs = qs.select_for_update()
    log = qs.first()
    if log is not None:
        return log
    try:
        with transaction.atomic():
            LedgerLog.objects.create(
                organisation=organisation, origin=log_origin(organisation), root_hash=merkle.EMPTY_ROOT
            )
    except IntegrityError:
        pass  # created concurrently: lock the winner's row below
    return qs.get()


@transaction.atomic
def ledger_log_ensure(*, organisation: Organisation) -> LedgerLog:
    """The organisation's log head, created empty (with its signing key) on first use."""
    log = _head(organisation, lock=False)
    signing_key_ensure(organisation=organisation)
    return log


def ledger_append(
    *, organisation: Organisation, kind: str, payload: dict[str, Any], ref: str = ""
) -> LedgerEntry:
    """Append one entry to the organisation's log and return it (with its index and receipt code).

    ``payload`` must be JSON-serialisable and hold no personal data (the log can never be erased); ``ref``
    is an optional grouping key (a vote id, a subject's public id) that readers and recount hooks filter on.
    Atomic; joins the caller's transaction. Raises ValidationFailed for an empty kind or an entry above 64 KiB.
    """
    return ledger_append_many(organisation=organisation, items=[(kind, payload, ref)])[0]


@transaction.atomic
def ledger_append_many(
    *, organisation: Organisation, items: Sequence[tuple[str, dict[str, Any], str]]
) -> list[LedgerEntry]:
    """Append several entries, in order, in one transaction (one lock, bulk inserts)."""
    now = timezone.now()
    prepared = []
    for kind, payload, ref in items:
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
        prepared.append((kind, ref, data))

    log = _head(organisation, lock=True)
    cr = merkle.CompactRange.from_bytes(log.size, bytes(log.compact_range))
    entries: list[LedgerEntry] = []
    nodes: list[LedgerNode] = []
    for kind, ref, data in prepared:
        leaf = merkle.leaf_hash(data)
        index = cr.size
        nodes.extend(
            LedgerNode(organisation=organisation, level=level, idx=idx, hash=h)
            for level, idx, h in cr.append(leaf)
        )
        entries.append(
            LedgerEntry(
                organisation=organisation,
                index=index,
                kind=kind,
                ref=ref,
                data=data,
                code=receipt_code(leaf),
                created_at=now,
            )
        )
    LedgerEntry.objects.bulk_create(entries)
    _insert_nodes(nodes)
    log.size = cr.size
    log.compact_range = cr.to_bytes()
    log.root_hash = cr.root()
    log.save(update_fields=["size", "compact_range", "root_hash", "updated_at"])
    return entries


def _insert_nodes(nodes: list[LedgerNode]) -> None:
    # Nodes are twice as many as entries and never read back here: COPY on PostgreSQL skips the ORM's cost.
    if connection.vendor == "postgresql" and len(nodes) > 8:
        columns = "organisation_id, level, idx, hash"
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {LedgerNode._meta.db_table} ({columns}) FROM STDIN") as copy,
        ):
            for n in nodes:
                copy.write_row((n.organisation_id, n.level, n.idx, n.hash))
        return
    LedgerNode.objects.bulk_create(nodes)


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
    log = _head(organisation, lock=True)  # serialises key creation with appends and checkpoints
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
    task calls ``checkpoint_if_grown``. Locks the head, so the size and root signed are those of a real state.
    """
    if reason not in LedgerCheckpoint.Reason.values:
        raise ValidationFailed(_("Unknown checkpoint reason."), field="reason")
    key = signing_key_ensure(organisation=organisation)
    log = _head(organisation, lock=True)
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
    """A scheduled checkpoint, only when the log grew since the latest one."""
    log = LedgerLog.objects.for_organisation(organisation).first()
    if log is None or log.size == 0:
        return None
    latest = LedgerCheckpoint.objects.for_organisation(organisation).order_by("-size", "-id").first()
    if latest is not None and latest.size >= log.size:
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
