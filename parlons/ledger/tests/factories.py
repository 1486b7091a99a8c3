"""Builders for the ledger's tenant models (used by parlons/core/tests/test_tenant_isolation.py)."""

from __future__ import annotations

from django.test import override_settings

from parlons.ledger import selectors, services
from parlons.ledger.models import (
    LedgerCheckpoint,
    LedgerCosignature,
    LedgerEntry,
    LedgerLog,
    LedgerPending,
    LedgerSigningKey,
    LedgerTile,
)


def entry(org, payload=None, kind="test"):
    return services.ledger_append(organisation=org, kind=kind, payload=payload or {"n": 1})


def queued(org, payload=None, kind="test"):
    """An entry left in the queue (the sequencer not run), as between a commit and the sequencer's task."""
    with override_settings(PARLONS_LEDGER_INLINE=False):
        return services.ledger_append(organisation=org, kind=kind, payload=payload or {"n": 1})


def _checkpoint(org):
    entry(org)
    return services.checkpoint_create(organisation=org)


def _cosignature(org):
    from parlons.ledger import note

    checkpoint = _checkpoint(org)
    witness = note.Signer.generate(f"witness-{org.slug}.example")
    line = witness.cosignature_line(note.parse(checkpoint.note).text, 1_700_000_000)
    return services.checkpoint_add_cosignature(
        checkpoint=checkpoint, witness_vkey=witness.verifier(note.ALG_COSIGNATURE_V1).vkey(), line=line
    )


TENANT_BUILDERS = {
    "ledger.LedgerLog": lambda org: (entry(org), LedgerLog.objects.get(organisation=org))[1],
    "ledger.LedgerEntry": lambda org: entry(org),
    "ledger.LedgerTile": lambda org: (entry(org), LedgerTile.objects.filter(organisation=org).first())[1],
    "ledger.LedgerPending": lambda org: (queued(org), LedgerPending.objects.filter(organisation=org).first())[
        1
    ],
    "ledger.LedgerCensus": lambda org: (
        services.census_commit(organisation=org, ref="vote:1", pseudonyms=["b" * 64, "a" * 64]),
        selectors.census_get(organisation=org, ref="vote:1"),
    )[1],
    "ledger.LedgerSigningKey": lambda org: services.signing_key_ensure(organisation=org),
    "ledger.LedgerCheckpoint": _checkpoint,
    "ledger.LedgerCosignature": _cosignature,
}

__all__ = ["TENANT_BUILDERS", "LedgerCheckpoint", "LedgerCosignature", "LedgerEntry", "LedgerSigningKey"]
