"""Sealing the organisations' checkpoint signing keys at rest.

Choice (see parlons/ledger/README.md): each organisation's Ed25519 private key lives in the database, sealed with
AES-256-GCM under one *key-encryption key* (KEK) that never enters the database. The KEK comes from, in order:
the setting ``PARLONS_LEDGER_KEK`` / environment variable of the same name (base64 of 32 bytes, for
deployments with several app servers or a secrets manager), else the file ``PARLONS_DATA_DIR/keys/ledger.kek``
(created 0600 on first use, for the embedded mode). A database dump alone therefore cannot forge checkpoints;
backing up the KEK with the database is an operator's duty (without it the log stays verifiable, but a new key
must be generated and announced). The AEAD's associated data binds a sealed key to its organisation and key id,
so sealed blobs cannot be swapped between towns.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings


def _kek() -> bytes:
    configured = getattr(settings, "PARLONS_LEDGER_KEK", "") or os.environ.get("PARLONS_LEDGER_KEK", "")
    if configured:
        key = base64.b64decode(configured)
        if len(key) != 32:
            raise ValueError("PARLONS_LEDGER_KEK must be the base64 of 32 bytes")
        return key
    path = Path(settings.DATA_DIR) / "keys" / "ledger.kek"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
    key = path.read_bytes()
    if len(key) != 32:
        raise ValueError(f"{path} must hold exactly 32 bytes")
    return key


def _aad(organisation_id: int, key_id: str) -> bytes:
    return f"parlons-ledger-key:{organisation_id}:{key_id}".encode()


def seal(seed: bytes, *, organisation_id: int, key_id: str) -> bytes:
    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(_kek()).encrypt(nonce, seed, _aad(organisation_id, key_id))


def unseal(blob: bytes, *, organisation_id: int, key_id: str) -> bytes:
    blob = bytes(blob)
    return AESGCM(_kek()).decrypt(blob[:12], blob[12:], _aad(organisation_id, key_id))
