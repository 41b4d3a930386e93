"""Structured answers: every outcome is a dict, every failure a refusal with a reason code.

The provider never raises to its caller. Code inside it raises :class:`Refusal`; the
provider's boundary turns it into ``{"ok": False, "verified": False, ..., "error":
{"code", "field", "message"}}``. Messages name what was wrong, never the value: a value
may be personal data, a credential id or raw client data.
"""

from enum import StrEnum
from typing import Any

PROVIDER_NAME = "webauthn"

Answer = dict[str, Any]


class Reason(StrEnum):
    """Why a call was refused (``error.code``)."""

    # The input's shape and encoding.
    INVALID_INPUT = "invalid_input"  # a field is missing or of the wrong type
    TOO_LARGE = "too_large"  # a field exceeds its size limit
    MALFORMED_BASE64 = "malformed_base64"  # not canonical base64url
    MALFORMED_JSON = "malformed_json"  # clientDataJSON is not a UTF-8 JSON object
    MALFORMED_CBOR = "malformed_cbor"  # attestationObject, COSE key or extensions
    MALFORMED_AUTHENTICATOR_DATA = "malformed_authenticator_data"
    # The ceremony.
    WRONG_CEREMONY = "wrong_ceremony"  # a registration response used to sign in, or back
    UNKNOWN_CHALLENGE = "unknown_challenge"  # never issued here, or purged
    CHALLENGE_REPLAYED = "challenge_replayed"  # issued here and already used
    CHALLENGE_EXPIRED = "challenge_expired"
    CHALLENGE_MISMATCH = "challenge_mismatch"  # not the challenge the caller's session holds
    CHALLENGE_REUSED = "challenge_reused"  # a caller-supplied challenge that is still on record
    ORIGIN_NOT_ALLOWED = "origin_not_allowed"
    CROSS_ORIGIN_NOT_ALLOWED = "cross_origin_not_allowed"  # crossOrigin or topOrigin
    TOKEN_BINDING_UNSUPPORTED = "token_binding_unsupported"
    RP_ID_MISMATCH = "rp_id_mismatch"
    USER_NOT_PRESENT = "user_not_present"
    USER_VERIFICATION_REQUIRED = "user_verification_required"
    INVALID_BACKUP_FLAGS = "invalid_backup_flags"  # backed up (BS) but not eligible (BE)
    # The credential.
    UNKNOWN_CREDENTIAL = "unknown_credential"
    CREDENTIAL_NOT_ALLOWED = "credential_not_allowed"  # not in allowCredentials / other user
    USER_HANDLE_MISMATCH = "user_handle_mismatch"
    USER_HANDLE_MISSING = "user_handle_missing"  # required when no user was named
    BACKUP_ELIGIBILITY_MISMATCH = "backup_eligibility_mismatch"
    SIGN_COUNT_ROLLBACK = "sign_count_rollback"
    BAD_SIGNATURE = "bad_signature"
    ASSERTION_INVALID = "assertion_invalid"  # refused by py_webauthn for another reason
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    ATTESTATION_INVALID = "attestation_invalid"
    CREDENTIAL_EXISTS = "credential_exists"
    # Policy.
    UNKNOWN_TIER = "unknown_tier"
    PASSWORD_FALLBACK_DISABLED = "password_fallback_disabled"
    PASSKEY_REQUIRED = "passkey_required"  # the user has a passkey and did not decline it
    PASSWORD_TOO_SHORT = "password_too_short"
    INVALID_CREDENTIALS = "invalid_credentials"  # unknown user or wrong password, alike
    # The provider itself.
    UNAVAILABLE = "unavailable"  # the credential store failed
    INTERNAL_ERROR = "internal_error"


class Refusal(Exception):
    """Raised inside the provider; :meth:`answer` is what the caller gets.

    ``user`` is the pseudonym of the user concerned, when known: for the log only.
    """

    user: str | None = None

    def __init__(self, reason: Reason, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.field = field

    def answer(self) -> Answer:
        error = {"code": self.reason.value, "field": self.field, "message": self.message}
        return {"ok": False, "verified": False, **_LIVE, "error": error}


_LIVE = {"provider": PROVIDER_NAME, "mode": "live"}


def accepted(**fields: Any) -> Answer:
    """A successful answer of the live provider, with ``fields``."""
    return {"ok": True, **_LIVE, **fields}


def kind(value: object) -> str:
    """The type of ``value`` for a message; never the value itself."""
    if isinstance(value, str):
        return "an empty string" if not value else "a string"
    return "None" if value is None else type(value).__name__
