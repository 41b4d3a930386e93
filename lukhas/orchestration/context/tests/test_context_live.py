"""The slice with its flag on, answered by the real context bus.

The repository's test plugin registers the real bus for every test of this slice and
hands it to tests as the ``context_bus`` fixture (this folder never imports the candidate
lane). ``context_bus`` has a ``default`` target that acknowledges with
``{"received": <number of entries>}``; tests add their own with ``add_target``.
"""

import asyncio
import json

import pytest

from lukhas.flags import DRY_RUN_MODE
from lukhas.observability import trace
from lukhas.orchestration.context import (
    FEATURE_FLAG,
    RateLimiter,
    ahandoff_context,
    handoff_context,
    use_rate_limiter,
)

EMIT_POINT = "CONTEXT:orchestration:handoff"
CONSENT_POINT = "DECISION:governance:consent.check"
PERSONAL = "alice@example.com"


def test_a_live_handoff_is_delivered_by_the_real_bus_and_acknowledged(live_env, context_bus):
    received = []

    def planner(ctx):
        received.append(dict(ctx))
        return {"plan": "ready"}

    context_bus.add_target("planner", planner)
    out = handoff_context({"task": "summarize"}, "planner")
    assert (out["ok"], out["provider"], out["mode"]) == (True, "context-bus", "live")
    assert (out["target"], out["ack"]) == ("planner", {"plan": "ready"})
    assert out["duration_ms"] >= 0
    assert received == [{"task": "summarize"}]
    assert handoff_context({"a": 1})["ack"] == {"received": 1}  # the default target


def test_async_callers_reach_the_real_bus(live_env, context_bus):
    async def main():
        return await asyncio.gather(*(ahandoff_context({"n": n, "m": 0}) for n in range(10)))

    answers = asyncio.run(main())
    assert {(a["provider"], a["ok"]) for a in answers} == {("context-bus", True)}
    assert context_bus.bus.stats("default").counts["delivered"] == 10


def test_overload_is_reported_to_senders_and_nothing_accepted_is_lost(live_env, context_bus):
    delivered = []

    async def slow(ctx):
        await asyncio.sleep(0.1)  # all 8 arrive long before the first is done
        delivered.append(ctx["n"])
        return ctx["n"]

    context_bus.add_target("slow", slow, capacity=2, policy="reject")

    async def main():
        return await asyncio.gather(*(ahandoff_context({"n": n}, "slow") for n in range(8)))

    answers = asyncio.run(main())
    acked = [a["ack"] for a in answers if a["ok"]]
    assert sorted(acked) == sorted(delivered)  # every acknowledged context was delivered
    assert len(acked) == 3  # one running, two queued
    assert [a["reason"] for a in answers if not a["ok"]] == ["backpressure"] * 5


def test_timeouts_and_handler_errors_are_reported_to_the_sender(live_env, context_bus):
    async def stuck(ctx):
        await asyncio.sleep(10)

    def broken(ctx):
        raise ValueError(PERSONAL)

    context_bus.add_target("stuck", stuck, timeout=0.02)
    context_bus.add_target("broken", broken)
    timed_out = handoff_context({}, "stuck")
    assert (timed_out["ok"], timed_out["reason"], timed_out["stage"]) == (
        False,
        "timeout",
        "running",
    )
    failed = handoff_context({}, "broken")
    assert (failed["reason"], failed["error_type"], failed["transient"]) == (
        "handler_error",
        "ValueError",
        False,
    )
    assert PERSONAL not in json.dumps(failed)


def test_the_real_bus_refuses_unknown_targets_and_invalid_input(live_env):
    unknown = handoff_context({}, "nobody")
    assert (unknown["ok"], unknown["reason"], unknown["provider"]) == (
        False,
        "unknown_target",
        "context-bus",
    )
    invalid = handoff_context(None)
    assert (invalid["provider"], invalid["error"]["code"], invalid["error"]["field"]) == (
        "context-bus",
        "invalid_input",
        "ctx",
    )


def test_the_slices_rate_limit_answers_before_the_bus(live_env, context_bus):
    use_rate_limiter(RateLimiter(rate=1, burst=1, clock=lambda: 0.0))
    with trace(tenant="acme"):
        assert handoff_context({})["ok"] is True
        limited = handoff_context({})
    assert (limited["reason"], limited["tenant"]) == ("rate_limited", "acme")
    assert context_bus.bus.stats("default").counts == {"delivered": 1}


def test_live_handoffs_emit_the_declared_point_naming_the_bus(live_env, matriz_events):
    with trace(tenant="acme"):
        handoff_context({"email": PERSONAL})
        asyncio.run(ahandoff_context({"email": PERSONAL}))
    # Two nodes per handoff, one per layer: the slice API's and the bus's (target-labelled);
    # the consent gate adds its DECISION node (these contexts name nobody: no_subject).
    assert [p for p in matriz_events.points() if p.startswith("CONTEXT:")] == [EMIT_POINT] * 4
    matriz_events.assert_emitted(CONSENT_POINT, 2, label="consent:no_subject")
    for node in matriz_events.assert_emitted(EMIT_POINT, 4, label="provider:context-bus"):
        assert "mode:live" in node["labels"] and node["provenance"]["tenant"] == "acme"
    for node in matriz_events.assert_emitted(EMIT_POINT, 2, label="target:default"):
        assert "handoff:delivered" in node["labels"] and node["duration_ms"] >= 0
    assert PERSONAL not in json.dumps(matriz_events.nodes)


def test_a_live_handoff_over_the_sla_is_marked_in_its_nodes(live_env, context_bus, matriz_events):
    async def slow(ctx):
        await asyncio.sleep(0.26)

    context_bus.add_target("slow", slow)
    assert handoff_context({}, "slow")["duration_ms"] > 250
    [bus_node] = matriz_events.assert_emitted(EMIT_POINT, 1, label="target:slow")
    [api_node] = [n for n in matriz_events.filter(EMIT_POINT) if n is not bus_node]
    assert "sla:breach" in bus_node["labels"]
    assert {"provider:context-bus", "mode:live", "sla:breach"} <= set(api_node["labels"])


def test_both_flag_states_in_one_test(monkeypatch, context_bus):
    assert handoff_context({"a": 1})["provider"] == "null"
    monkeypatch.setenv(FEATURE_FLAG, "true")
    monkeypatch.setenv(DRY_RUN_MODE, "false")
    assert handoff_context({"a": 1})["provider"] == "context-bus"
    monkeypatch.setenv(DRY_RUN_MODE, "true")
    assert handoff_context({"a": 1})["provider"] == "null"
    assert context_bus.bus.stats("default").counts == {"delivered": 1}


@pytest.mark.sla  # the manifest's budget: p95 250 ms, p99 500 ms
def test_a_live_handoff_is_within_the_slices_budget(live_env, context_bus, sla_benchmark):
    answer = sla_benchmark(handoff_context, {"task": "plan", "step": 1}, "default")
    assert (answer["ok"], answer["provider"], answer["ack"]) == (
        True,
        "context-bus",
        {"received": 2},
    )
