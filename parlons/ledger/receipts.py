"""Receipts: a self-contained, offline-checkable proof that one entry is in the organisation's log.

A receipt (JSON, format ``parlons-receipt/v1``) carries the entry's bytes, its index, the leaf hash, the
inclusion proof at the size of a signed checkpoint, that checkpoint (with any witness cosignatures), the
log's public key, a short code, and the same proof in the C2SP ``tlog-proof`` text format.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from parlons.core.models import Organisation
from parlons.ledger import merkle, note, selectors, services
from parlons.ledger.entries import decode_entry
from parlons.ledger.models import LedgerCheckpoint, LedgerEntry
from parlons.ledger.verifier import RECEIPT_FORMAT, Problem, ReceiptCheck, check_receipt


@transaction.atomic
def receipt_for(entry: LedgerEntry, *, checkpoint: LedgerCheckpoint | None = None) -> dict[str, Any]:
    """The receipt of ``entry``: proved against ``checkpoint``, else the smallest checkpoint containing it.

    A queued entry (``index`` None, as ``ledger_append`` returns it) is integrated now by the sequencer. When
    no checkpoint contains the entry yet, one is signed now (reason "receipt"), so a receipt is always
    complete and checkable at once. Raises ValueError if ``checkpoint`` does not contain the entry, LookupError
    if the entry is neither queued nor in the log.
    """
    entry = services.ledger_entry_integrated(entry)
    organisation = entry.organisation
    if checkpoint is None:
        checkpoint = selectors.checkpoint_covering(organisation=organisation, index=entry.index)
    if checkpoint is None:
        checkpoint = services.checkpoint_create(
            organisation=organisation, reason=LedgerCheckpoint.Reason.RECEIPT
        )
    if checkpoint.size <= entry.index or checkpoint.organisation_id != entry.organisation_id:
        raise ValueError("the checkpoint does not contain this entry")
    data = bytes(entry.data)
    proof = selectors.inclusion_proof_get(organisation=organisation, index=entry.index, size=checkpoint.size)
    served = services.checkpoint_served_note(checkpoint)
    log = selectors.log_get(organisation=organisation)
    return {
        "format": RECEIPT_FORMAT,
        "origin": log.origin if log else services.log_origin(organisation),
        "organisation": organisation.slug,
        "index": entry.index,
        "code": entry.code,
        "kind": entry.kind,
        "entry": note.b64(data),
        "entry_json": decode_entry(data),
        "leaf_hash": note.b64(merkle.leaf_hash(data)),
        "tree_size": checkpoint.size,
        "inclusion_proof": [note.b64(h) for h in proof],
        "checkpoint": served,
        "public_key": services.verifier_for(checkpoint.key).vkey(),
        "tlog_proof": note.tlog_proof(entry.index, proof, served),
    }


def receipt_check_online(*, organisation: Organisation, receipt: dict[str, Any]) -> ReceiptCheck:
    """Check a receipt offline against this organisation's keys, then against the live log.

    Beyond ``verifier.check_receipt``: the key must be one this organisation published, and the receipt's
    checkpoint must be consistent with the log as it is now (history was not rewritten since).
    """
    keys = [services.verifier_for(k).vkey() for k in selectors.all_keys(organisation=organisation)]
    result = check_receipt(receipt, trusted_keys=keys or None)
    if not keys:
        result.problems.append(Problem("no_key", "this organisation has no log key"))
    if result.problems or result.root is None or result.size is None:
        return result
    log = selectors.log_get(organisation=organisation)
    if log is None or log.origin != result.origin:
        result.problems.append(Problem("other_log", "the receipt is for another log"))
        return result
    if result.size > log.size:
        result.problems.append(Problem("future_size", "the receipt's tree is larger than the log"))
        return result
    try:
        proof = (
            selectors.consistency_proof_get(organisation=organisation, size1=result.size, size2=log.size)
            if result.size < log.size
            else []
        )
        merkle.verify_consistency(result.size, log.size, proof, result.root, bytes(log.root_hash))
    except (merkle.ProofError, LookupError) as exc:
        result.problems.append(Problem("history_rewritten", str(exc)))
    return result
