"""C2SP tlog-tiles layout: tile paths, entry bundles, and which tiles a tree of a given size has. No Django.

A tile (L, N) holds the hashes of the full nodes at Merkle level 8·L with indices N·256 … N·256+255; the
entry bundle N holds entries N·256 … N·256+255 as big-endian uint16 length-prefixed byte strings. The
rightmost tiles of a tree are partial (width W < 256) and served at ``….p/W``.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass

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
