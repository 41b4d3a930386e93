"""lukhas.registry.ProviderRegistry: the real provider only when enabled, thread-safe, named."""

import threading
from typing import Protocol, runtime_checkable

import pytest

from lukhas.observability import capture, instrument
from lukhas.registry import ProviderRegistry
from pytest_lukhas import schemas


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


@instrument("DECISION", label="test:ask")
def ask(registry: ProviderRegistry, enabled: bool) -> str:
    return registry.get_provider(enabled=enabled).greet()


def test_the_node_of_the_asking_call_says_who_answered_and_how():
    registry = ProviderRegistry[Greeter](NULL, Greeter)
    with capture() as nodes:
        ask(registry, enabled=True)  # nothing registered: the null one answers
        registry.register(Named("sqlite-ledger"))
        ask(registry, enabled=False)
        ask(registry, enabled=True)
    assert [node["labels"][1:] for node in nodes] == [
        ["provider:null", "mode:dry_run"],
        ["provider:null", "mode:dry_run"],
        ["provider:sqlite-ledger", "mode:live"],
    ]


@pytest.mark.parametrize("name", [None, "", " ", "two words", "x" * 56, 42])
def test_a_provider_without_a_usable_name_is_refused(name):
    provider = Named("x")
    provider.name = name
    registry = ProviderRegistry[Greeter](NULL, Greeter)
    with pytest.raises(TypeError, match=r"not a Greeter: it needs a 'name', a str of 1 to 55"):
        registry.register(provider)
    with pytest.raises(TypeError, match="needs a 'name'"):
        ProviderRegistry[Greeter](provider, Greeter)


def test_the_longest_allowed_name_makes_a_valid_label():
    registry = ProviderRegistry[Greeter](NULL, Greeter)
    registry.register(Named("x" * 55))
    with capture() as nodes:
        ask(registry, enabled=True)
    assert schemas.validate(schemas.MATRIZ_NODE, nodes[0], "node") == []
