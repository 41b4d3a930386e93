import asyncio

import pytest

from candidate.orchestration.context import (
    ContextBus,
    Policy,
    Stage,
    Status,
    TargetConfig,
    TransientError,
)
from candidate.orchestration.context.tests.helpers import Gate, sender, settle
from lukhas.observability import current_tenant, current_trace_id, trace
from lukhas.orchestration.context import RateLimiter


def run(coro):
    return asyncio.run(coro)


def test_a_handoff_is_delivered_and_its_acknowledgement_returned():
    async def main():
        bus = ContextBus()
        seen = []
        bus.add_target("sync", lambda ctx: seen.append(dict(ctx)) or "sync-ack")

        async def handler(ctx):
            seen.append(dict(ctx))
            return {"n": ctx["n"] + 1}

        bus.add_target("async", handler)
        first = await bus.handoff({"n": 1}, "sync")
        second = await bus.handoff({"n": 2}, "async")
        return seen, first, second

    seen, first, second = run(main())
    assert seen == [{"n": 1}, {"n": 2}]
    assert (first.ok, first.status, first.ack, first.stage) == (
        True,
        Status.DELIVERED,
        "sync-ack",
        Stage.RUNNING,
    )
    assert second.ack == {"n": 3}
    assert first.duration_ms >= 0


@pytest.mark.parametrize(
    ("ctx", "target", "field"),
    [(None, "t", "ctx"), ([("a", 1)], "t", "ctx"), ({}, "", "target"), ({}, None, "target")],
)
def test_invalid_input_is_refused_before_any_handler(ctx, target, field):
    gate = Gate(opened=True)

    async def main():
        bus = ContextBus()
        bus.add_target("t", gate)
        return await bus.handoff(ctx, target)

    outcome = run(main())
    assert (outcome.status, outcome.field, outcome.stage) == (Status.INVALID_INPUT, field, None)
    assert field in outcome.message
    assert outcome.as_dict()["error"]["code"] == "invalid_input"
    assert gate.started == []


def test_an_unknown_target_is_refused():
    outcome = run(ContextBus().handoff({}, "nobody"))
    assert (outcome.ok, outcome.status, outcome.target) == (False, Status.UNKNOWN_TARGET, "nobody")
    assert outcome.as_dict() == {
        "ok": False,
        "target": "nobody",
        "reason": "unknown_target",
        "duration_ms": outcome.duration_ms,
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"capacity": 0}, "capacity must be an integer >= 1, got 0"),
        ({"concurrency": 1.5}, "concurrency must be an integer >= 1"),
        ({"max_waiting": -1}, "max_waiting must be an integer >= 0"),
        ({"policy": "drop"}, "policy must be one of wait, reject, shed_oldest, got 'drop'"),
        ({"wait_timeout": 0}, "wait_timeout must be a positive number of seconds"),
        ({"timeout": float("nan")}, "timeout must be a positive number of seconds"),
        ({"timeout": True}, "timeout must be a positive number of seconds"),
    ],
)
def test_target_options_are_checked(options, message):
    with pytest.raises(ValueError, match=message):
        ContextBus().add_target("t", print, **options)


@pytest.mark.parametrize("name", ["", "has space", "x" * 49, "-leading", 3])
def test_target_names_are_short_identifiers(name):
    with pytest.raises(ValueError, match="target name must match"):
        ContextBus().add_target(name, print)


def test_targets_are_unique_and_handlers_callable():
    bus = ContextBus()
    bus.add_target("t", print, TargetConfig(capacity=3))
    with pytest.raises(ValueError, match="target 't' already exists"):
        bus.add_target("t", print)
    with pytest.raises(TypeError, match="must be callable"):
        bus.add_target("u", "not a function")
    with pytest.raises(TypeError, match="either a TargetConfig or its fields"):
        bus.add_target("v", print, TargetConfig(), capacity=2)
    assert bus.targets() == ["t"]


def test_a_per_handoff_timeout_and_the_sla_are_checked():
    bus = ContextBus()
    bus.add_target("t", print)
    with pytest.raises(ValueError, match="timeout must be a positive number of seconds"):
        run(bus.handoff({}, "t", timeout=-1))
    with pytest.raises(ValueError, match="sla_ms must be a positive number of milliseconds"):
        ContextBus(sla_ms=0)


def test_reject_policy_reports_backpressure_at_once_and_keeps_fifo_order():
    gate = Gate()

    async def main():
        bus = ContextBus()
        bus.add_target("t", gate, capacity=2, policy=Policy.REJECT)
        tasks = [sender(bus, i) for i in range(5)]
        await settle()
        early = [task.result() for task in tasks if task.done()]
        gate.open()
        return early, await asyncio.gather(*tasks), bus.stats("t")

    early, outcomes, stats = run(main())
    assert [o.status for o in early] == [Status.BACKPRESSURE] * 2  # told without waiting
    assert [o.status for o in outcomes] == [Status.DELIVERED] * 3 + [Status.BACKPRESSURE] * 2
    assert [o.stage for o in outcomes[3:]] == [Stage.WAITING] * 2
    assert gate.delivered == [0, 1, 2]
    assert (stats.max_running, stats.max_queued) == (1, 2)
    assert stats.counts == {"delivered": 3, "backpressure": 2}


def test_shed_oldest_drops_the_oldest_queued_handoff_and_tells_its_sender():
    gate = Gate()

    async def main():
        bus = ContextBus()
        bus.add_target("t", gate, capacity=2, policy="shed_oldest")
        tasks = [sender(bus, i) for i in range(4)]  # 0 runs, 1 and 2 queue, 3 sheds 1
        await settle()
        assert tasks[1].done()
        gate.open()
        return await asyncio.gather(*tasks)

    outcomes = run(main())
    assert [o.status for o in outcomes] == [
        Status.DELIVERED,
        Status.SHED,
        Status.DELIVERED,
        Status.DELIVERED,
    ]
    assert outcomes[1].stage is Stage.QUEUED  # it had been accepted
    assert gate.started == [0, 2, 3]  # the shed context never reached the handler


def test_wait_policy_waits_for_room_within_its_bounds():
    gate = Gate()

    async def main():
        bus = ContextBus()
        bus.add_target("t", gate, capacity=1, max_waiting=1, wait_timeout=10)
        tasks = [sender(bus, i) for i in range(4)]  # 0 runs, 1 queues, 2 waits, 3 is refused
        await settle()
        assert [t.done() for t in tasks] == [False, False, False, True]
        gate.open()
        return await asyncio.gather(*tasks), bus.stats("t")

    outcomes, stats = run(main())
    assert [o.status for o in outcomes] == [Status.DELIVERED] * 3 + [Status.BACKPRESSURE]
    assert gate.delivered == [0, 1, 2]
    assert (stats.max_queued, stats.max_waiting) == (1, 1)


def test_a_sender_that_waited_too_long_for_room_gets_backpressure():
    gate = Gate()

    async def main():
        bus = ContextBus()
        bus.add_target("t", gate, capacity=1, wait_timeout=0.01)
        tasks = [sender(bus, i) for i in range(3)]
        waited = await tasks[2]
        gate.open()
        return waited, await asyncio.gather(*tasks[:2])

    waited, others = run(main())
    assert (waited.status, waited.stage) == (Status.BACKPRESSURE, Stage.WAITING)
    assert waited.duration_ms >= 10
    assert [o.status for o in others] == [Status.DELIVERED] * 2
    assert gate.started == [0, 1]


def test_a_handoff_that_times_out_while_queued_is_never_delivered():
    gate = Gate()

    async def main():
        bus = ContextBus()
        bus.add_target("t", gate, capacity=4, timeout=10)
        first = sender(bus, 0)
        await settle()
        late = await bus.handoff({"id": 1}, "t", timeout=0.01)
        gate.open()
        return late, await first, await bus.handoff({"id": 2}, "t")

    late, first, after = run(main())
    assert (late.status, late.stage) == (Status.TIMEOUT, Stage.QUEUED)
    assert first.ok and after.ok
    assert gate.started == [0, 2]


def test_a_handler_past_the_deadline_is_cancelled_and_frees_its_slot():
    gate = Gate()

    async def main():
        bus = ContextBus()
        bus.add_target("t", gate, timeout=0.01)
        timed_out = await bus.handoff({"id": 0}, "t")
        gate.open()
        return timed_out, await bus.handoff({"id": 1}, "t")

    timed_out, after = run(main())
    assert (timed_out.status, timed_out.stage) == (Status.TIMEOUT, Stage.RUNNING)
    assert gate.cancelled == [0]
    assert after.ok and gate.delivered == [1]


@pytest.mark.parametrize(
    ("error", "error_type", "transient"),
    [
        (ValueError, "ValueError", False),
        (TransientError, "TransientError", True),
        (TimeoutError, "TimeoutError", False),  # the handler's own, not the deadline
    ],
)
def test_a_handler_error_is_reported_with_its_class_and_transience(error, error_type, transient):
    def handler(ctx):
        raise error("boom")

    async def main():
        bus = ContextBus()
        bus.add_target("t", handler)
        return await bus.handoff({"secret": "value"}, "t")

    outcome = run(main())
    assert (outcome.status, outcome.stage) == (Status.HANDLER_ERROR, Stage.RUNNING)
    assert (outcome.error_type, outcome.transient, outcome.retryable) == (
        error_type,
        transient,
        transient,
    )
    assert outcome.as_dict()["reason"] == "handler_error"
    assert "boom" not in str(outcome.as_dict())


def test_an_error_marked_transient_by_attribute_counts_as_transient():
    class Flaky(Exception):
        transient = True

    def handler(ctx):
        raise Flaky

    async def main():
        bus = ContextBus()
        bus.add_target("t", handler)
        return await bus.handoff({}, "t")

    assert run(main()).transient is True


@pytest.mark.parametrize("stage", ["queued", "running"])
def test_cancelling_the_sender_withdraws_its_handoff(stage):
    gate = Gate()

    async def main():
        bus = ContextBus()
        bus.add_target("t", gate, capacity=2)
        blocker = sender(bus, "blocker") if stage == "queued" else None
        victim = sender(bus, "victim")
        await settle()
        victim.cancel()
        with pytest.raises(asyncio.CancelledError):
            await victim
        gate.open()
        if blocker is not None:
            assert (await blocker).ok
        return await bus.handoff({"id": "next"}, "t"), bus.stats("t")

    after, stats = run(main())
    assert "victim" not in gate.delivered
    assert gate.cancelled == (["victim"] if stage == "running" else [])
    assert after.ok  # the slot and the queue place were given back
    assert stats.counts["cancelled"] == 1


def test_close_with_drain_delivers_what_is_queued_and_refuses_what_comes_after():
    gate = Gate()

    async def main():
        bus = ContextBus()
        bus.add_target("t", gate, capacity=2, max_waiting=4, wait_timeout=10)
        tasks = [sender(bus, i) for i in range(5)]  # 0 runs, 1-2 queued, 3-4 waiting
        await settle()
        closing = asyncio.ensure_future(bus.close(drain=True, timeout=5))
        await settle()
        refused = await bus.handoff({"id": 9}, "t")
        gate.open()
        return await asyncio.gather(*tasks), refused, await closing

    outcomes, refused, settled = run(main())
    assert [o.status for o in outcomes] == [Status.DELIVERED] * 3 + [Status.SHUTDOWN] * 2
    assert [o.stage for o in outcomes[3:]] == [Stage.WAITING] * 2
    assert refused.status is Status.SHUTDOWN
    assert settled is True
    assert gate.delivered == [0, 1, 2]


def test_close_without_drain_fails_the_queue_and_lets_running_handlers_finish():
    gate = Gate()

    async def main():
        bus = ContextBus()
        bus.add_target("t", gate, capacity=2)
        tasks = [sender(bus, i) for i in range(3)]
        await settle()
        closing = asyncio.ensure_future(bus.close(drain=False, timeout=5))
        await settle()
        gate.open()
        return await asyncio.gather(*tasks), await closing

    outcomes, settled = run(main())
    assert [o.status for o in outcomes] == [Status.DELIVERED, Status.SHUTDOWN, Status.SHUTDOWN]
    assert [o.stage for o in outcomes[1:]] == [Stage.QUEUED] * 2
    assert settled is True
    assert gate.delivered == [0]


def test_close_cancels_handlers_that_outlive_its_timeout_and_tells_their_senders():
    gate = Gate()

    async def main():
        bus = ContextBus()
        bus.add_target("t", gate, capacity=2, timeout=None)
        tasks = [sender(bus, i) for i in range(3)]
        await settle()
        settled = await bus.close(timeout=0.01)
        return await asyncio.gather(*tasks), settled

    outcomes, settled = run(main())
    assert [(o.status, o.stage) for o in outcomes] == [
        (Status.SHUTDOWN, Stage.RUNNING),
        (Status.SHUTDOWN, Stage.QUEUED),
        (Status.SHUTDOWN, Stage.QUEUED),
    ]
    assert settled is True
    assert gate.cancelled == [0] and gate.delivered == []


def test_close_reports_a_handler_that_ignores_cancellation():
    release = None

    async def stubborn(ctx):
        while True:
            try:
                await release.wait()
                return "late"
            except asyncio.CancelledError:
                continue  # a handler must not do this

    async def main():
        nonlocal release
        release = asyncio.Event()
        bus = ContextBus()
        bus.add_target("t", stubborn, timeout=None)
        task = sender(bus, 0)
        await settle()
        settled = await bus.close(timeout=0.01)
        release.set()
        return settled, await task

    settled, outcome = run(main())
    assert settled is False
    assert outcome.status is Status.DELIVERED  # its sender is still answered, once


def test_a_cancelled_sender_after_shutdown_stays_cancelled():
    gate = Gate()

    async def main():
        bus = ContextBus()
        bus.add_target("t", gate, timeout=None)
        task = sender(bus, 0)
        await settle()
        closing = asyncio.ensure_future(bus.close(timeout=0.01))
        await asyncio.sleep(0.005)
        task.cancel()  # its owner cancels it too: both requests must be honoured
        await closing
        with pytest.raises(asyncio.CancelledError):
            await task

    run(main())


def test_rate_limits_hold_per_tenant_and_spare_the_handler():
    gate = Gate(opened=True)

    async def main():
        bus = ContextBus(limiter=RateLimiter(rate=1, burst=2, clock=lambda: 0.0))
        bus.add_target("t", gate)
        with trace(tenant="acme"):
            acme = [await bus.handoff({"id": f"acme-{i}"}, "t") for i in range(3)]
        with trace(tenant="globex"):
            globex = await bus.handoff({"id": "globex"}, "t")
        return acme, globex

    acme, globex = run(main())
    assert [o.status for o in acme] == [Status.DELIVERED] * 2 + [Status.RATE_LIMITED]
    assert acme[2].retryable and acme[2].stage is None
    assert globex.ok
    assert gate.started == ["acme-0", "acme-1", "globex"]


def test_the_handler_runs_in_the_senders_trace_and_tenant():
    seen = []

    def handler(ctx):
        seen.append((current_trace_id(), current_tenant()))

    async def main():
        bus = ContextBus()
        bus.add_target("t", handler)
        with trace("trace-1", tenant="acme"):
            await bus.handoff({}, "t")

    run(main())
    assert seen == [("trace-1", "acme")]
