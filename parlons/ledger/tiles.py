"""C2SP tlog-tiles layout: tile paths, entry bundles, and which tiles a tree of a given size has. No Django.

A tile (L, N) holds the hashes of the full nodes at Merkle level 8·L with indices N·256 … N·256+255; the
entry bundle N holds entries N·256 … N·256+255 as big-endian uint16 length-prefixed byte strings. The
rightmost tiles of a tree are partial (width W < 256) and served at ``….p/W``.
"""

from __future__ import annotations

import functools
import hashlib
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from parlons.ledger.merkle import NODE_PREFIX

TILE_WIDTH = 256
TILE_HEIGHT = 8
MAX_ENTRY_SIZE = 0xFFFF


@dataclass(frozen=True)
class TileRef:
    level: int | None  # None = entry bundle
    index: int
    width: int  # 256 = full

    @property
    def is_full(self) -> bool:
        return self.width == TILE_WIDTH

    @property
    def merkle_level(self) -> int:
        return 0 if self.level is None else self.level * TILE_HEIGHT

    def path(self) -> str:
        head = "tile/entries" if self.level is None else f"tile/{self.level}"
        tail = "" if self.is_full else f".p/{self.width}"
        return f"{head}/{encode_index(self.index)}{tail}"


def encode_index(n: int) -> str:
    """1234067 → x001/x234/067 (zero-padded 3-digit elements, all but the last prefixed with x)."""
    if n < 0:
        raise ValueError("negative tile index")
    groups = []
    while True:
        groups.append(f"{n % 1000:03d}")
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return "/".join([f"x{g}" for g in groups[:-1]] + [groups[-1]])


_PATH = re.compile(
    r"^tile/(?P<level>entries|0|[1-9][0-9]?)/(?P<index>(?:x[0-9]{3}/)*[0-9]{3})(?:\.p/(?P<w>[1-9][0-9]{0,2}))?$"
)


def parse_path(path: str) -> TileRef:
    """Parse ``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/<N>[.p/<W>]``; raises ValueError if malformed."""
    m = _PATH.match(path)
    if not m:
        raise ValueError(f"not a tile path: {path}")
    level_s = m["level"]
    level = None if level_s == "entries" else int(level_s)
    if level is not None and level > 63:
        raise ValueError("tile level above 63")
    elements = m["index"].split("/")
    index = int("".join(e.lstrip("x") for e in elements))
    if len(elements) > 1 and elements[0] == "x000":
        raise ValueError("tile index with a leading zero element")
    width = int(m["w"]) if m["w"] else TILE_WIDTH
    if width > 255 and m["w"]:
        raise ValueError("partial tile width above 255")
    return TileRef(level, index, width)


def tiles_for_size(size: int, *, entries: bool = True) -> Iterator[TileRef]:
    """Every tile (and entry bundle) of a tree of ``size`` leaves, full ones then the partial one, per level."""
    level = 0
    while True:
        count = size >> (TILE_HEIGHT * level)
        if count == 0:
            break
        full, partial = divmod(count, TILE_WIDTH)
        for n in range(full):
            yield TileRef(level, n, TILE_WIDTH)
            if level == 0 and entries:
                yield TileRef(None, n, TILE_WIDTH)
        if partial:
            yield TileRef(level, full, partial)
            if level == 0 and entries:
                yield TileRef(None, full, partial)
        level += 1


def tile_for(level: int | None, index: int, size: int) -> TileRef:
    """The tile of ``level`` with number ``index`` as it is in a tree of ``size`` (full, or partial)."""
    merkle = 0 if level is None else level * TILE_HEIGHT
    count = size >> merkle
    first = index * TILE_WIDTH
    if first >= count:
        raise ValueError("no such tile in this tree")
    return TileRef(level, index, min(TILE_WIDTH, count - first))


def encode_bundle(entries: list[bytes]) -> bytes:
    out = bytearray()
    for e in entries:
        if len(e) > MAX_ENTRY_SIZE:
            raise ValueError("an entry is longer than 65535 bytes")
        out += struct.pack(">H", len(e)) + e
    return bytes(out)


def decode_bundle(data: bytes) -> list[bytes]:
    entries, pos = [], 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise ValueError("truncated entry bundle")
        (n,) = struct.unpack(">H", data[pos : pos + 2])
        if pos + 2 + n > len(data):
            raise ValueError("truncated entry bundle")
        entries.append(data[pos + 2 : pos + 2 + n])
        pos += 2 + n
    return entries


def split_hashes(data: bytes) -> list[bytes]:
    if len(data) % 32:
        raise ValueError("a tile is a whole number of 32-byte hashes")
    return [data[i : i + 32] for i in range(0, len(data), 32)]


# --- Stored hash tiles: proofs and appends ----------------------------------------------------------------------
#
# A log stores one row per hash tile (L, N): the hashes of Merkle level 8·L, nodes N·256 … N·256 + width - 1.
# A full node (level, idx) with 8·L <= level < 8·L + 8 is the root of a perfect subtree over 2**(level - 8·L)
# consecutive hashes of one tile, so any node a proof needs is read from one tile and folded.

TileId = tuple[int, int]  # (tile level L, tile index N)


def tile_of_node(level: int, idx: int) -> tuple[TileId, int, int]:
    """The tile holding the subtree of full node (level, idx), the offset of its first hash, and how many."""
    tile_level, height = divmod(level, TILE_HEIGHT)
    first = idx << height
    return (tile_level, first // TILE_WIDTH), first % TILE_WIDTH, 1 << height


def perfect_root(hashes: list[bytes]) -> bytes:
    """The root of a perfect subtree (2**k hashes of one level), folded pairwise: ``node_hash`` inlined, since
    a proof at 10 million entries folds about 600 hashes this way."""
    sha256, prefix = hashlib.sha256, NODE_PREFIX
    level = hashes
    while len(level) > 1:
        pairs = iter(level)
        level = [sha256(prefix + left + right).digest() for left, right in zip(pairs, pairs, strict=True)]
    return level[0]


def nodes_from_tiles(
    ids: list[tuple[int, int]] | tuple[tuple[int, int], ...], tiles: dict[TileId, bytes]
) -> dict[tuple[int, int], bytes]:
    """The full nodes ``ids`` computed from stored tiles; a node whose tile is missing or too short is left out."""
    out: dict[tuple[int, int], bytes] = {}
    for level, idx in ids:
        tile, offset, count = tile_of_node(level, idx)
        data = tiles.get(tile)
        if data is None or len(data) < (offset + count) * 32:
            continue
        if len(data) == TILE_WIDTH * 32:  # a full tile never changes: its inner nodes are folded once
            out[(level, idx)] = _full_tile_levels(bytes(data))[count.bit_length() - 1][offset // count]
        else:
            start = offset * 32
            out[(level, idx)] = perfect_root([data[o : o + 32] for o in range(start, start + count * 32, 32)])
    return out


@functools.lru_cache(maxsize=256)
def _full_tile_levels(data: bytes) -> tuple[list[bytes], ...]:
    """Every inner level of a full tile, from its 256 hashes up to its root (level h holds 256 >> h nodes).

    Keyed by the tile's bytes themselves, so a cached tile can never stand for other content. The top tiles of a
    large log (one per 65,536 entries at level 1) serve every proof, so most of a proof's hashing is done once
    per process (256 tiles: about 10 MB)."""
    sha256, prefix = hashlib.sha256, NODE_PREFIX
    levels = [[data[o : o + 32] for o in range(0, len(data), 32)]]
    while len(levels[-1]) > 1:
        pairs = iter(levels[-1])
        levels.append(
            [sha256(prefix + left + right).digest() for left, right in zip(pairs, pairs, strict=True)]
        )
    return tuple(levels)


def tile_appends(created: list[tuple[int, int, bytes]]) -> dict[TileId, tuple[int, bytes]]:
    """Group newly created full nodes ``(level, idx, hash)`` into tile appends: tile → (first offset, bytes).

    Only nodes of levels 0, 8, 16, … are stored; ``created`` must list each level's nodes in index order
    (as ``merkle.CompactRange.append`` produces them)."""
    out: dict[TileId, tuple[int, bytearray]] = {}
    for level, idx, h in created:
        if level % TILE_HEIGHT:
            continue
        tile = (level // TILE_HEIGHT, idx // TILE_WIDTH)
        if tile not in out:
            out[tile] = (idx % TILE_WIDTH, bytearray())
        out[tile][1].extend(h)
    return {tile: (offset, bytes(data)) for tile, (offset, data) in out.items()}
