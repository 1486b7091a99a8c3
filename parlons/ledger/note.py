"""C2SP signed notes, Ed25519 keys, tlog-checkpoint bodies and tlog-cosignature/v1. No Django.

- signed-note: ``text`` (non-empty lines, each ending in "\\n") + "\\n" + signature lines
  ``— <name> base64(keyid(4) || signature)``; Ed25519 signs ``text`` exactly.
- key id = SHA-256(name || 0x0A || alg || public key)[:4]; alg 0x01 = Ed25519 note signature, 0x04 =
  cosignature/v1. Verifier key: ``name+hexkeyid+base64(alg || pubkey)``; signer key (Go format):
  ``PRIVATE+KEY+name+hexkeyid+base64(0x01 || seed)``.
- tlog-checkpoint body: origin, decimal size, base64 root hash, optional extension lines.
- tlog-cosignature/v1: a witness signs ``cosignature/v1\\ntime <T>\\n`` + checkpoint body; the signature is
  keyid || uint64be(T) || Ed25519 signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
SIG_PREFIX = "\u2014 "  # em dash + space
MAX_SIGNATURES = 100


class NoteError(ValueError):
    """A malformed note or key, or a signature that does not verify."""


def _b64d(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"invalid base64: {text[:20]}…") from exc


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _valid_name(name: str) -> bool:
    return bool(name) and not any(c.isspace() or c == "+" for c in name) and name.isprintable()


def key_id(name: str, alg: int, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()[:4]


def public_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class Verifier:
    name: str
    key_id: bytes
    public_key: bytes
    alg: int = ALG_ED25519

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        """Parse ``name+hexkeyid+base64(alg||key)``; rejects bad names, lengths, algorithms and key ids."""
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise NoteError("a verifier key has the form name+keyid+key")
        name, hex_id, key_b64 = parts
        if not _valid_name(name):
            raise NoteError("invalid key name")
        if len(hex_id) != 8:
            raise NoteError("the key id has 8 hexadecimal digits")
        try:
            kid = bytes.fromhex(hex_id)
        except ValueError as exc:
            raise NoteError("the key id is not hexadecimal") from exc
        raw = _b64d(key_b64)
        if not raw or raw[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
            raise NoteError("unknown signature algorithm")
        if len(raw) != 33:
            raise NoteError("an Ed25519 public key has 32 bytes")
        if key_id(name, raw[0], raw[1:]) != kid:
            raise NoteError("the key id does not match the name and key")
        return cls(name=name, key_id=kid, public_key=raw[1:], alg=raw[0])

    def vkey(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{b64(bytes([self.alg]) + self.public_key)}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True)
class Signer:
    name: str
    private_key: Ed25519PrivateKey = field(repr=False)

    @classmethod
    def generate(cls, name: str) -> Signer:
        if not _valid_name(name):
            raise NoteError("invalid key name")
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Signer:
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def parse(cls, skey: str) -> Signer:
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("a signer key has the form PRIVATE+KEY+name+keyid+key")
        name, hex_id, key_b64 = parts[2:]
        raw = _b64d(key_b64)
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("unsupported signer key")
        signer = cls.from_seed(name, raw[1:])
        if signer.verifier().key_id.hex() != hex_id:
            raise NoteError("the key id does not match the signer key")
        return signer

    def seed(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

        return self.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())

    def skey(self) -> str:
        v = self.verifier()
        return f"PRIVATE+KEY+{self.name}+{v.key_id.hex()}+{b64(bytes([ALG_ED25519]) + self.seed())}"

    def verifier(self, alg: int = ALG_ED25519) -> Verifier:
        pub = public_bytes(self.private_key)
        return Verifier(self.name, key_id(self.name, alg, pub), pub, alg)

    def signature_line(self, text: str) -> str:
        sig = self.private_key.sign(text.encode())
        return f"{SIG_PREFIX}{self.name} {b64(self.verifier().key_id + sig)}\n"

    def cosignature_line(self, checkpoint_text: str, timestamp: int) -> str:
        message = cosignature_message(checkpoint_text, timestamp)
        sig = self.private_key.sign(message)
        kid = self.verifier(ALG_COSIGNATURE_V1).key_id
        return f"{SIG_PREFIX}{self.name} {b64(kid + struct.pack('>Q', timestamp) + sig)}\n"


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    signature: bytes  # what follows the key id (for cosignatures: timestamp || signature)
    line: str


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[Signature, ...]

    def __str__(self) -> str:
        return self.text + "\n" + "".join(s.line for s in self.signatures)


def sign(text: str, signer: Signer) -> str:
    """The signed note for ``text`` (which must end with a newline)."""
    _check_text(text)
    return text + "\n" + signer.signature_line(text)


def _check_text(text: str) -> None:
    if not text.endswith("\n") or "\n\n" in text or text.startswith("\n"):
        raise NoteError("note text must be non-empty lines, each ending with a newline")
    if any(not c.isprintable() and c != "\n" for c in text):
        raise NoteError("note text must be printable")


def parse(note: str) -> Note:
    """Split a signed note into its text and signature lines (no verification)."""
    if "\r" in note:
        raise NoteError("carriage returns are not allowed")
    text, sep, sigs = note.rpartition("\n\n")
    if not sep:
        raise NoteError("a signed note needs a blank line before its signatures")
    text += "\n"
    _check_text(text)
    if not sigs.endswith("\n"):
        raise NoteError("the last signature line must end with a newline")
    signatures = []
    for line in sigs[:-1].split("\n"):
        if not line.startswith(SIG_PREFIX):
            raise NoteError("malformed signature line")
        name, _, sig_b64 = line[len(SIG_PREFIX) :].rpartition(" ")
        raw = _b64d(sig_b64)
        if not _valid_name(name) or len(raw) < 5:
            raise NoteError("malformed signature line")
        signatures.append(Signature(name, raw[:4], raw[4:], line + "\n"))
    if not signatures or len(signatures) > MAX_SIGNATURES:
        raise NoteError("a signed note needs between 1 and 100 signatures")
    return Note(text, tuple(signatures))


def open_note(note: str, verifiers: list[Verifier]) -> tuple[Note, list[Verifier]]:
    """Parse and verify: returns the note and the known verifiers whose signature is valid.

    Signatures by unknown keys are ignored; a signature by a known key that does not verify is an error;
    at least one known key must have signed.
    """
    parsed = parse(note)
    known = {(v.name, v.key_id): v for v in verifiers if v.alg == ALG_ED25519}
    good: list[Verifier] = []
    for sig in parsed.signatures:
        v = known.get((sig.name, sig.key_id))
        if v is None:
            continue
        if not v.verify(parsed.text.encode(), sig.signature):
            raise NoteError(f"invalid signature by {v.name}")
        good.append(v)
    if not good:
        raise NoteError("no signature by a known key")
    return parsed, good


def cosignature_message(checkpoint_text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n".encode() + checkpoint_text.encode()


def verify_cosignature(checkpoint_text: str, line: str, witness: Verifier) -> int:
    """Check one tlog-cosignature/v1 line over a checkpoint body; returns its timestamp."""
    if witness.alg != ALG_COSIGNATURE_V1:
        raise NoteError("a witness key must be a cosignature/v1 key (algorithm 0x04)")
    line = line if line.endswith("\n") else line + "\n"
    if not line.startswith(SIG_PREFIX):
        raise NoteError("malformed cosignature line")
    name, _, sig_b64 = line[len(SIG_PREFIX) : -1].rpartition(" ")
    raw = _b64d(sig_b64)
    if name != witness.name or raw[:4] != witness.key_id:
        raise NoteError("the cosignature is not by this witness key")
    if len(raw) != 4 + 8 + 64:
        raise NoteError("a cosignature has a key id, a timestamp and a 64-byte signature")
    (timestamp,) = struct.unpack(">Q", raw[4:12])
    if not witness.verify(cosignature_message(checkpoint_text, timestamp), raw[12:]):
        raise NoteError(f"invalid cosignature by {witness.name}")
    return int(timestamp)


# --- Checkpoints ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), b64(self.root), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse_text(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("a checkpoint has an origin, a size and a root hash")
        origin, size_s, root_s, *ext = lines[:-1]
        if not origin or not size_s.isdigit() or (size_s != "0" and size_s.startswith("0")):
            raise NoteError("malformed checkpoint size")
        root = _b64d(root_s)
        if len(root) != 32:
            raise NoteError("the checkpoint root is not a 32-byte hash")
        return cls(origin, int(size_s), root, tuple(ext))


def open_checkpoint(
    note: str, verifiers: list[Verifier], origin: str | None = None
) -> tuple[Checkpoint, Note]:
    parsed, _ = open_note(note, verifiers)
    cp = Checkpoint.parse_text(parsed.text)
    if origin is not None and cp.origin != origin:
        raise NoteError(f"checkpoint origin {cp.origin!r} is not {origin!r}")
    return cp, parsed


# --- tlog-proof (c2sp.org/tlog-proof@v1) ---------------------------------------------------------------------

TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1"


def tlog_proof(index: int, proof: list[bytes], checkpoint_note: str, extra: bytes | None = None) -> str:
    lines = [TLOG_PROOF_HEADER]
    if extra is not None:
        lines.append(f"extra {b64(extra)}")
    lines.append(f"index {index}")
    lines += [b64(h) for h in proof]
    return "\n".join(lines) + "\n\n" + checkpoint_note


def parse_tlog_proof(text: str) -> tuple[int, list[bytes], str, bytes | None]:
    head, sep, checkpoint_note = text.partition("\n\n")
    if not sep:
        raise NoteError("a tlog-proof has a blank line before its checkpoint")
    lines = head.split("\n")
    if lines[0] != TLOG_PROOF_HEADER:
        raise NoteError("not a c2sp.org/tlog-proof@v1 file")
    extra = None
    rest = lines[1:]
    if rest and rest[0].startswith("extra "):
        extra = _b64d(rest.pop(0)[6:])
    if not rest or not rest[0].startswith("index ") or not rest[0][6:].isdigit():
        raise NoteError("missing index line")
    index = int(rest[0][6:])
    proof = [_b64d(line) for line in rest[1:]]
    return index, proof, checkpoint_note, extra
