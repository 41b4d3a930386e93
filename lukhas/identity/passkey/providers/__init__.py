"""What a passkey (WebAuthn) verification provider must offer."""

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class PasskeyProvider(Protocol):
    name: str  # labels the MATRIZ node of each call it answers: provider:<name>

    def verify(self, assertion: Mapping[str, Any]) -> dict[str, Any]:
        """Verify a WebAuthn assertion; answer with ``ok``, ``provider`` and ``mode``
        (``"live"`` for a real verifier)."""
        ...
