"""RFC 9162 §2.1 Merkle trees: hashing, proofs and their verification. Pure Python, no Django.

Hashes: SHA-256; leaf = H(0x00 || entry), node = H(0x01 || left || right); a tree of n > 1 leaves splits at the
largest power of two strictly below n.

Storage model. A *full node* ``(level, index)`` is the root of the complete subtree over the leaves
``[index * 2**level, (index + 1) * 2**level)``. Once it exists it never changes, so a log stores every full
node (2n of them) and any Merkle Tree Hash of a range ``D[start:end]`` that appears in the RFC recursion is the
fold of at most log2(n) full nodes (``range_nodes``). Proof generators below therefore work in two steps: list
the ranges the proof needs (``inclusion_ranges``, ``consistency_ranges``), then fetch the full nodes covering
them in one batch (``fetch`` callback) and fold. Appending uses a *compact range* (the full-node roots of the
current tree, at most log2(n)+1 hashes) so an append touches O(log n) hashes and no stored node.

Verification follows the RFC 9162 §2.1.3.2 and §2.1.4.2 algorithms and the transparency-dev/merkle policy
(hash lengths checked; consistency from size 0 is an error; equal sizes need an empty proof and equal roots).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeId = tuple[int, int]  # (level, index) of a full node
Fetch = Callable[[Sequence[NodeId]], dict[NodeId, bytes]]


class ProofError(ValueError):
    """A proof, hash or tree size that does not verify; the message says what is wrong."""


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    """k with k < n <= 2k (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


# --- Ranges and full nodes ----------------------------------------------------------------------------


def range_nodes(start: int, end: int) -> list[NodeId]:
    """The full nodes whose fold is MTH(D[start:end]), largest first.

    Valid for the ranges the RFC recursion produces: ``start`` aligned on the largest power of two not above
    ``end - start`` (true of every left/right split of a tree rooted at 0).
    """
    nodes: list[NodeId] = []
    pos, remaining = start, end - start
    while remaining:
        level = remaining.bit_length() - 1
        size = 1 << level
        if pos % size:
            raise ValueError(f"range [{start}, {end}) is not aligned")
        nodes.append((level, pos >> level))
        pos += size
        remaining -= size
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its full nodes, largest first: node(h1, node(h2, ... node(h_{m-1}, h_m)))."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def _resolve(ranges: Sequence[tuple[int, int]], fetch: Fetch) -> list[bytes]:
    wanted = [range_nodes(s, e) for s, e in ranges]
    flat = sorted({n for nodes in wanted for n in nodes})
    got = fetch(flat) if flat else {}
    missing = [n for n in flat if n not in got]
    if missing:
        raise LookupError(f"missing tree nodes {missing[:5]}")
    return [fold([got[n] for n in nodes]) for nodes in wanted]


def root_ranges(size: int) -> list[NodeId]:
    return range_nodes(0, size)


def tree_root(size: int, fetch: Fetch) -> bytes:
    """MTH of the first ``size`` leaves from stored full nodes (O(log n) nodes)."""
    if size == 0:
        return EMPTY_ROOT
    return _resolve([(0, size)], fetch)[0]


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges whose MTHs form PATH(index, D[0:size]) (RFC 9162 §2.1.3.1), in proof order."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} is not in a tree of size {size}")
    out: list[tuple[int, int]] = []
    start, end, m = 0, size, index
    while end - start > 1:
        k = largest_power_of_two_below(end - start)
        if m < k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            start, m = start + k, m - k
    out.reverse()  # the recursion appends on the way back up: deepest sibling first
    return out


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """The ranges whose MTHs form PROOF(size1, D[0:size2]) (RFC 9162 §2.1.4.1), in proof order."""
    if not 0 < size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    if size1 == size2:
        return []
    out: list[tuple[int, int]] = []
    start, end, m, whole = 0, size2, size1, True
    while True:
        n = end - start
        if m == n:
            if not whole:
                out.append((start, end))
            break
        k = largest_power_of_two_below(n)
        if m <= k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            start, m, whole = start + k, m - k, False
    out.reverse()
    return out


def inclusion_proof(index: int, size: int, fetch: Fetch) -> list[bytes]:
    return _resolve(inclusion_ranges(index, size), fetch)


def consistency_proof(size1: int, size2: int, fetch: Fetch) -> list[bytes]:
    return _resolve(consistency_ranges(size1, size2), fetch)


# --- Verification (RFC 9162 §2.1.3.2, §2.1.4.2) ------------------------------------------------------------


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        raise ProofError(f"{what} is not a {HASH_SIZE}-byte SHA-256 hash")


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    if index < 0 or size < 0:
        raise ProofError("negative index or size")
    if index >= size:
        raise ProofError(f"index {index} is beyond the tree size {size}")
    _check_hash(leaf, "leaf hash")
    for i, p in enumerate(proof):
        _check_hash(p, f"proof element {i}")
    fn, sn, r = index, size - 1, bytes(leaf)
    for p in proof:
        if sn == 0:
            raise ProofError("the proof is too long for this tree size")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is too short for this tree size")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Raise ProofError unless ``proof`` shows the leaf hash at ``index`` in the tree of ``size`` with ``root``."""
    _check_hash(root, "root hash")
    if root_from_inclusion_proof(index, size, leaf, proof) != root:
        raise ProofError("the inclusion proof does not lead to the root hash")


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """Raise ProofError unless ``proof`` shows the tree (size1, root1) is a prefix of (size2, root2)."""
    if size1 < 0 or size2 < 0:
        raise ProofError("negative tree size")
    if size2 < size1:
        raise ProofError(f"size {size2} is smaller than size {size1}")
    if size1 == 0:
        raise ProofError("no consistency proof from an empty tree")
    if size1 == size2:
        # transparency-dev policy: plain byte comparison, whatever the hashes' length.
        if proof:
            raise ProofError("equal sizes need an empty proof")
        if root1 != root2:
            raise ProofError("equal sizes with different roots")
        return
    _check_hash(root1, "first root hash")
    _check_hash(root2, "second root hash")
    for i, p in enumerate(proof):
        _check_hash(p, f"proof element {i}")
    if not proof:
        raise ProofError("empty consistency proof")
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # a power of two: the old root is a node of the new tree
        path.insert(0, bytes(root1))
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the proof is too long for these sizes")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is too short for these sizes")
    if fr != root1:
        raise ProofError("the proof does not lead to the first root hash")
    if sr != root2:
        raise ProofError("the proof does not lead to the second root hash")


# --- Appending: the compact range ------------------------------------------------------------------------


class CompactRange:
    """The full-node roots of a tree of ``size`` leaves (one per set bit of size, largest first).

    ``append`` returns the full nodes it completed, ``(level, index, hash)`` from the leaf upward, which is
    exactly what a store must persist; ``root()`` folds the roots. Both are O(log n).
    """

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != bin(size).count("1"):
            raise ValueError("a compact range needs one hash per set bit of the size")
        self.size = size
        self.hashes = list(hashes)

    @classmethod
    def from_bytes(cls, size: int, blob: bytes) -> CompactRange:
        return cls(size, [bytes(blob[i : i + HASH_SIZE]) for i in range(0, len(blob), HASH_SIZE)])

    def to_bytes(self) -> bytes:
        return b"".join(self.hashes)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        created = [(0, self.size, leaf)]
        h, index, level = leaf, self.size, 0
        while index & 1:  # the right child completes its parent
            h = node_hash(self.hashes.pop(), h)
            index >>= 1
            level += 1
            created.append((level, index, h))
        self.hashes.append(h)
        self.size += 1
        return created

    def root(self) -> bytes:
        return fold(self.hashes)


def root_of_leaves(leaves: Iterable[bytes]) -> bytes:
    """MTH of a sequence of leaf hashes, in O(log n) memory."""
    cr = CompactRange()
    for leaf in leaves:
        cr.append(leaf)
    return cr.root()


class MemoryTree:
    """A whole tree in memory (every full node): for tests, exports, verifiers and benchmarks."""

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        self._cr = CompactRange()
        for leaf in leaves:
            self.append_leaf(leaf)

    @property
    def size(self) -> int:
        return self._cr.size

    def append_leaf(self, leaf: bytes) -> None:
        for level, index, h in self._cr.append(leaf):
            if level == len(self.levels):
                self.levels.append([])
            assert len(self.levels[level]) == index
            self.levels[level].append(h)

    def append(self, entry: bytes) -> None:
        self.append_leaf(leaf_hash(entry))

    def fetch(self, ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
        return {(lv, i): self.levels[lv][i] for lv, i in ids}

    def root(self, size: int | None = None) -> bytes:
        return tree_root(self.size if size is None else size, self.fetch)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(index, self.size if size is None else size, self.fetch)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        return consistency_proof(size1, self.size if size2 is None else size2, self.fetch)
