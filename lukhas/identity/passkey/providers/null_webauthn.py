"""The built-in passkey provider: checks the assertion's shape, verifies no signature."""

from collections.abc import Mapping
from typing import Any

from lukhas.dry_run import InvalidInput, Result, mapping, ok, text

# The parts of a WebAuthn assertion (PublicKeyCredential JSON) no verifier can do without.
RESPONSE_FIELDS = ("clientDataJSON", "authenticatorData", "signature")


class NullWebAuthnProvider:
    """Safe in dry runs: no I/O, no state, the same answer for the same assertion."""

    name = "null"

    def verify(self, assertion: Mapping[str, Any]) -> Result:
        try:
            credential = mapping("assertion", assertion)
            credential_id = text("id", credential.get("id"))
            if credential.get("type") != "public-key":
                raise InvalidInput("type", 'type must be "public-key"')
            response = mapping("response", credential.get("response"))
            for name in RESPONSE_FIELDS:
                text(f"response.{name}", response.get(name))
        except InvalidInput as problem:
            return problem.result()
        return ok(credential_id=credential_id)
