"""The transparency log of an organisation: entries, stored Merkle nodes, the head row, signed checkpoints.

Nothing here is ever updated or deleted by the application except the head row (``LedgerLog``) and the
right-edge tiles, which the sequencer moves forward under the log's lock, and the queue (``LedgerPending``),
which it empties. Rows hold no personal data: the log is public and can never be erased.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from parlons.common.tenancy import TenantModel
from parlons.core.models import Organisation


class LedgerLog(TenantModel):
    """The head of an organisation's log: its size, root and compact range (written only by the sequencer)."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="ledger_log")
    origin = models.CharField(_("origin"), max_length=255, unique=True)
    size = models.BigIntegerField(default=0)
    root_hash = models.BinaryField(max_length=32)
    # The full-node roots of the current tree (32 bytes each, largest first): append needs nothing else.
    compact_range = models.BinaryField(default=b"")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("transparency log")
        verbose_name_plural = _("transparency logs")

    def __str__(self) -> str:
        return f"{self.origin} ({self.size})"


class LedgerEntry(TenantModel):
    """One log entry; ``data`` holds the exact bytes hashed into the leaf (canonical JSON)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    index = models.BigIntegerField(_("index"))
    kind = models.CharField(_("kind"), max_length=40)
    # Grouping key for readers (e.g. a vote id, a subject's public id); indexed, also inside ``data``.
    ref = models.CharField(_("reference"), max_length=80, blank=True)
    data = models.BinaryField()
    code = models.CharField(_("receipt code"), max_length=19)
    created_at = models.DateTimeField(_("logged at"))

    class Meta:
        ordering = ["index"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "index"], name="ledger_entry_unique_index")
        ]
        indexes = [
            models.Index(fields=["organisation", "kind", "index"], name="ledger_entry_kind"),
            models.Index(fields=["organisation", "ref"], name="ledger_entry_ref"),
            models.Index(fields=["organisation", "code"], name="ledger_entry_code"),
        ]
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")

    def __str__(self) -> str:
        return f"#{self.index} {self.kind}"


class LedgerTile(TenantModel):
    """A C2SP tlog-tiles hash tile: up to 256 consecutive full nodes of Merkle level ``8 · level``.

    ``hashes`` holds the tile's nodes ``[idx·256, idx·256 + width)`` (32 bytes each). A partial tile (the right
    edge of the tree) is rewritten by the sequencer as it grows; a full tile never changes again. Every node of
    Merkle levels ``8·level … 8·level + 7`` inside the tile is a fold of its hashes, so an inclusion or
    consistency proof reads about one tile per 8 levels (3–4 rows at 10 million entries).
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    level = models.PositiveSmallIntegerField()
    idx = models.BigIntegerField()
    hashes = models.BinaryField(max_length=256 * 32)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "level", "idx"], name="ledger_tile_unique_position"
            )
        ]
        verbose_name = _("hash tile")
        verbose_name_plural = _("hash tiles")

    def __str__(self) -> str:
        return f"tile {self.level}/{self.idx} ({len(self.hashes) // 32})"


class LedgerPending(TenantModel):
    """An entry waiting for the sequencer: written in the caller's own transaction, without any lock.

    The sequencer (one per organisation at a time) moves pending rows into ``LedgerEntry`` in batches, in
    ``id`` order among those committed, assigning indices and updating the tree. ``data``, ``leaf`` and ``code``
    are final at insertion: the receipt code is known before the index.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(_("kind"), max_length=40)
    ref = models.CharField(_("reference"), max_length=80, blank=True)
    data = models.BinaryField()
    code = models.CharField(_("receipt code"), max_length=19)
    created_at = models.DateTimeField(_("queued at"))

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "id"], name="ledger_pending_queue"),
            models.Index(fields=["organisation", "code"], name="ledger_pending_code"),
        ]
        verbose_name = _("queued log entry")
        verbose_name_plural = _("queued log entries")

    def __str__(self) -> str:
        return f"queued {self.kind} {self.code}"


class LedgerCensus(TenantModel):
    """The census of a vote at its opening: the sorted pseudonyms whose Merkle root and count went into the log.

    Kept beside the log (not in it) so that a person holding their own pseudonym can get an inclusion proof
    against the committed root; pseudonyms are per-vote keyed hashes, never names or e-mail addresses.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    ref = models.CharField(_("vote"), max_length=80)
    count = models.PositiveIntegerField()
    root_hash = models.BinaryField(max_length=32)
    # The sorted, distinct pseudonyms, one per line; leaf i of the census tree = H(0x00 || UTF-8 pseudonym i).
    members = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "ref"], name="ledger_one_census_per_vote")
        ]
        verbose_name = _("vote census")
        verbose_name_plural = _("vote censuses")

    def __str__(self) -> str:
        return f"census {self.ref} ({self.count})"


class LedgerSigningKey(TenantModel):
    """The organisation's Ed25519 checkpoint key. The private key is sealed (AES-256-GCM, see keys.py)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="ledger_keys")
    name = models.CharField(_("key name"), max_length=255)
    key_id = models.CharField(_("key id"), max_length=8)
    public_key = models.BinaryField(max_length=32)
    sealed_private_key = models.BinaryField()
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"], condition=models.Q(is_active=True), name="ledger_one_active_key"
            )
        ]
        verbose_name = _("log signing key")
        verbose_name_plural = _("log signing keys")

    def __str__(self) -> str:
        return f"{self.name}+{self.key_id}"


class LedgerCheckpoint(TenantModel):
    """A signed checkpoint (C2SP tlog-checkpoint, as a signed note) of the log at ``size``."""

    class Reason(models.TextChoices):
        SCHEDULED = "scheduled", _("Hourly checkpoint")
        VOTE_OPENED = "vote_opened", _("Vote opened")
        VOTE_CLOSED = "vote_closed", _("Vote closed")
        RECEIPT = "receipt", _("Receipt")
        MANUAL = "manual", _("Manual")
        EXPORT = "export", _("Export")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    size = models.BigIntegerField()
    root_hash = models.BinaryField(max_length=32)
    note = models.TextField()  # the signed note: checkpoint text, blank line, the log's signature line
    reason = models.CharField(max_length=20, choices=Reason, default=Reason.MANUAL)
    key = models.ForeignKey(LedgerSigningKey, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-size", "-id"]
        indexes = [models.Index(fields=["organisation", "size"], name="ledger_checkpoint_size")]
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class LedgerCosignature(TenantModel):
    """A witness's tlog-cosignature/v1 line over a checkpoint, verified before it is stored."""

    tenant_path = "checkpoint__organisation"

    checkpoint = models.ForeignKey(LedgerCheckpoint, on_delete=models.CASCADE, related_name="cosignatures")
    witness_vkey = models.CharField(max_length=300)
    witness_name = models.CharField(max_length=255)
    timestamp = models.BigIntegerField()
    line = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["checkpoint", "witness_vkey"], name="ledger_one_cosignature_per_witness"
            )
        ]
        verbose_name = _("witness cosignature")
        verbose_name_plural = _("witness cosignatures")

    def __str__(self) -> str:
        return self.witness_name
