import asyncio
import json

import pytest

from lukhas.flags import DRY_RUN_MODE, FlagError
from lukhas.observability import trace
from lukhas.orchestration.context import (
    FEATURE_FLAG,
    RateLimiter,
    ahandoff_context,
    handoff_context,
    register,
    reset,
    use_rate_limiter,
)

EMIT_POINT = "CONTEXT:orchestration:handoff"


class FakeBus:
    name = "fake"

    def __init__(self):
        self.sent = []

    def handoff(self, ctx, target):
        self.sent.append((dict(ctx), target))
        return {"ok": True, "provider": "fake", "mode": "live", "delivered": len(self.sent)}

    async def ahandoff(self, ctx, target):
        return self.handoff(ctx, target)


class FrozenClock:
    def __call__(self) -> float:
        return 0.0


def test_dry_run_default_uses_the_null_bus_deterministically(matriz_events):
    out = handoff_context({"foo": "bar", "n": 1})
    assert out == {
        "ok": True,
        "provider": "null",
        "mode": "dry_run",
        "target": "default",
        "context_size": 2,
    }
    assert handoff_context({"foo": "bar", "n": 1}) == out
    assert asyncio.run(ahandoff_context({"foo": "bar", "n": 1})) == out
    assert handoff_context({}, target="planner")["target"] == "planner"
    nodes = matriz_events.assert_emitted(EMIT_POINT, count=4, label="provider:null")
    assert {tuple(node["labels"][1:]) for node in nodes} == {("provider:null", "mode:dry_run")}


@pytest.mark.parametrize(
    ("ctx", "target", "field"),
    [
        (None, "default", "ctx"),
        ("foo=bar", "default", "ctx"),
        ([("foo", "bar")], "default", "ctx"),
        ({"foo": "bar"}, "", "target"),
        ({"foo": "bar"}, None, "target"),
    ],
)
@pytest.mark.parametrize("run", ["sync", "async"])
def test_invalid_input_is_a_structured_error_not_an_exception(ctx, target, field, run):
    out = (
        handoff_context(ctx, target)
        if run == "sync"
        else asyncio.run(ahandoff_context(ctx, target))
    )
    assert out["ok"] is False
    assert (out["provider"], out["mode"]) == ("null", "dry_run")
    assert out["error"]["code"] == "invalid_input"
    assert out["error"]["field"] == field


def test_live_mode_uses_the_registered_bus_and_passes_its_answer_through(live_env, matriz_events):
    bus = FakeBus()
    register(bus)
    assert handoff_context({"a": 1}, "planner") == {
        "ok": True,
        "provider": "fake",
        "mode": "live",
        "delivered": 1,
    }
    assert asyncio.run(ahandoff_context({"b": 2}))["delivered"] == 2
    assert bus.sent == [({"a": 1}, "planner"), ({"b": 2}, "default")]
    matriz_events.assert_emitted(EMIT_POINT, count=2, label="provider:fake")
    matriz_events.assert_emitted(EMIT_POINT, count=2, label="mode:live")


def test_flag_on_but_dry_run_mode_on_still_uses_the_null_bus(monkeypatch, matriz_events):
    monkeypatch.setenv(FEATURE_FLAG, "true")
    bus = FakeBus()
    register(bus)
    assert handoff_context({"a": 1})["provider"] == "null"
    assert asyncio.run(ahandoff_context({"a": 1}))["provider"] == "null"
    assert bus.sent == []
    matriz_events.assert_emitted(EMIT_POINT, count=2, label="mode:dry_run")
    matriz_events.assert_not_emitted(EMIT_POINT, label="provider:fake")


@pytest.mark.parametrize("name", [FEATURE_FLAG, DRY_RUN_MODE])
def test_invalid_flag_value_raises_flag_error_naming_the_variable(monkeypatch, name, matriz_events):
    monkeypatch.setenv(name, "perhaps")
    with pytest.raises(FlagError, match=name):
        handoff_context({"a": 1})
    with pytest.raises(FlagError, match=name):
        asyncio.run(ahandoff_context({"a": 1}))
    nodes = matriz_events.assert_emitted(EMIT_POINT, count=2)
    assert [node["error_type"] for node in nodes] == ["FlagError"] * 2


def test_both_flag_states_in_one_process(monkeypatch):
    register(FakeBus())
    assert handoff_context({})["provider"] == "null"
    monkeypatch.setenv(FEATURE_FLAG, "yes")
    monkeypatch.setenv(DRY_RUN_MODE, "no")
    assert handoff_context({})["provider"] == "fake"
    monkeypatch.delenv(FEATURE_FLAG)
    assert handoff_context({})["provider"] == "null"


@pytest.mark.matriz(emits=[EMIT_POINT])
def test_sync_and_async_calls_emit_the_same_emit_point(matriz_events):
    handoff_context({"secret_key": "secret_value"})
    asyncio.run(ahandoff_context({"secret_key": "secret_value"}))
    nodes = matriz_events.nodes
    assert matriz_events.points() == [EMIT_POINT] * 2
    assert [n["provenance"]["capabilities"] for n in nodes] == [
        ["handoff_context"],
        ["ahandoff_context"],
    ]
    assert "secret" not in json.dumps(nodes)
    assert handoff_context.__matriz_emit_point__ == EMIT_POINT
    assert ahandoff_context.__matriz_emit_point__ == EMIT_POINT


def test_rate_limited_per_tenant_without_calling_the_provider(live_env, matriz_events):
    bus = FakeBus()
    register(bus)
    use_rate_limiter(RateLimiter(rate=1, burst=2, clock=FrozenClock()))
    with trace(tenant="acme"):
        answers = [handoff_context({"n": n}) for n in range(2)]
        answers.append(asyncio.run(ahandoff_context({"n": 2}, "planner")))
    assert [a["ok"] for a in answers] == [True, True, False]
    assert answers[-1] == {
        "ok": False,
        "reason": "rate_limited",
        "tenant": "acme",
        "target": "planner",
    }
    assert len(bus.sent) == 2
    refused = matriz_events.nodes[-1]
    assert refused["labels"] == ["orchestration:handoff"]  # no provider answered it
    with trace(tenant="globex"):
        assert handoff_context({"n": 3})["ok"] is True  # another tenant, another bucket


def test_rate_limiting_also_holds_in_dry_run():
    use_rate_limiter(RateLimiter(rate=1, burst=1, clock=FrozenClock()))
    assert handoff_context({})["ok"] is True
    assert handoff_context({})["reason"] == "rate_limited"


def test_reset_forgets_the_registered_provider(live_env):
    register(FakeBus())
    reset()
    assert handoff_context({})["provider"] == "null"


def test_register_refuses_a_bus_without_ahandoff():
    class SyncOnly:
        name = "sync-only"

        def handoff(self, ctx, target):
            return {}

    with pytest.raises(TypeError, match="not a ContextBusProvider: it lacks a method"):
        register(SyncOnly())
