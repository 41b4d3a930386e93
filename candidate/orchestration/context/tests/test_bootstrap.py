import threading

import pytest

from candidate.orchestration.context import ContextBusService, unwire, wire
from lukhas.flags import DRY_RUN_MODE, FlagError
from lukhas.orchestration.context import FEATURE_FLAG, get_provider, handoff_context


@pytest.fixture(autouse=True)
def clean(monkeypatch):
    for name in (FEATURE_FLAG, DRY_RUN_MODE):
        monkeypatch.delenv(name, raising=False)
    yield
    unwire(drain=False, timeout=1)


def live(monkeypatch):
    monkeypatch.setenv(FEATURE_FLAG, "true")
    monkeypatch.setenv(DRY_RUN_MODE, "false")


@pytest.mark.parametrize(
    "env",
    [
        {},
        {FEATURE_FLAG: "true"},
        {DRY_RUN_MODE: "false"},
        {FEATURE_FLAG: "false", DRY_RUN_MODE: "false"},
    ],
)
def test_wire_registers_nothing_unless_the_slice_is_live(monkeypatch, env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert wire(targets={"default": dict}) is False
    assert get_provider(enabled=True).__class__.__name__ == "NullContextBus"


def test_wire_registers_the_bus_the_live_slice_then_uses(monkeypatch):
    live(monkeypatch)
    assert wire(targets={"default": dict}, capacity=8, sla_ms=100) is True
    provider = get_provider(enabled=True)
    assert isinstance(provider, ContextBusService)
    assert provider.bus.sla_ms == 100
    assert handoff_context({"a": 1}) == {
        "ok": True,
        "provider": "context-bus",
        "mode": "live",
        "target": "default",
        "ack": {"a": 1},
        "duration_ms": pytest.approx(0, abs=1000),
    }


def test_wiring_again_closes_the_bus_wired_before(monkeypatch):
    live(monkeypatch)
    wire(targets={"default": dict})
    first = get_provider(enabled=True)
    assert handoff_context({})["ok"]
    wire(targets={"default": dict})
    assert get_provider(enabled=True) is not first
    assert first.handoff({}, "default")["reason"] == "shutdown"


def test_unwire_forgets_and_closes_the_bus(monkeypatch):
    live(monkeypatch)
    wire(targets={"default": dict})
    service = get_provider(enabled=True)
    handoff_context({})
    unwire()
    assert handoff_context({})["provider"] == "null"
    assert service.handoff({}, "default")["reason"] == "shutdown"
    assert not [t for t in threading.enumerate() if t.name == "context-bus"]


def test_a_malformed_flag_is_reported_not_taken_for_off(monkeypatch):
    monkeypatch.setenv(FEATURE_FLAG, "maybe")
    with pytest.raises(FlagError, match=FEATURE_FLAG):
        wire()


def test_bad_configuration_is_refused_before_anything_is_registered(monkeypatch):
    live(monkeypatch)
    with pytest.raises(ValueError, match="capacity must be an integer"):
        wire(capacity=0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'capasity'"):
        wire(capasity=3)
    assert get_provider(enabled=True).__class__.__name__ == "NullContextBus"
