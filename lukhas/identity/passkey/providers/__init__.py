"""What a passkey (WebAuthn) verification provider must offer."""

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class PasskeyProvider(Protocol):
    name: str  # labels the MATRIZ node of each call it answers: provider:<name>

    def verify(self, assertion: Mapping[str, Any]) -> dict[str, Any]:
        """Verify a WebAuthn assertion; answer with ``ok``, ``verified``, ``provider`` and
        ``mode`` (``"live"`` for a real verifier)."""
        ...


@runtime_checkable
class PasskeyCeremonies(PasskeyProvider, Protocol):
    """A provider that also runs the ceremonies around verification: options with a
    server-issued challenge, and registration of new credentials."""

    def registration_options(
        self,
        user_id: str,
        user_name: str,
        *,
        display_name: str | None = None,
        tier: str | None = None,
        challenge: str | None = None,
    ) -> dict[str, Any]: ...

    def register(self, credential: Mapping[str, Any]) -> dict[str, Any]: ...

    def authentication_options(
        self, user_id: str | None = None, *, tier: str | None = None, challenge: str | None = None
    ) -> dict[str, Any]: ...
