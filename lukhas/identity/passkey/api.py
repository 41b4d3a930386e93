"""The passkey slice's public API: verify_passkey, and the ceremonies around it."""

from collections.abc import Mapping
from typing import Any

from lukhas.flags import live
from lukhas.identity.passkey.providers import PasskeyCeremonies
from lukhas.identity.passkey.registry import get_provider
from lukhas.observability import instrument

FEATURE_FLAG = "FEATURE_IDENTITY_PASSKEY"


@instrument(
    "DECISION",
    label="identity:passkey.verify",
    capability="verify_passkey",
    salience=0.5,
    urgency=0.8,
)
def verify_passkey(assertion: Mapping[str, Any]) -> dict[str, Any]:
    """Verify a WebAuthn assertion (PublicKeyCredential JSON: ``id``, ``type``, ``response``).

    Trust the answer as a verification only when ``mode == "live"`` and ``verified`` is
    true: in dry-run mode the null provider checks the assertion's shape, not its
    signature, and answers ``ok: True, verified: False`` for any well-formed assertion.
    """
    return get_provider(enabled=live(FEATURE_FLAG)).verify(assertion)


@instrument(
    "COMPUTATION",
    label="identity:passkey.registration_options",
    capability="passkey_registration_options",
    salience=0.3,
    urgency=0.5,
)
def passkey_registration_options(
    user_id: str,
    user_name: str,
    *,
    display_name: str | None = None,
    tier: str | None = None,
    challenge: str | None = None,
) -> dict[str, Any]:
    """Options for ``navigator.credentials.create()`` (``answer["options"]``), with a
    single-use challenge; ``challenge`` (base64url) when the caller's session chose one.
    ``tier`` names the policy tier that decides whether user verification is required."""
    provider = get_provider(enabled=live(FEATURE_FLAG))
    if not isinstance(provider, PasskeyCeremonies):
        return _unsupported(provider)
    return provider.registration_options(
        user_id, user_name, display_name=display_name, tier=tier, challenge=challenge
    )


@instrument(
    "DECISION",
    label="identity:passkey.register",
    capability="register_passkey",
    salience=0.5,
    urgency=0.6,
)
def register_passkey(credential: Mapping[str, Any]) -> dict[str, Any]:
    """Verify the PublicKeyCredential JSON ``navigator.credentials.create()`` returned and
    store its credential; registered only when ``mode == "live"`` and ``registered``."""
    provider = get_provider(enabled=live(FEATURE_FLAG))
    if not isinstance(provider, PasskeyCeremonies):
        return _unsupported(provider)
    return provider.register(credential)


@instrument(
    "COMPUTATION",
    label="identity:passkey.authentication_options",
    capability="passkey_authentication_options",
    salience=0.3,
    urgency=0.7,
)
def passkey_authentication_options(
    user_id: str | None = None, *, tier: str | None = None, challenge: str | None = None
) -> dict[str, Any]:
    """Options for ``navigator.credentials.get()``: for ``user_id``'s credentials, or any
    discoverable credential when None; the challenge is single-use and expires."""
    provider = get_provider(enabled=live(FEATURE_FLAG))
    if not isinstance(provider, PasskeyCeremonies):
        return _unsupported(provider)
    return provider.authentication_options(user_id, tier=tier, challenge=challenge)


def _unsupported(provider: object) -> dict[str, Any]:
    """The answer when the registered provider only verifies and runs no ceremonies."""
    name = getattr(provider, "name", type(provider).__name__)
    message = f"the passkey provider {name!r} only verifies assertions"
    error = {"code": "unsupported", "field": None, "message": message}
    return {"ok": False, "provider": name, "mode": "live", "error": error}
