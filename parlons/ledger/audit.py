"""Checking stored entries against signed checkpoints, recounting votes, exporting the log as static tiles."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from parlons.common.errors import DomainError, NotFound
from parlons.core.models import Organisation
from parlons.ledger import merkle, note, selectors, services
from parlons.ledger.entries import decode_entry
from parlons.ledger.models import LedgerCheckpoint
from parlons.ledger.recount import RecountHook, VerifiedEntry, recount_hooks
from parlons.ledger.tiles import tiles_for_size


class TamperDetected(DomainError):
    code = "ledger_tampered"
    status = 409


def _trusted_checkpoint(organisation: Organisation) -> tuple[LedgerCheckpoint, note.Checkpoint]:
    checkpoint = selectors.checkpoint_latest(organisation=organisation)
    if checkpoint is None:
        checkpoint = services.checkpoint_create(
            organisation=organisation, reason=LedgerCheckpoint.Reason.MANUAL
        )
    verifiers = [services.verifier_for(k) for k in selectors.all_keys(organisation=organisation)]
    try:
        cp, _n = note.open_checkpoint(checkpoint.note, verifiers)
    except note.NoteError as exc:
        raise TamperDetected(
            _("The latest checkpoint's signature is invalid: %(why)s") % {"why": exc}
        ) from exc
    return checkpoint, cp


def verified_entries(*, organisation: Organisation, ref: str) -> Iterator[VerifiedEntry]:
    """The entries with ``ref``, each proved against the latest signed checkpoint; raises TamperDetected."""
    _checkpoint, cp = _trusted_checkpoint(organisation)
    fetch = selectors.node_fetcher(organisation.pk)
    for entry in selectors.entries_iter(organisation=organisation, ref=ref):
        if entry.index >= cp.size:
            continue  # not yet covered by a signed checkpoint
        leaf = merkle.leaf_hash(bytes(entry.data))
        try:
            proof = merkle.inclusion_proof(entry.index, cp.size, fetch)
            merkle.verify_inclusion(entry.index, cp.size, leaf, proof, cp.root)
        except (merkle.ProofError, LookupError) as exc:
            raise TamperDetected(
                _("Log entry %(index)s does not match the signed checkpoint.") % {"index": entry.index}
            ) from exc
        doc = decode_entry(bytes(entry.data))
        if doc.get("kind") != entry.kind or doc.get("ref", "") != entry.ref:
            raise TamperDetected(_("Log entry %(index)s was altered.") % {"index": entry.index})
        yield VerifiedEntry(index=entry.index, kind=entry.kind, ref=entry.ref, document=doc)


@dataclass(frozen=True)
class RecountResult:
    vote_id: str
    hook: str
    result: Any
    published: Any
    entries: int

    @property
    def matches(self) -> bool:
        return self.result == self.published


def _hook_for(vote_id: str) -> tuple[RecountHook, Organisation]:
    hooks = recount_hooks()
    if not hooks:
        raise NotFound(
            _("No module has registered a recount hook: there is no vote to recount yet."),
            code="no_recount_hook",
        )
    for hook in hooks:
        organisation = hook.locate(vote_id)
        if organisation is not None:
            return hook, organisation
    raise NotFound(
        _("No registered module knows the vote %(vote)s.") % {"vote": vote_id}, code="unknown_vote"
    )


def recount_vote(*, vote_id: str) -> RecountResult:
    """Recompute a closed vote's result from verified log entries alone and compare with the published one."""
    hook, organisation = _hook_for(vote_id)
    entries = list(verified_entries(organisation=organisation, ref=vote_id))
    return RecountResult(
        vote_id=vote_id,
        hook=hook.key,
        result=hook.recount(vote_id, entries),
        published=hook.published_result(vote_id),
        entries=len(entries),
    )


def closed_votes(*, organisation: Organisation) -> list[tuple[str, Any]]:
    """(hook key, ClosedVote) for every vote the registered hooks list; empty until a module registers one."""
    return [(hook.key, vote) for hook in recount_hooks() for vote in hook.closed_votes(organisation)]


def export_tiles(
    *, organisation: Organisation, directory: Path, checkpoint: LedgerCheckpoint | None = None
) -> LedgerCheckpoint:
    """Write the log in the C2SP tlog-tiles layout (checkpoint, tiles, entry bundles) under ``directory``."""
    if checkpoint is None:
        log = selectors.log_get(organisation=organisation)
        latest = selectors.checkpoint_latest(organisation=organisation)
        if latest is None or (log is not None and latest.size < log.size):
            latest = services.checkpoint_create(
                organisation=organisation, reason=LedgerCheckpoint.Reason.EXPORT
            )
        checkpoint = latest
    directory.mkdir(parents=True, exist_ok=True)
    for ref in tiles_for_size(checkpoint.size):
        data = selectors.tile_bytes(organisation=organisation, ref=ref)
        if data is None:
            raise TamperDetected(_("The stored log is missing data for %(path)s.") % {"path": ref.path()})
        path = directory / ref.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (directory / "checkpoint").write_text(services.checkpoint_served_note(checkpoint), encoding="utf-8")
    return checkpoint
