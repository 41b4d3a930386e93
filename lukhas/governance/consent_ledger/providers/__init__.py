"""What a consent ledger provider must offer.

Every method answers a dict with ``ok``, ``provider`` and ``mode`` (``"live"`` for a real
ledger); a failure is ``ok: False`` with an ``error`` (``code``, ``message``), never an
exception.
"""

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class ConsentProvider(Protocol):
    name: str  # labels the MATRIZ node of each call it answers: provider:<name>

    def record(self, entry: Mapping[str, Any]) -> dict[str, Any]:
        """Record ``entry`` (``user_id``, ``scope``, ``metadata``, optional terms: see
        ``validation.ConsentEntry``); answer with ``ok``, ``provider`` and ``mode``."""
        ...

    def verify_consent(self, user_id: str, scope: str) -> dict[str, Any]:
        """Answer ``allowed`` (bool) and ``reason``: None when allowed, else ``"none"``,
        ``"withdrawn"`` or ``"expired"``."""
        ...

    def withdraw_consent(self, user_id: str, scope: str) -> dict[str, Any]:
        """Withdraw the grant of ``scope`` at once; answer ``withdrawn`` (whether one was)."""
        ...

    def export_subject(self, user_id: str) -> dict[str, Any]:
        """Answer ``export``: every event of the subject, decrypted, JSON-serialisable."""
        ...

    def erase_subject(self, user_id: str) -> dict[str, Any]:
        """Make the subject's events unreadable and unlinkable; answer ``erased``."""
        ...

    def verify_chain(self) -> dict[str, Any]:
        """Answer ``valid``, ``length`` and ``first_bad`` (the first bad position or None)."""
        ...
