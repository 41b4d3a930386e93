"""verify_passkey: the passkey slice's public API."""

from collections.abc import Mapping
from typing import Any

from lukhas.flags import live
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

    Trust the answer as a verification only when its ``mode`` is ``"live"``: in dry-run
    mode the null provider checks the assertion's shape, not its signature.
    """
    return get_provider(enabled=live(FEATURE_FLAG)).verify(assertion)
