"""An independent verifier of a Parlons log and of its receipts. No Django, no database: only what is public.

``verify_log(source, ...)`` reads a log in the C2SP tlog-tiles layout (over HTTP or from a directory), checks
the checkpoint's signature, recomputes every leaf from the entry bundles and every tile from the leaves,
recomputes the root, and checks consistency with the last checkpoint it saw (kept in a small JSON state
file). ``check_receipt(receipt)`` checks a receipt offline. Both report problems as ``Problem(code, detail)``
so that callers can translate them; the codes are stable.
"""

from __future__ import annotations

import abc
import base64
import binascii
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parlons.ledger import merkle, note
from parlons.ledger.entries import receipt_code
from parlons.ledger.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    TileRef,
    decode_bundle,
    encode_bundle,
    split_hashes,
    tile_for,
)

RECEIPT_FORMAT = "parlons-receipt/v1"


@dataclass(frozen=True)
class Problem:
    code: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}" if self.detail else self.code


class VerificationFailed(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


# --- Sources -----------------------------------------------------------------------------------------------------


class Source(abc.ABC):
    """Where the verifier reads a log laid out as tlog-tiles: a directory or a URL."""

    @abc.abstractmethod
    def get(self, path: str) -> bytes | None:
        """The bytes at ``path`` in the tiles layout, or None when it does not exist."""


class DirSource(Source):
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def get(self, path: str) -> bytes | None:
        p = self.root / path
        return p.read_bytes() if p.is_file() else None


class UrlSource(Source):
    """Reads ``<prefix>/<path>`` over HTTP(S) with urllib (no other dependency)."""

    def __init__(self, prefix: str, timeout: float = 20.0) -> None:
        if not prefix.startswith(("http://", "https://")):
            raise ValueError("the origin URL must start with http:// or https://")
        self.prefix = prefix.rstrip("/")
        self.timeout = timeout

    def get(self, path: str) -> bytes | None:
        url = f"{self.prefix}/{path}"
        req = urllib.request.Request(url, headers={"User-Agent": "parlons-ledger-verify/1"})  # noqa: S310
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 (scheme checked above)
                return resp.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise


# --- The log -------------------------------------------------------------------------------------------------------


@dataclass
class LogReport:
    origin: str
    size: int
    root: bytes
    entries_checked: int = 0
    previous_size: int | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _fetch_tile(source: Source, ref: TileRef) -> bytes | None:
    data = source.get(ref.path())
    if data is None and not ref.is_full:
        # A log may replace a partial tile by the full one; the full tile's prefix is the partial tile.
        full = source.get(TileRef(ref.level, ref.index, TILE_WIDTH).path())
        if full is not None and ref.level is None:
            return encode_bundle(decode_bundle(full)[: ref.width])
        return full[: ref.width * 32] if full is not None else None
    return data


def verify_log(
    source: Source,
    *,
    verifiers: list[note.Verifier],
    state: dict[str, Any] | None = None,
    origin: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> LogReport:
    """Verify the whole log behind ``source``; ``state`` is the previous run's ``state_after(report)``."""
    raw = source.get("checkpoint")
    if raw is None:
        raise VerificationFailed([Problem("checkpoint_missing", "no checkpoint at <prefix>/checkpoint")])
    try:
        cp, _parsed = note.open_checkpoint(raw.decode(), verifiers, origin)
    except (note.NoteError, UnicodeDecodeError) as exc:
        raise VerificationFailed([Problem("checkpoint_signature", str(exc))]) from exc
    report = LogReport(cp.origin, cp.size, cp.root)
    old_size = old_root = None
    if state:
        if state.get("origin") not in (None, cp.origin):
            report.problems.append(Problem("state_origin", f"state file is for {state.get('origin')}"))
        old_size = int(state.get("size", 0))
        old_root = base64.b64decode(state.get("root", "")) if state.get("root") else None
        report.previous_size = old_size
        if old_size > cp.size:
            report.problems.append(
                Problem("log_shrank", f"size {cp.size} is below the {old_size} seen before")
            )

    # Every node the tiles hold, recomputed from the entries and compared tile by tile.
    cr = merkle.CompactRange()
    served: dict[int, tuple[int, list[bytes]]] = {}  # tile level → (tile index, hashes)

    def served_hash(merkle_level: int, idx: int) -> bytes | None:
        level, n = merkle_level // TILE_HEIGHT, idx // TILE_WIDTH
        cached = served.get(level)
        if cached is None or cached[0] != n:
            data = _fetch_tile(source, tile_for(level, n, cp.size))
            if data is None:
                report.problems.append(Problem("tile_missing", tile_for(level, n, cp.size).path()))
                served[level] = (n, [])
            else:
                served[level] = (n, split_hashes(data))
        hashes = served[level][1]
        return hashes[idx % TILE_WIDTH] if idx % TILE_WIDTH < len(hashes) else None

    mismatches = 0
    n_bundles = (cp.size + TILE_WIDTH - 1) // TILE_WIDTH
    for b in range(n_bundles):
        ref = tile_for(None, b, cp.size)
        data = _fetch_tile(source, ref)
        if data is None:
            raise VerificationFailed([*report.problems, Problem("bundle_missing", ref.path())])
        try:
            entries = decode_bundle(data)
        except ValueError as exc:
            raise VerificationFailed(
                [*report.problems, Problem("bundle_malformed", f"{ref.path()}: {exc}")]
            ) from exc
        if len(entries) != ref.width:
            report.problems.append(
                Problem("bundle_size", f"{ref.path()} holds {len(entries)} entries, not {ref.width}")
            )
            if len(entries) < ref.width:
                raise VerificationFailed(report.problems)
            entries = entries[: ref.width]
        for entry in entries:
            for level, idx, h in cr.append(merkle.leaf_hash(entry)):
                if level % TILE_HEIGHT == 0 and served_hash(level, idx) != h:
                    mismatches += 1
                    if mismatches <= 5:
                        report.problems.append(
                            Problem(
                                "tile_mismatch",
                                f"node (level {level}, index {idx}) differs from the served tile",
                            )
                        )
            if (
                old_size is not None
                and cr.size == old_size
                and old_root is not None
                and cr.root() != old_root
            ):
                report.problems.append(
                    Problem(
                        "inconsistent", f"the first {old_size} entries no longer have the root seen before"
                    )
                )
        report.entries_checked = cr.size
        if on_progress:
            on_progress(cr.size)
    if cr.root() != cp.root:
        report.problems.append(Problem("root_mismatch", "the entries do not hash to the checkpoint's root"))
    return report


def state_after(report: LogReport) -> dict[str, Any]:
    return {"origin": report.origin, "size": report.size, "root": note.b64(report.root)}


def load_state(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text()) if path.exists() else None


def save_state(path: Path, state: dict[str, Any]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(state, indent=2) + "\n")
    tmp.replace(path)


# --- Receipts --------------------------------------------------------------------------------------------------------


def _b64(value: Any) -> bytes:
    if not isinstance(value, str):
        raise ValueError("expected base64 text")
    return base64.b64decode(value, validate=True)


@dataclass
class ReceiptCheck:
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    index: int | None = None
    size: int | None = None
    origin: str | None = None
    entry: dict[str, Any] | None = None
    root: bytes | None = None

    @property
    def included(self) -> bool:
        return not self.problems


def check_receipt(receipt: dict[str, Any], *, trusted_keys: list[str] | None = None) -> ReceiptCheck:
    """Check a receipt offline: entry ↔ leaf hash, signed checkpoint, inclusion proof, tlog-proof agreement.

    With ``trusted_keys`` (vkeys), the checkpoint must be signed by one of them; without, the receipt's own
    key is used and a warning says to compare it with the key published on the transparency page.
    """
    out = ReceiptCheck()
    p = out.problems.append
    if not isinstance(receipt, dict) or receipt.get("format") != RECEIPT_FORMAT:
        p(Problem("format", f"not a {RECEIPT_FORMAT} file"))
        return out
    try:
        entry = _b64(receipt["entry"])
        leaf = _b64(receipt["leaf_hash"])
        proof = [_b64(h) for h in receipt["inclusion_proof"]]
        index, size = int(receipt["index"]), int(receipt["tree_size"])
        checkpoint_note = str(receipt["checkpoint"])
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        p(Problem("malformed", f"missing or malformed field ({exc})"))
        return out
    out.index, out.size, out.origin = index, size, receipt.get("origin")
    try:
        out.entry = json.loads(entry.decode())
    except (UnicodeDecodeError, ValueError):
        p(Problem("entry_malformed", "the entry is not JSON"))
    if merkle.leaf_hash(entry) != leaf:
        p(Problem("entry_altered", "the entry does not hash to the receipt's leaf hash"))
    code = receipt.get("code")
    if code is not None and receipt_code(merkle.leaf_hash(entry)) != code:
        p(Problem("code_mismatch", "the short code does not match the entry"))

    keys = trusted_keys if trusted_keys else ([receipt["public_key"]] if receipt.get("public_key") else [])
    if not trusted_keys:
        out.warnings.append(
            Problem("key_not_pinned", "compare the receipt's key with the one on the transparency page")
        )
    try:
        verifiers = [note.Verifier.parse(k) for k in keys]
    except note.NoteError as exc:
        p(Problem("public_key", str(exc)))
        return out
    try:
        cp, _n = note.open_checkpoint(checkpoint_note, verifiers, out.origin)
    except note.NoteError as exc:
        p(Problem("checkpoint_signature", str(exc)))
        return out
    out.root = cp.root
    if cp.size != size:
        p(Problem("size_mismatch", f"the receipt says size {size}, the checkpoint {cp.size}"))
    try:
        merkle.verify_inclusion(index, cp.size, merkle.leaf_hash(entry), proof, cp.root)
    except merkle.ProofError as exc:
        p(Problem("not_included", str(exc)))
    tlog = receipt.get("tlog_proof")
    if tlog:
        try:
            t_index, t_proof, t_cp, _extra = note.parse_tlog_proof(tlog)
            if (
                t_index != index
                or t_proof != proof
                or note.parse(t_cp).text != note.parse(checkpoint_note).text
            ):
                p(Problem("tlog_proof_mismatch", "the tlog-proof part disagrees with the receipt"))
        except note.NoteError as exc:
            p(Problem("tlog_proof_mismatch", str(exc)))
    return out
