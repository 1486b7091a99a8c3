"""RFC 9162 Merkle trees: the real vectors (../shared), a naive reference of our own, and property tests."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parlons.ledger import merkle

# --- A direct, naive reading of RFC 9162 §2.1 (our own fixture: independent of merkle.py's algorithms) ---


def _mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(d[:k]) + _mth(d[k:])).digest()


def _path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*_path(m, d[:k]), _mth(d[k:])]
    return [*_path(m - k, d[k:]), _mth(d[:k])]


def _subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [_mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*_subproof(m, d[:k], b), _mth(d[k:])]
    return [*_subproof(m - k, d[k:], False), _mth(d[:k])]


ENTRIES = [f"entrée {i}".encode() for i in range(70)]


@pytest.fixture(scope="module")
def tree():
    return merkle.MemoryTree(merkle.leaf_hash(e) for e in ENTRIES)


def test_hashes_follow_the_rfc():
    assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert merkle.node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    assert hashlib.sha256(b"").digest() == merkle.EMPTY_ROOT
    assert merkle.root_of_leaves([]) == merkle.EMPTY_ROOT


def test_roots_and_proofs_match_the_naive_reading_for_every_size(tree):
    for size in range(1, len(ENTRIES) + 1):
        d = ENTRIES[:size]
        assert tree.root(size) == _mth(d)
        for i in range(size):
            assert tree.inclusion_proof(i, size) == _path(i, d)
        for m in range(1, size + 1):
            assert tree.consistency_proof(m, size) == _subproof(m, d, True)


def test_compact_range_round_trips_and_matches(tree):
    cr = merkle.CompactRange()
    for size, e in enumerate(ENTRIES, start=1):
        cr.append(merkle.leaf_hash(e))
        again = merkle.CompactRange.from_bytes(cr.size, cr.to_bytes())
        assert again.root() == cr.root() == tree.root(size)


def test_verifiers_reject_the_obvious(tree):
    root = tree.root(10)
    proof = tree.inclusion_proof(3, 10)
    leaf = tree.levels[0][3]
    merkle.verify_inclusion(3, 10, leaf, proof, root)
    for bad in [(10, 10), (4, 10), (3, 17), (3, 4)]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(*bad, leaf, proof, root)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(3, 10, leaf[:31], proof, root)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(3, 10, leaf, [*proof, proof[0]], root)
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(0, 10, [], merkle.EMPTY_ROOT, root)
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(4, 10, [], tree.root(4), root)
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(10, 4, [], root, tree.root(4))
    merkle.verify_consistency(10, 10, [], root, root)


def test_missing_stored_node_is_reported(tree):
    with pytest.raises(LookupError):
        merkle.inclusion_proof(0, 8, lambda ids: {})


# --- Property tests --------------------------------------------------------------------------------------------


def _flip(data: bytes, bit: int) -> bytes:
    b = bytearray(data)
    b[bit // 8 % len(b)] ^= 1 << (bit % 8)
    return bytes(b)


BIG = merkle.MemoryTree(merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(3000))


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 3000), data=st.data())
def test_every_inclusion_proof_verifies_and_any_bit_flip_fails(size, data):
    index = data.draw(st.integers(0, size - 1))
    root, leaf = BIG.root(size), BIG.levels[0][index]
    proof = BIG.inclusion_proof(index, size)
    merkle.verify_inclusion(index, size, leaf, proof, root)
    bit = data.draw(st.integers(0, 255))
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(index, size, leaf, proof, _flip(root, bit))
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(index, size, _flip(leaf, bit), proof, root)
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bad = [*proof[:k], _flip(proof[k], bit), *proof[k + 1 :]]
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(index, size, leaf, bad, root)


@settings(max_examples=60, deadline=None)
@given(size2=st.integers(1, 3000), data=st.data())
def test_every_consistency_proof_verifies_and_any_bit_flip_fails(size2, data):
    size1 = data.draw(st.integers(1, size2))
    root1, root2 = BIG.root(size1), BIG.root(size2)
    proof = BIG.consistency_proof(size1, size2)
    merkle.verify_consistency(size1, size2, proof, root1, root2)
    bit = data.draw(st.integers(0, 255))
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(size1, size2, proof, _flip(root1, bit), root2)
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(size1, size2, proof, root1, _flip(root2, bit))
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bad = [*proof[:k], _flip(proof[k], bit), *proof[k + 1 :]]
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(size1, size2, bad, root1, root2)


# --- Real vectors (../shared/data/merkle) --------------------------------------------------------------------


def test_reference_tree_rfc6962(shared_data):
    ref = json.loads((shared_data / "merkle" / "reference-tree-rfc6962.json").read_text())
    t = merkle.MemoryTree()
    assert t.root() == bytes.fromhex(ref["empty_tree_root"])
    for size, hex_input in enumerate(ref["leaf_inputs_hex"], start=1):
        t.append(bytes.fromhex(hex_input))
        assert t.root().hex() == ref["root_by_tree_size"][str(size)]
    for level, hashes in enumerate(ref["node_hashes_by_level"]):
        assert [h.hex() for h in t.levels[level]] == hashes
    for case in ref["inclusion_proofs"]:
        assert [h.hex() for h in t.inclusion_proof(case["leaf_index"], case["tree_size"])] == case[
            "audit_path"
        ]
    for case in ref["consistency_proofs"]:
        assert [h.hex() for h in t.consistency_proof(case["size1"], case["size2"])] == case["proof"]
    hv = ref["hasher_vectors"]
    assert merkle.leaf_hash(b"").hex() == hv["H_leaf(empty)"]
    assert merkle.leaf_hash(b"L123456").hex() == hv["H_leaf(ascii 'L123456')"]
    assert merkle.node_hash(b"N123", b"N456").hex() == hv["H_node(ascii 'N123', ascii 'N456')"]


def _b(value):
    return base64.b64decode(value) if value is not None else None


def _probe_files(shared_data, kind):
    files = sorted((shared_data / "merkle" / "transparency-dev-merkle" / "testdata" / kind).rglob("*.json"))
    assert files, f"no {kind} probes found: wrong path?"
    return files


def test_transparency_dev_inclusion_probes(shared_data):
    files = _probe_files(shared_data, "inclusion")
    valid = 0
    for f in files:
        c = json.loads(f.read_text())
        try:
            merkle.verify_inclusion(
                c["leafIdx"],
                c["treeSize"],
                _b(c["leafHash"]),
                [_b(p) for p in c["proof"] or []],
                _b(c["root"]),
            )
            raised = False
        except merkle.ProofError:
            raised = True
        assert raised == c["wantErr"], f"{f.relative_to(shared_data)}: {c['desc']}"
        valid += not raised
    assert len(files) == 98 and valid == 6


def test_transparency_dev_consistency_probes(shared_data):
    files = _probe_files(shared_data, "consistency")
    valid = 0
    for f in files:
        c = json.loads(f.read_text())
        try:
            merkle.verify_consistency(
                c["size1"], c["size2"], [_b(p) for p in c["proof"] or []], _b(c["root1"]), _b(c["root2"])
            )
            raised = False
        except merkle.ProofError:
            raised = True
        assert raised == c["wantErr"], f"{f.relative_to(shared_data)}: {c['desc']}"
        valid += not raised
    assert len(files) == 98 and valid == 6
