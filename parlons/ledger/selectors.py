"""Reads of the transparency log: proofs from stored nodes (O(log n) rows), tiles, entries, checkpoints."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from parlons.common.errors import NotFound, ValidationFailed
from parlons.core.models import Organisation
from parlons.ledger import census, merkle, note
from parlons.ledger.models import (
    LedgerCensus,
    LedgerCheckpoint,
    LedgerEntry,
    LedgerLog,
    LedgerPending,
    LedgerSigningKey,
    LedgerTile,
)
from parlons.ledger.tiles import TILE_WIDTH, TileRef, encode_bundle, nodes_from_tiles, tile_of_node

MAX_RANGE = 1000


def log_get(*, organisation: Organisation) -> LedgerLog | None:
    return LedgerLog.objects.for_organisation(organisation).first()


def log_size(*, organisation: Organisation) -> int:
    with connection.cursor() as cursor:  # a plain statement: every proof starts with it
        cursor.execute(
            f"SELECT size FROM {LedgerLog._meta.db_table} WHERE organisation_id = %s",  # noqa: S608
            [organisation.pk],
        )
        row = cursor.fetchone()
    return row[0] if row else 0


def _tiles_get(organisation_id: int, wanted: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    if not wanted:
        return {}
    if connection.vendor == "postgresql":
        # The (level, idx) pairs as two arrays joined with unnest: one index probe per tile.
        table = LedgerTile._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT level, idx, hashes FROM {table} WHERE organisation_id = %s AND (level, idx) IN "  # noqa: S608
                "(SELECT * FROM unnest(%s::smallint[], %s::bigint[]))",
                [organisation_id, [lv for lv, _i in wanted], [i for _lv, i in wanted]],
            )
            return {(lv, i): bytes(h) for lv, i, h in cursor.fetchall()}
    by_level: dict[int, list[int]] = defaultdict(list)
    for level, idx in wanted:
        by_level[level].append(idx)
    q = Q()
    for level, idxs in by_level.items():
        q |= Q(level=level, idx__in=idxs)
    rows = LedgerTile.objects.filter(q, organisation_id=organisation_id).values_list("level", "idx", "hashes")
    return {(lv, i): bytes(h) for lv, i, h in rows}


def node_fetcher(organisation_id: int) -> merkle.Fetch:
    """A ``merkle.Fetch`` computing the requested full nodes from the stored hash tiles, read in one query.

    A proof at 10 million entries needs about 46 nodes, which lie in 3 to 6 tiles (one per 8 levels on each
    side of the path).
    """

    def fetch(ids: Sequence[merkle.NodeId]) -> dict[merkle.NodeId, bytes]:
        wanted = sorted({tile_of_node(level, idx)[0] for level, idx in ids})
        return nodes_from_tiles(list(ids), _tiles_get(organisation_id, wanted))

    return fetch


def _check_size(organisation: Organisation, size: int) -> None:
    current = log_size(organisation=organisation)
    if not 0 <= size <= current:
        raise NotFound(
            _("The log has no tree of size %(size)s (current size %(current)s).")
            % {"size": size, "current": current}
        )


def root_at(*, organisation: Organisation, size: int) -> bytes:
    _check_size(organisation, size)
    return merkle.tree_root(size, node_fetcher(organisation.pk))


def inclusion_proof_get(*, organisation: Organisation, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) from stored nodes. NotFound if ``size`` exceeds the log; ValidationFailed if index ≥ size."""
    _check_size(organisation, size)
    if not 0 <= index < size:
        raise ValidationFailed(_("The entry index must be below the tree size."), field="index")
    return merkle.inclusion_proof(index, size, node_fetcher(organisation.pk))


def consistency_proof_get(*, organisation: Organisation, size1: int, size2: int) -> list[bytes]:
    _check_size(organisation, size2)
    if not 0 < size1 <= size2:
        raise ValidationFailed(_("A consistency proof needs 0 < first size ≤ second size."), field="size1")
    return merkle.consistency_proof(size1, size2, node_fetcher(organisation.pk))


def entry_list(*, organisation: Organisation, start: int, end: int) -> QuerySet[LedgerEntry]:
    if start < 0 or end < start or end - start > MAX_RANGE:
        raise ValidationFailed(_("Ask for at most 1000 entries at a time."), field="end")
    return (
        LedgerEntry.objects.for_organisation(organisation)
        .filter(index__gte=start, index__lt=end)
        .order_by("index")
    )


def access_entry(*, organisation: Organisation, index: int) -> LedgerEntry:
    entry = LedgerEntry.objects.for_organisation(organisation).filter(index=index).first()
    if entry is None:
        raise NotFound(_("No such log entry."))
    return entry


def entry_by_code(*, organisation: Organisation, code: str) -> LedgerEntry | None:
    return LedgerEntry.objects.for_organisation(organisation).filter(code=code).order_by("index").first()


def entries_iter(
    *, organisation: Organisation, kinds: Sequence[str] | None = None, ref: str | None = None
) -> Iterator[LedgerEntry]:
    qs = LedgerEntry.objects.for_organisation(organisation).order_by("index")
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    if ref is not None:
        qs = qs.filter(ref=ref)
    return qs.iterator(chunk_size=2000)


def decision_entries(*, organisation: Organisation, limit: int = 50) -> list[LedgerEntry]:
    qs = LedgerEntry.objects.for_organisation(organisation).filter(kind="decision").order_by("-index")
    return list(qs[:limit])


def checkpoint_latest(*, organisation: Organisation) -> LedgerCheckpoint | None:
    qs = LedgerCheckpoint.objects.for_organisation(organisation).prefetch_related("cosignatures")
    return qs.order_by("-size", "-id").first()


def checkpoint_list(*, organisation: Organisation, limit: int = 50) -> list[LedgerCheckpoint]:
    qs = LedgerCheckpoint.objects.for_organisation(organisation).prefetch_related("cosignatures")
    return list(qs.order_by("-id")[:limit])


def checkpoint_covering(*, organisation: Organisation, index: int) -> LedgerCheckpoint | None:
    """The smallest checkpoint that contains entry ``index`` (so a receipt's proof is short-lived-state free)."""
    qs = LedgerCheckpoint.objects.for_organisation(organisation).filter(size__gt=index)
    return qs.order_by("size", "id").first()


def active_key(*, organisation: Organisation) -> LedgerSigningKey | None:
    return LedgerSigningKey.objects.for_organisation(organisation).filter(is_active=True).first()


def all_keys(*, organisation: Organisation) -> list[LedgerSigningKey]:
    return list(LedgerSigningKey.objects.for_organisation(organisation).order_by("-created_at"))


def tile_bytes(*, organisation: Organisation, ref: TileRef) -> bytes | None:
    """The tile or entry bundle's bytes, or None if the log does not (yet) have that many nodes/entries."""
    first = ref.index * TILE_WIDTH
    last = first + ref.width
    if ref.level is None:
        rows = list(
            LedgerEntry.objects.for_organisation(organisation)
            .filter(index__gte=first, index__lt=last)
            .order_by("index")
            .values_list("index", "data")
        )
        if len(rows) != ref.width or any(i != first + k for k, (i, _d) in enumerate(rows)):
            return None
        return encode_bundle([bytes(d) for _i, d in rows])
    row = (
        LedgerTile.objects.filter(organisation=organisation, level=ref.level, idx=ref.index)
        .values_list("hashes", flat=True)
        .first()
    )
    if row is None or len(row) < ref.width * 32:
        return None
    return bytes(row[: ref.width * 32])


# --- The queue and the census ------------------------------------------------------------------------------------


def pending_by_code(*, organisation: Organisation, code: str) -> LedgerPending | None:
    return LedgerPending.objects.for_organisation(organisation).filter(code=code).order_by("id").first()


def pending_ahead(*, organisation: Organisation, pending: LedgerPending) -> int:
    """How many queued entries the sequencer takes before this one."""
    return LedgerPending.objects.for_organisation(organisation).filter(id__lt=pending.pk).count()


def census_get(*, organisation: Organisation, ref: str) -> LedgerCensus | None:
    return LedgerCensus.objects.for_organisation(organisation).filter(ref=ref).first()


def census_proof(*, organisation: Organisation, ref: str, pseudonym: str) -> dict[str, Any]:
    """The inclusion proof of ``pseudonym`` in vote ``ref``'s census; NotFound if either is unknown."""
    record = census_get(organisation=organisation, ref=ref)
    if record is None:
        raise NotFound(_("This vote has no census in the log."))
    members = record.members.split("\n") if record.members else []
    index = bisect.bisect_left(members, pseudonym.encode(), key=str.encode)
    if index >= len(members) or members[index] != pseudonym:
        raise NotFound(_("This pseudonym is not in the census of this vote."))
    tree = census.tree(members)
    return {
        "scheme": census.SCHEME,
        "ref": ref,
        "pseudonym": pseudonym,
        "index": index,
        "count": record.count,
        "root": note.b64(bytes(record.root_hash)),
        "proof": [note.b64(h) for h in tree.inclusion_proof(index)],
    }
