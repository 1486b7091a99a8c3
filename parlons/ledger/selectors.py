"""Reads of the transparency log: proofs from stored nodes (O(log n) rows), tiles, entries, checkpoints."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from parlons.common.errors import NotFound, ValidationFailed
from parlons.core.models import Organisation
from parlons.ledger import merkle
from parlons.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerLog, LedgerNode, LedgerSigningKey
from parlons.ledger.tiles import TILE_WIDTH, TileRef, encode_bundle

MAX_RANGE = 1000


def log_get(*, organisation: Organisation) -> LedgerLog | None:
    return LedgerLog.objects.for_organisation(organisation).first()


def log_size(*, organisation: Organisation) -> int:
    size = LedgerLog.objects.for_organisation(organisation).values_list("size", flat=True).first()
    return size or 0


def node_fetcher(organisation_id: int) -> merkle.Fetch:
    """A ``merkle.Fetch`` reading the requested full nodes in one query.

    On PostgreSQL the (level, idx) pairs go as two arrays joined with ``unnest`` (one index probe per node,
    planning in microseconds); elsewhere one OR-branch per level.
    """

    def fetch(ids: Sequence[merkle.NodeId]) -> dict[merkle.NodeId, bytes]:
        if connection.vendor == "postgresql":
            table = LedgerNode._meta.db_table
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT level, idx, hash FROM {table} WHERE organisation_id = %s AND (level, idx) IN "  # noqa: S608
                    "(SELECT * FROM unnest(%s::smallint[], %s::bigint[]))",
                    [organisation_id, [lv for lv, _i in ids], [i for _lv, i in ids]],
                )
                return {(lv, i): bytes(h) for lv, i, h in cursor.fetchall()}
        by_level: dict[int, list[int]] = defaultdict(list)
        for level, idx in ids:
            by_level[level].append(idx)
        q = Q()
        for level, idxs in by_level.items():
            q |= Q(level=level, idx__in=idxs)
        rows = LedgerNode.objects.filter(q, organisation_id=organisation_id).values_list(
            "level", "idx", "hash"
        )
        return {(lv, i): bytes(h) for lv, i, h in rows}

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
    hashes = list(
        LedgerNode.objects.filter(
            organisation=organisation, level=ref.merkle_level, idx__gte=first, idx__lt=last
        )
        .order_by("idx")
        .values_list("hash", flat=True)
    )
    if len(hashes) != ref.width:
        return None
    return b"".join(bytes(h) for h in hashes)
