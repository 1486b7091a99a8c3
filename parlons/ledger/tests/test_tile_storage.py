"""Hash tiles as the sequencer stores them (pure): proofs computed from tiles equal the RFC 9162 ones."""

from __future__ import annotations

import random

from parlons.ledger import census, merkle
from parlons.ledger.tiles import TILE_WIDTH, nodes_from_tiles, tile_appends, tile_of_node


def _store(tiles, appends):
    for tile, (offset, data) in appends.items():
        before = tiles.get(tile, b"")
        assert len(before) == offset * 32  # the sequencer's invariant: appends extend the right edge
        tiles[tile] = before + data
        assert len(tiles[tile]) <= TILE_WIDTH * 32


def test_tiles_written_batch_by_batch_serve_every_proof():
    rng = random.Random(7)
    size = 65536 + 300  # reaches tile level 2 (Merkle level 16) with partial tiles at every level
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    mem = merkle.MemoryTree(leaves)
    tiles: dict[tuple[int, int], bytes] = {}
    cr = merkle.CompactRange()
    done = 0
    while done < size:
        batch = min(rng.choice([1, 1, 2, 7, 255, 256, 1000]), size - done)
        created = []
        for leaf in leaves[done : done + batch]:
            created.extend(cr.append(leaf))
        _store(tiles, tile_appends(created))
        done += batch

        def fetch(ids):
            return nodes_from_tiles(list(ids), tiles)

        if rng.random() < 0.05 or done == size:
            assert merkle.tree_root(done, fetch) == mem.root(done) == cr.root()
            for _ in range(5):
                index = rng.randrange(done)
                assert merkle.inclusion_proof(index, done, fetch) == mem.inclusion_proof(index, done)
                size1 = rng.randrange(1, done + 1)
                assert merkle.consistency_proof(size1, done, fetch) == mem.consistency_proof(size1, done)
    assert (2, 0) in tiles and len(tiles[(2, 0)]) == 32 * 1  # one full node of Merkle level 16


def test_a_proof_at_ten_million_reads_a_handful_of_tiles():
    size = 10_000_000
    for index in (0, 4_999_999, size - 1):
        nodes = {n for s, e in merkle.inclusion_ranges(index, size) for n in merkle.range_nodes(s, e)}
        assert len({tile_of_node(*n)[0] for n in nodes}) <= 6
    nodes = {n for s, e in merkle.consistency_ranges(3_333_333, size) for n in merkle.range_nodes(s, e)}
    assert len({tile_of_node(*n)[0] for n in nodes}) <= 8


def test_census_commitment_and_member_proofs():
    pseudonyms = [f"{i:064x}" for i in range(0, 3000, 3)]
    ordered = census.members(reversed(pseudonyms + pseudonyms[:5]))
    assert ordered == sorted(pseudonyms) and len(ordered) == 1000
    commitment = census.commitment(ordered)
    assert commitment["count"] == 1000 and commitment["scheme"] == "parlons-census/v1"
    tree = census.tree(ordered)
    proof = [merkle_b64(h) for h in tree.inclusion_proof(10)]
    census.verify_member(ordered[10], index=10, count=1000, proof=proof, root=commitment["root"])
    import pytest

    with pytest.raises(merkle.ProofError):
        census.verify_member(f"{1:064x}", index=10, count=1000, proof=proof, root=commitment["root"])
    with pytest.raises(merkle.ProofError):
        census.verify_member(ordered[10], index=11, count=1000, proof=proof, root=commitment["root"])
    with pytest.raises(merkle.ProofError):
        census.verify_member(ordered[10], index=10, count=1000, proof=proof[::-1], root=commitment["root"])
    with pytest.raises(ValueError):
        census.members(["ok", "two\nlines"])


def merkle_b64(h: bytes) -> str:
    import base64

    return base64.b64encode(h).decode()
