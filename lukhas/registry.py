"""The provider registry each slice keeps: its real provider when live, else its null one.

Real providers live in ``candidate/`` and register themselves at run time (bootstrap code
outside ``lukhas/``), so the accepted lane never imports them. Every provider has a
``name``; the MATRIZ node of the call that asked for a provider is labelled with who
answered (``provider:<name>``) and how (``mode:live`` or ``mode:dry_run``).
"""

import threading
from typing import Generic, TypeVar

from lukhas.observability import annotate

P = TypeVar("P")

PROVIDER_PREFIX = "provider:"
MAX_NAME_LENGTH = 64 - len(PROVIDER_PREFIX)  # so "provider:<name>" is a valid node label


class ProviderRegistry(Generic[P]):
    """One slice's providers; thread-safe."""

    def __init__(self, null: P, protocol: type[P]) -> None:
        self._protocol = protocol
        self._null = (null, self._labels(null, "mode:dry_run"))
        self._provider: tuple[P, tuple[str, str]] | None = None
        self._lock = threading.Lock()

    def register(self, provider: P) -> None:
        """Make ``provider`` the one used when the slice is live (replacing any other)."""
        registered = (provider, self._labels(provider, "mode:live"))
        with self._lock:
            self._provider = registered

    def get_provider(self, enabled: bool) -> P:
        """The registered provider when ``enabled`` and one is registered, else the null one.

        Labels the node of the instrumented call in progress with the answer's name and mode.
        """
        registered = self._provider
        provider, labels = registered if enabled and registered is not None else self._null
        annotate(*labels)
        return provider

    def reset(self) -> None:
        """Forget the registered provider."""
        with self._lock:
            self._provider = None

    def _labels(self, provider: P, mode: str) -> tuple[str, str]:
        """The labels of ``provider``'s answers; TypeError if it is not a usable provider."""
        name = getattr(provider, "name", None)
        if (
            not isinstance(name, str)
            or not 0 < len(name) <= MAX_NAME_LENGTH
            or name != "".join(name.split())
        ):
            raise TypeError(
                f"{provider!r} is not a {self._protocol.__name__}: it needs a 'name', a str of "
                f"1 to {MAX_NAME_LENGTH} characters without spaces (such as 'sqlite-ledger'), "
                f"found {name!r}"
            )
        if not isinstance(provider, self._protocol):
            raise TypeError(
                f"{provider!r} is not a {self._protocol.__name__}: "
                f"it lacks a method the slice calls"
            )
        return f"{PROVIDER_PREFIX}{name}", mode
