import asyncio
import threading
import time
from collections import Counter

import pytest

from candidate.orchestration.context import ContextBusService, Pipeline, Status
from lukhas.observability import capture, current_tenant, current_trace_id, trace


def bus_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "context-bus"]


@pytest.fixture
def service():
    service = ContextBusService(targets={"echo": dict})
    yield service
    service.close(timeout=1)


def test_sync_callers_get_the_answer_the_slice_returns(service):
    assert service.name == "context-bus"
    answer = service.handoff({"a": 1}, "echo")
    assert answer == {
        "ok": True,
        "provider": "context-bus",
        "mode": "live",
        "target": "echo",
        "ack": {"a": 1},
        "duration_ms": answer["duration_ms"],
    }
    refused = service.handoff({"a": 1}, "nobody")
    assert (refused["ok"], refused["reason"], refused["provider"]) == (
        False,
        "unknown_target",
        "context-bus",
    )
    invalid = service.handoff(["not", "a", "mapping"], "echo")
    assert invalid["error"] == {
        "code": "invalid_input",
        "field": "ctx",
        "message": "ctx must be a mapping, got list",
    }


def test_async_callers_on_another_loop_are_answered(service):
    async def main():
        return await asyncio.gather(*(service.ahandoff({"n": n}, "echo") for n in range(20)))

    answers = asyncio.run(main())
    assert [a["ack"] for a in answers] == [{"n": n} for n in range(20)]


def test_a_sync_call_from_inside_a_running_loop_does_not_deadlock(service):
    async def main():
        return service.handoff({"a": 1}, "echo")  # blocks this loop, not the bus's

    assert asyncio.run(main())["ok"] is True


def test_a_handler_calling_the_sync_api_is_refused_not_deadlocked(service):
    def reentrant(ctx):
        return service.handoff(ctx, "echo")

    async def nested(ctx):
        return await service.ahandoff(ctx, "echo")  # the async API works from a handler

    service.add_target("reentrant", reentrant, timeout=2)
    service.add_target("nested", nested)
    refused = service.handoff({"a": 1}, "reentrant")
    assert (refused["reason"], refused["error_type"]) == ("handler_error", "RuntimeError")
    assert service.handoff({"a": 1}, "nested")["ack"]["ack"] == {"a": 1}


def test_the_senders_trace_and_tenant_cross_into_the_bus_thread(service):
    seen = []
    service.add_target("probe", lambda ctx: seen.append((current_trace_id(), current_tenant())))
    with capture() as nodes, trace("trace-9", tenant="acme"):
        service.handoff({}, "probe")
    assert seen == [("trace-9", "acme")]
    assert [(n["provenance"]["trace_id"], n["provenance"]["tenant"]) for n in nodes] == [
        ("trace-9", "acme")
    ]


def test_the_thread_starts_at_the_first_handoff_and_stops_on_close():
    before = len(bus_threads())
    service = ContextBusService(targets={"echo": dict})
    assert len(bus_threads()) == before
    service.handoff({}, "echo")
    assert len(bus_threads()) == before + 1
    assert service.close() is True
    assert len(bus_threads()) == before
    assert service.close() is True  # idempotent
    after = service.handoff({}, "echo")
    assert (after["ok"], after["reason"]) == (False, "shutdown")
    with pytest.raises(RuntimeError, match="closed"):
        service.run(asyncio.sleep(0))


def test_an_unused_service_closes_without_a_thread():
    assert ContextBusService().close() is True


def test_a_bad_close_timeout_is_refused_and_leaves_the_service_working(service):
    service.handoff({}, "echo")
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        service.close(timeout=0)
    assert service.handoff({"a": 1}, "echo")["ok"] is True


def test_close_answers_every_blocked_sync_caller():
    release = threading.Event()

    async def slow(ctx):
        while not release.is_set():
            await asyncio.sleep(0.001)
        return ctx["id"]

    service = ContextBusService(targets={"slow": slow}, capacity=4, concurrency=1)
    answers = {}

    def call(i):
        answers[i] = service.handoff({"id": i}, "slow")

    threads = [threading.Thread(target=call, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    stats = service.bus.stats("slow")
    deadline = time.monotonic() + 5
    while stats.max_queued < 2 and time.monotonic() < deadline:  # one runs, two queue
        time.sleep(0.001)
    closer = threading.Thread(target=service.close, kwargs={"drain": False, "timeout": 1})
    closer.start()
    time.sleep(0.05)
    release.set()
    for thread in [*threads, closer]:
        thread.join(5)
    outcomes = Counter(a["reason"] if not a["ok"] else "delivered" for a in answers.values())
    assert outcomes == {"delivered": 1, "shutdown": 2}


def test_many_threads_lose_nothing_under_a_small_queue():
    delivered = Counter()

    def handler(ctx):
        time.sleep(0.0005)
        delivered[ctx["id"]] += 1
        return ctx["id"]

    service = ContextBusService(targets={"t": handler}, capacity=4, policy="reject")
    answers = []

    def produce(p):
        answers.extend(service.handoff({"id": (p, i)}, "t") for i in range(50))

    threads = [threading.Thread(target=produce, args=(p,)) for p in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert service.close() is True
    assert len(answers) == 1000
    assert {a["reason"] for a in answers if not a["ok"]} <= {"backpressure"}
    acked = [a["ack"] for a in answers if a["ok"]]
    assert sorted(map(tuple, acked)) == sorted(delivered)
    assert set(delivered.values()) == {1}
    assert service.bus.stats("t").max_queued <= 4


def test_a_pipeline_runs_on_the_bus_thread_for_sync_callers(service):
    service.add_target("inc", lambda ctx: {"n": ctx["n"] + 1})
    result = service.run(Pipeline(["inc", "inc", "inc"]).run(service.bus, {"n": 0}))
    assert result.ok and result.context == {"n": 3}


def test_target_options_override_the_service_defaults():
    async def hold(ctx):
        await asyncio.sleep(0.02)

    service = ContextBusService(capacity=1, policy="reject")
    service.add_target("a", hold)
    service.add_target("b", hold, capacity=3)

    async def burst(target):
        outcomes = await asyncio.gather(*(service.bus.handoff({}, target) for _ in range(4)))
        return [o.status for o in outcomes].count(Status.BACKPRESSURE)

    try:
        assert service.run(burst("a")) == 2  # one runs, one waits in a queue of 1
        assert service.run(burst("b")) == 0  # one runs, three wait in a queue of 3
    finally:
        service.close()
    with pytest.raises(ValueError, match="capacity must be"):
        ContextBusService(capacity=0)
