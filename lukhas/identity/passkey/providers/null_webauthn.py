"""The built-in passkey provider: checks the input's shape, verifies no signature.

Its answers say ``"mode": "dry_run"`` and ``"verified": False``: a well-formed assertion
is ``ok`` (the seed's contract), but it is never a verification.
"""

import base64
from collections.abc import Mapping
from typing import Any

from lukhas.dry_run import InvalidInput, Result, mapping, ok, text

# The parts of a WebAuthn assertion (PublicKeyCredential JSON) no verifier can do without.
RESPONSE_FIELDS = ("clientDataJSON", "authenticatorData", "signature")
REGISTRATION_FIELDS = ("clientDataJSON", "attestationObject")

# Fixed values in dry-run options: deterministic, and recognisable as not for real use.
DRY_RUN_CHALLENGE = (
    base64.urlsafe_b64encode(b"lukhas dry run, not a challenge").decode().rstrip("=")
)
DRY_RUN_USER_HANDLE = base64.urlsafe_b64encode(b"lukhas dry run user").decode().rstrip("=")
ALGORITHMS = (-8, -7, -257)  # EdDSA, ES256, RS256
TIMEOUT_MS = 300_000


class NullWebAuthnProvider:
    """Safe in dry runs: no I/O, no state, the same answer for the same input."""

    name = "null"

    name = "null"

    def verify(self, assertion: Mapping[str, Any]) -> Result:
        try:
            credential_id = _credential("assertion", assertion, RESPONSE_FIELDS)
        except InvalidInput as problem:
            return {**problem.result(), "verified": False}
        return ok(verified=False, credential_id=credential_id)

    def register(self, credential: Mapping[str, Any]) -> Result:
        try:
            credential_id = _credential("credential", credential, REGISTRATION_FIELDS)
        except InvalidInput as problem:
            return problem.result()
        return ok(registered=False, credential_id=credential_id)

    def registration_options(
        self,
        user_id: str,
        user_name: str,
        *,
        display_name: str | None = None,
        tier: str | None = None,
        challenge: str | None = None,
    ) -> Result:
        try:
            text("user_id", user_id)
            name = text("user_name", user_name)
            shown = name if display_name is None else text("display_name", display_name)
            challenge = _optional(tier, challenge)
        except InvalidInput as problem:
            return problem.result()
        options = {
            "rp": {"name": "LUKHAS (dry run)"},
            "user": {"id": DRY_RUN_USER_HANDLE, "name": name, "displayName": shown},
            "challenge": challenge,
            "pubKeyCredParams": [{"type": "public-key", "alg": alg} for alg in ALGORITHMS],
            "timeout": TIMEOUT_MS,
            "excludeCredentials": [],
            "attestation": "none",
        }
        return ok(options=options)

    def authentication_options(
        self, user_id: str | None = None, *, tier: str | None = None, challenge: str | None = None
    ) -> Result:
        try:
            if user_id is not None:
                text("user_id", user_id)
            challenge = _optional(tier, challenge)
        except InvalidInput as problem:
            return problem.result()
        options = {
            "challenge": challenge,
            "timeout": TIMEOUT_MS,
            "allowCredentials": [],
            "userVerification": "required",
        }
        return ok(options=options)


def _credential(name: str, value: object, response_fields: tuple[str, ...]) -> str:
    """The id of a PublicKeyCredential JSON whose response has ``response_fields``."""
    credential = mapping(name, value)
    credential_id = text("id", credential.get("id"))
    if credential.get("type") != "public-key":
        raise InvalidInput("type", 'type must be "public-key"')
    response = mapping("response", credential.get("response"))
    for field in response_fields:
        text(f"response.{field}", response.get(field))
    return credential_id


def _optional(tier: object, challenge: object) -> str:
    """Check the optional tier and challenge; the challenge the options carry."""
    if tier is not None:
        text("tier", tier)
    return DRY_RUN_CHALLENGE if challenge is None else text("challenge", challenge)
