"""What a context bus provider must offer."""

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class ContextBusProvider(Protocol):
    name: str  # labels the MATRIZ node of each call it answers: provider:<name>

    def handoff(self, ctx: Mapping[str, Any], target: str) -> dict[str, Any]:
        """Hand ``ctx`` to ``target``; answer with ``ok``, ``provider`` and ``mode``
        (``"live"`` for a real bus)."""
        ...

    async def ahandoff(self, ctx: Mapping[str, Any], target: str) -> dict[str, Any]:
        """The same, for async callers."""
        ...
