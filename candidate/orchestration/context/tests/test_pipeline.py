import asyncio
import random
from collections import Counter, defaultdict

import pytest

from candidate.orchestration.context import (
    ContextBus,
    Pipeline,
    Retry,
    Stage,
    Status,
    Step,
    TransientError,
)
from candidate.orchestration.context.pipeline import INVALID_ACK
from lukhas.observability import capture, current_trace_id, trace


class Model:
    """A model behind a target: answers after ``latency`` seconds, adding its output to the
    context. Per request it fails transiently on its first few attempts (drawn once, at
    ``failure_rate`` each, at most 3) and, with ``spike_rate``, stalls on its first attempt
    for ``spike`` seconds (past the step's timeout)."""

    def __init__(self, name, latency, *, failure_rate=0.0, spike_rate=0.0, spike=1.0, seed=0):
        self.name, self.latency, self.spike = name, latency, spike
        self.failure_rate, self.spike_rate = failure_rate, spike_rate
        self.rng = random.Random(seed)
        self.attempts = Counter()
        self.failures = {}
        self.spikes = {}
        self.traces = defaultdict(set)

    def plan(self, request):
        if request not in self.failures:
            failures = 0
            while failures < 3 and self.rng.random() < self.failure_rate:
                failures += 1
            self.failures[request] = failures
            self.spikes[request] = self.rng.random() < self.spike_rate
        return self.failures[request], self.spikes[request]

    async def __call__(self, ctx):
        request = ctx["request"]
        failures, spike = self.plan(request)
        attempt = self.attempts[request]
        self.attempts[request] += 1
        self.traces[request].add(current_trace_id())
        if spike and attempt == 0:
            await asyncio.sleep(self.spike)
        await asyncio.sleep(self.latency)
        if attempt < failures + (1 if spike else 0) and not (spike and attempt == 0):
            raise TransientError(f"{self.name} overloaded")
        return {**ctx, self.name: f"{self.name}({request})", "trail": [*ctx["trail"], self.name]}


def test_multi_model_orchestration_with_latencies_and_failure_rates():
    retrieve = Model("retrieve", 0.001)
    draft = Model("draft", 0.02, failure_rate=0.3, seed=1)
    critic = Model("critic", 0.008, failure_rate=0.2, spike_rate=0.25, spike=0.3, seed=2)
    summarize = Model("summarize", 0.003, failure_rate=0.1, seed=3)
    models = [retrieve, draft, critic, summarize]
    retry = Retry(attempts=5, base_delay=0.002, max_delay=0.02)
    pipeline = Pipeline(
        [
            "retrieve",
            Step("draft", timeout=0.5, retry=retry),
            Step(
                "critic", timeout=0.08, retry=Retry(attempts=8, base_delay=0.002, on_timeout=True)
            ),
            Step("summarize", retry=retry),
        ],
        rng=random.Random(7),
    )

    async def main():
        bus = ContextBus()
        for model, concurrency in zip(models, (8, 4, 4, 4), strict=True):
            bus.add_target(model.name, model, concurrency=concurrency, capacity=32)
        runs = [pipeline.run(bus, {"request": r, "trail": []}) for r in range(20)]
        return await asyncio.gather(*runs)

    with capture() as nodes:
        results = asyncio.run(main())

    assert all(result.ok for result in results)
    for request, result in enumerate(results):
        assert result.context["trail"] == ["retrieve", "draft", "critic", "summarize"]
        assert result.context["summarize"] == f"summarize({request})"
        for model, step in zip(models, result.steps, strict=True):
            failures, spike = model.plan(request)
            # An attempt can also time out in the queue (the deadline covers the wait),
            # before the model sees it: count the attempts the model ran.
            statuses = [a.status for a in step.attempts if a.stage is Stage.RUNNING]
            assert len(statuses) == model.attempts[request] == failures + spike + 1
            if spike:
                assert statuses[0] is Status.TIMEOUT  # the stalled attempt was cancelled
            assert statuses[-1] is Status.DELIVERED
            assert model.traces[request] == {result.trace_id}  # one trace through every step
    assert sum(draft.failures.values()) > 0  # the example does exercise retries
    assert sum(critic.spikes.values()) > 0 and sum(critic.failures.values()) > 0
    by_trace = Counter(node["provenance"]["trace_id"] for node in nodes)
    assert {r.trace_id: sum(len(s.attempts) for s in r.steps) for r in results} == by_trace


def test_transient_failures_are_retried_with_capped_exponential_backoff():
    delays = []

    async def sleep(seconds):
        delays.append(seconds)

    calls = Counter()

    def flaky(ctx):
        calls["n"] += 1
        if calls["n"] < 6:
            raise TransientError("try again")
        return None

    retry = Retry(attempts=6, base_delay=0.01, factor=3, max_delay=0.2)
    pipeline = Pipeline([Step("flaky", retry=retry)], rng=random.Random(1), sleep=sleep)

    async def main():
        bus = ContextBus()
        bus.add_target("flaky", flaky)
        return await pipeline.run(bus, {"k": "v"})

    result = asyncio.run(main())
    assert result.ok and result.context == {"k": "v"}  # None passes the context on
    assert [a.status for a in result.steps[0].attempts] == [Status.HANDLER_ERROR] * 5 + [
        Status.DELIVERED
    ]
    ceilings = [0.01, 0.03, 0.09, 0.2, 0.2]
    assert len(delays) == 5
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling / 2 <= delay <= ceiling


def test_a_permanent_failure_stops_the_pipeline_and_keeps_the_context_it_was_given():
    calls = Counter()

    def broken(ctx):
        calls["broken"] += 1
        raise ValueError("bad model output")

    async def main():
        bus = ContextBus()
        bus.add_target("first", lambda ctx: {**ctx, "first": True})
        bus.add_target("broken", broken)
        bus.add_target("never", lambda ctx: pytest.fail("a later step ran"))
        steps = ["first", Step("broken", retry=Retry(attempts=3)), "never"]
        return await Pipeline(steps).run(bus, {"input": 1})

    result = asyncio.run(main())
    assert (result.ok, result.reason, result.failed_step) == (False, "handler_error", "broken")
    assert result.context == {"input": 1, "first": True}
    assert [s.target for s in result.steps] == ["first", "broken"]
    assert calls["broken"] == 1  # not marked transient: not retried


def test_overload_is_retried_and_timeouts_only_when_asked():
    gate = asyncio.Event

    async def main():
        release = gate()

        async def busy(ctx):
            await release.wait()

        bus = ContextBus()
        bus.add_target("busy", busy, capacity=1, policy="reject")
        blockers = [asyncio.ensure_future(bus.handoff({}, "busy")) for _ in range(2)]
        await asyncio.sleep(0)
        asyncio.get_running_loop().call_later(0.02, release.set)
        retried = await Pipeline([Step("busy", retry=Retry(attempts=20, base_delay=0.005))]).run(
            bus, {}
        )
        await asyncio.gather(*blockers)
        release.clear()
        timed_out = await Pipeline([Step("busy", timeout=0.01, retry=Retry(attempts=3))]).run(
            bus, {}
        )
        release.set()
        return retried, timed_out

    retried, timed_out = asyncio.run(main())
    assert retried.ok
    assert retried.steps[0].attempts[0].status is Status.BACKPRESSURE
    assert (timed_out.reason, len(timed_out.steps[0].attempts)) == ("timeout", 1)


def test_an_ack_that_is_not_a_context_fails_the_pipeline():
    async def main():
        bus = ContextBus()
        bus.add_target("odd", lambda ctx: "just a string")
        return await Pipeline(["odd"]).run(bus, {"a": 1})

    result = asyncio.run(main())
    assert (result.ok, result.reason, result.context) == (False, INVALID_ACK, {"a": 1})


def test_a_pipeline_joins_the_callers_trace():
    async def main():
        bus = ContextBus()
        bus.add_target("a", lambda ctx: {"seen": current_trace_id()})
        with trace("outer"):
            return await Pipeline(["a"]).run(bus, {})

    result = asyncio.run(main())
    assert result.trace_id == "outer" == result.context["seen"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"attempts": 0}, "attempts must be an integer >= 1"),
        ({"attempts": 2.0}, "attempts must be an integer >= 1"),
        ({"base_delay": 0}, "base_delay must be a positive number"),
        ({"max_delay": -1}, "max_delay must be a positive number"),
        ({"factor": 0.5}, "factor must be >= 1"),
    ],
)
def test_retry_options_are_checked(options, message):
    with pytest.raises(ValueError, match=message):
        Retry(**options)


def test_a_pipeline_needs_a_step():
    with pytest.raises(ValueError, match="at least one step"):
        Pipeline([])
