"""The census commitment of a vote: a Merkle root over the sorted pseudonyms of the people eligible at opening.

No Django. The census tree is an RFC 9162 tree (the same hashing as the log) whose entries are the distinct
pseudonyms, sorted as byte strings, leaf i = SHA-256(0x00 || UTF-8 pseudonym i). The commitment written in
the vote's opening entry is ``{"scheme": "parlons-census/v1", "count": n, "root": base64 root}``. A person
who holds their own pseudonym (a ballot receipt carries it) gets an inclusion proof and checks it with
``verify_member``; sorted leaves also let anyone holding the published list recompute the root.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from typing import Any

from parlons.ledger import merkle

SCHEME = "parlons-census/v1"
MAX_PSEUDONYM_LENGTH = 128


def members(pseudonyms: Iterable[str]) -> list[str]:
    """The census entries: distinct pseudonyms, sorted by their UTF-8 bytes. Raises ValueError if one is unusable."""
    out = sorted(set(pseudonyms), key=lambda p: p.encode())
    for p in out:
        if not p or len(p) > MAX_PSEUDONYM_LENGTH or "\n" in p:
            raise ValueError("a census pseudonym is a non-empty single line of at most 128 characters")
    return out


def tree(sorted_members: Sequence[str]) -> merkle.MemoryTree:
    return merkle.MemoryTree(merkle.leaf_hash(p.encode()) for p in sorted_members)


def commitment(sorted_members: Sequence[str]) -> dict[str, Any]:
    """What goes into the log: the scheme, the count and the base64 Merkle root."""
    root = tree(sorted_members).root() if sorted_members else merkle.EMPTY_ROOT
    return {"scheme": SCHEME, "count": len(sorted_members), "root": base64.b64encode(root).decode()}


def verify_member(pseudonym: str, *, index: int, count: int, proof: Sequence[str], root: str) -> None:
    """Raise merkle.ProofError unless ``proof`` (base64 hashes) shows ``pseudonym`` at ``index`` in the census."""
    try:
        hashes = [base64.b64decode(h, validate=True) for h in proof]
        root_bytes = base64.b64decode(root, validate=True)
    except ValueError as exc:
        raise merkle.ProofError("the census proof is not base64") from exc
    merkle.verify_inclusion(index, count, merkle.leaf_hash(pseudonym.encode()), hashes, root_bytes)
