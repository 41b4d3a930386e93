"""What a consent ledger provider must offer."""

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class ConsentProvider(Protocol):
    name: str  # labels the MATRIZ node of each call it answers: provider:<name>

    def record(self, entry: Mapping[str, Any]) -> dict[str, Any]:
        """Record ``entry`` (``user_id``, ``scope``, ``metadata``); answer with ``ok``,
        ``provider`` and ``mode`` (``"live"`` for a real ledger)."""
        ...
