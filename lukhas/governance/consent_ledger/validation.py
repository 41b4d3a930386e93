"""What a consent record holds, and the input checks every consent provider applies.

The null provider and real ledgers share these checks, so a dry run refuses the input a
live ledger refuses (except what needs a clock or storage, such as an expiry in the past).
Errors name the field and the expected form, never the value: it may be personal data.
"""

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lukhas.dry_run import InvalidInput, mapping, text

# GDPR Art. 6(1)(a) to (f); a consent ledger records "consent" unless told otherwise.
LAWFUL_BASES = (
    "consent",
    "contract",
    "legal_obligation",
    "vital_interests",
    "public_task",
    "legitimate_interests",
)
EXPORT_FORMAT = "lukhas-consent-export/1"  # the format of export_subject's answer
MAX_USER_ID = 1024
MAX_TEXT = 256
MAX_METADATA_BYTES = 64 * 1024
_SHA256_HEX = re.compile(r"(?:sha256:)?([0-9a-fA-F]{64})")


@dataclass(frozen=True)
class ConsentEntry:
    """A checked grant. Optional terms are None when the caller did not give them."""

    user_id: str
    scope: str
    metadata: dict[str, Any]
    purpose: str | None = None
    lawful_basis: str | None = None
    notice_version: str | None = None
    notice_hash: str | None = None  # lower-case hex SHA-256 of the notice shown
    expires_at: float | None = None  # Unix time in seconds

    def given(self) -> dict[str, Any]:
        """The entry as a dict, without the optional terms that were not given."""
        fields = {
            "purpose": self.purpose,
            "lawful_basis": self.lawful_basis,
            "notice_version": self.notice_version,
            "notice_hash": self.notice_hash,
            "expires_at": self.expires_at,
        }
        base = {"user_id": self.user_id, "scope": self.scope, "metadata": self.metadata}
        return base | {name: value for name, value in fields.items() if value is not None}


def consent_entry(entry: Mapping[str, Any]) -> ConsentEntry:
    """Check a grant (``user_id``, ``scope``, ``metadata`` and optional terms)."""
    user_id, scope = subject_scope(entry.get("user_id"), entry.get("scope"))
    metadata = dict(mapping("metadata", entry.get("metadata")))
    try:
        encoded = json.dumps(metadata, allow_nan=False)
    except (TypeError, ValueError):
        raise InvalidInput(
            "metadata",
            "metadata must be JSON-serialisable: string keys; strings, finite numbers, "
            "booleans, null, lists and mappings as values",
        ) from None
    if len(encoded.encode()) > MAX_METADATA_BYTES:
        raise InvalidInput(
            "metadata", f"metadata must encode to at most {MAX_METADATA_BYTES} bytes"
        )
    return ConsentEntry(
        user_id=user_id,
        scope=scope,
        metadata=metadata,
        purpose=_optional_text("purpose", entry.get("purpose")),
        lawful_basis=_lawful_basis(entry.get("lawful_basis")),
        notice_version=_optional_text("notice_version", entry.get("notice_version")),
        notice_hash=_notice_hash(entry.get("notice_hash")),
        expires_at=_expires_at(entry.get("expires_at")),
    )


def subject_scope(user_id: object, scope: object) -> tuple[str, str]:
    """Check a user id and a scope."""
    return subject(user_id), bounded_text("scope", scope, MAX_TEXT)


def subject(user_id: object) -> str:
    """Check a user id."""
    return bounded_text("user_id", user_id, MAX_USER_ID)


def bounded_text(field: str, value: object, limit: int) -> str:
    """``value`` if it is a non-blank string of at most ``limit`` characters."""
    checked = text(field, value)
    if len(checked) > limit:
        raise InvalidInput(field, f"{field} must be at most {limit} characters long")
    try:
        checked.encode()
    except UnicodeEncodeError:  # a lone surrogate: no storage or hash can take it
        raise InvalidInput(field, f"{field} must be valid Unicode text") from None
    return checked


def _optional_text(field: str, value: object) -> str | None:
    return None if value is None else bounded_text(field, value, MAX_TEXT)


def _lawful_basis(value: object) -> str | None:
    if value is None or value in LAWFUL_BASES:
        return value  # type: ignore[return-value]
    raise InvalidInput("lawful_basis", f"lawful_basis must be one of: {', '.join(LAWFUL_BASES)}")


def _notice_hash(value: object) -> str | None:
    if value is None:
        return None
    match = _SHA256_HEX.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidInput(
            "notice_hash",
            'notice_hash must be a SHA-256 in hex (64 digits, "sha256:" prefix allowed)',
        )
    return match.group(1).lower()


def _expires_at(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput("expires_at", "expires_at must be a Unix time in seconds (a number)")
    if value <= 0:
        raise InvalidInput("expires_at", "expires_at must be a Unix time after 1970")
    return float(value)
