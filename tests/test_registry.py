"""lukhas.registry.ProviderRegistry: the real provider only when enabled, thread-safe."""

import threading
from typing import Protocol, runtime_checkable

import pytest

from lukhas.registry import ProviderRegistry


@runtime_checkable
class Greeter(Protocol):
    def greet(self) -> str: ...


class Named:
    def __init__(self, name: str) -> None:
        self.name = name

    def greet(self) -> str:
        return self.name


NULL = Named("null")


def test_null_provider_unless_enabled_and_registered():
    registry = ProviderRegistry[Greeter](NULL, Greeter)
    assert registry.get_provider(enabled=True) is NULL
    real = Named("real")
    registry.register(real)
    assert registry.get_provider(enabled=False) is NULL
    assert registry.get_provider(enabled=True) is real
    registry.reset()
    assert registry.get_provider(enabled=True) is NULL


def test_register_replaces_and_refuses_non_providers():
    registry = ProviderRegistry[Greeter](NULL, Greeter)
    first, second = Named("1"), Named("2")
    registry.register(first)
    registry.register(second)
    assert registry.get_provider(enabled=True) is second
    with pytest.raises(TypeError, match="not a Greeter"):
        registry.register(object())
    assert registry.get_provider(enabled=True) is second


def test_concurrent_register_get_and_reset_never_return_anything_else():
    registry = ProviderRegistry[Greeter](NULL, Greeter)
    providers = [Named(str(n)) for n in range(8)]
    seen = []

    def churn(provider: Named) -> None:
        for i in range(500):
            registry.register(provider)
            seen.append(registry.get_provider(enabled=True))
            if i % 50 == 0:
                registry.reset()

    threads = [threading.Thread(target=churn, args=(p,)) for p in providers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8 * 500
    assert {id(p) for p in seen} <= {id(p) for p in [*providers, NULL]}
