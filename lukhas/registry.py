"""The provider registry each slice keeps: its real provider when live, else its null one.

Real providers live in ``candidate/`` and register themselves at run time (bootstrap code
outside ``lukhas/``), so the accepted lane never imports them.
"""

import threading
from typing import Generic, TypeVar

P = TypeVar("P")


class ProviderRegistry(Generic[P]):
    """One slice's providers; thread-safe."""

    def __init__(self, null: P, protocol: type[P]) -> None:
        self._null = null
        self._protocol = protocol
        self._provider: P | None = None
        self._lock = threading.Lock()

    def register(self, provider: P) -> None:
        """Make ``provider`` the one used when the slice is live (replacing any other)."""
        if not isinstance(provider, self._protocol):
            raise TypeError(
                f"{provider!r} is not a {self._protocol.__name__}: "
                f"it lacks a method the slice calls"
            )
        with self._lock:
            self._provider = provider

    def get_provider(self, enabled: bool) -> P:
        """The registered provider when ``enabled`` and one is registered, else the null one."""
        provider = self._provider
        return provider if enabled and provider is not None else self._null

    def reset(self) -> None:
        """Forget the registered provider."""
        with self._lock:
            self._provider = None
