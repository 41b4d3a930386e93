"""The ledger's keys: pseudonymous lookups, per-subject data keys, sealed payloads.

One 32-byte master key, kept outside the database (see ``docs/consent-ledger.md``, "Key
management"), derives with HKDF-SHA256:

- the lookup key: ``HMAC-SHA256(lookup key, user id)`` finds a subject's row, so the raw
  user id is never stored;
- the key-encryption key (KEK): wraps each subject's AES-256-GCM data key at rest;
- a fingerprint, stored in the ledger, so opening it with another master key is refused
  instead of silently finding no subject.
"""

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from candidate.governance.consent_ledger.errors import LedgerConfigError

KEY_BYTES = 32
NONCE_BYTES = 12  # AES-GCM's standard nonce; random per message (NIST SP 800-38D, 8.2.2)
_INFO = b"lukhas-consent-ledger/v1/"


class SealError(Exception):
    """A sealed value did not decrypt: wrong key, or the stored bytes were changed."""


@dataclass(frozen=True, repr=False)
class LedgerKeys:
    """The keys derived from one master key (``repr`` shows none of them)."""

    lookup_key: bytes
    kek: bytes
    fingerprint: bytes

    @classmethod
    def from_master(cls, master: bytes) -> "LedgerKeys":
        if len(master) != KEY_BYTES:
            raise LedgerConfigError(
                f"the consent ledger master key must be {KEY_BYTES} bytes, got {len(master)}; "
                f"{GENERATE_HINT}"
            )
        return cls(
            lookup_key=_derive(master, b"lookup"),
            kek=_derive(master, b"kek"),
            fingerprint=_derive(master, b"fingerprint"),
        )

    def lookup(self, user_id: str) -> bytes:
        """The pseudonymous index of ``user_id``: its keyed HMAC."""
        return hmac.digest(self.lookup_key, user_id.encode(), hashlib.sha256)

    def __repr__(self) -> str:
        return "LedgerKeys(<secret>)"


GENERATE_HINT = (
    "generate one with: python -c "
    '"import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())"'
)


def new_master_key() -> str:
    """A fresh master key, base64-encoded (what ``parse_master_key`` reads)."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def parse_master_key(value: bytes | str, origin: str) -> bytes:
    """A master key from raw bytes, or from base64 text (standard or URL-safe alphabet).

    ``origin`` names where the value came from, for the error message.
    """
    if isinstance(value, bytes) and len(value) == KEY_BYTES:
        return value
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
    try:
        raw = base64.b64decode(text.strip().replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raw = None
    if raw is None or len(raw) != KEY_BYTES:
        raise LedgerConfigError(
            f"{origin}: expected a {KEY_BYTES}-byte key in base64 (44 characters); {GENERATE_HINT}"
        )
    return raw


def read_key_file(path: Path) -> bytes:
    """The master key stored, in base64, in ``path``."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise LedgerConfigError(
            f"cannot read the consent ledger key file {path}: {exc.strerror}"
        ) from None
    return parse_master_key(content, f"key file {path}")


def new_data_key() -> bytes:
    """A fresh per-subject AES-256-GCM key."""
    return AESGCM.generate_key(bit_length=256)


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """``nonce || AES-GCM(key, plaintext, aad)``: confidential, and bound to ``aad``."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def unseal(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    """The plaintext of ``seal(key, plaintext, aad)``; SealError if anything differs."""
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
    except (InvalidTag, ValueError):
        raise SealError("a sealed value does not decrypt with its key") from None


def _derive(master: bytes, purpose: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=_INFO + purpose)
    return hkdf.derive(master)
