"""No context loss, whatever happens: random targets, handlers, deadlines, cancellations
and a shutdown at a random moment. Every handoff ends exactly once; it is delivered
exactly when its handler acknowledged it; the bounds hold; nothing stays behind."""

import asyncio
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from candidate.orchestration.context import (
    ContextBus,
    Policy,
    Stage,
    Status,
    TargetConfig,
    TransientError,
)

BEHAVIOURS = ("ok", "slow", "error", "transient", "hang")

CONFIGS = st.builds(
    TargetConfig,
    capacity=st.integers(1, 4),
    concurrency=st.integers(1, 3),
    policy=st.sampled_from(list(Policy)),
    max_waiting=st.integers(0, 3),
    wait_timeout=st.sampled_from([0.001, 0.005, 0.05]),
    timeout=st.sampled_from([None, 0.005, 0.05]),
)
HANDOFFS = st.lists(
    st.fixed_dictionaries(
        {
            "behaviour": st.sampled_from(BEHAVIOURS),
            "delay": st.integers(0, 3),  # loop turns before it is sent
            "timeout": st.sampled_from([None, 0.002, 0.02]),
            "cancel_after": st.one_of(st.none(), st.integers(0, 6)),  # loop turns
        }
    ),
    min_size=1,
    max_size=12,
)
# Where each failure can happen: the stage it reports.
STAGES = {
    Status.DELIVERED: {Stage.RUNNING},
    Status.HANDLER_ERROR: {Stage.RUNNING},
    Status.BACKPRESSURE: {Stage.WAITING},
    Status.SHED: {Stage.QUEUED},
    Status.TIMEOUT: {Stage.WAITING, Stage.QUEUED, Stage.RUNNING},
    Status.SHUTDOWN: {None, Stage.WAITING, Stage.QUEUED, Stage.RUNNING},
}


async def turns(n: int) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


@settings(max_examples=75, deadline=None)
@given(config=CONFIGS, specs=HANDOFFS, drain=st.booleans(), close_after=st.integers(0, 8))
def test_every_handoff_ends_exactly_once(config, specs, drain, close_after):
    calls: Counter = Counter()
    acked: list[int] = []

    async def handler(ctx):
        calls[ctx["id"]] += 1
        behaviour = ctx["behaviour"]
        if behaviour == "slow":
            await asyncio.sleep(0.002)
        elif behaviour == "error":
            raise ValueError
        elif behaviour == "transient":
            raise TransientError
        elif behaviour == "hang":
            await asyncio.Event().wait()
        acked.append(ctx["id"])
        return ctx["id"]

    async def send(bus, i, spec):
        await turns(spec["delay"])
        ctx = {"id": i, "behaviour": spec["behaviour"]}
        return await bus.handoff(ctx, "t", timeout=spec["timeout"])

    async def cancel(task, after):
        await turns(after)
        task.cancel()

    async def main():
        bus = ContextBus()
        bus.add_target("t", handler, config)
        senders = [asyncio.ensure_future(send(bus, i, spec)) for i, spec in enumerate(specs)]
        cancellers = [
            asyncio.ensure_future(cancel(task, spec["cancel_after"]))
            for task, spec in zip(senders, specs, strict=True)
            if spec["cancel_after"] is not None
        ]
        await turns(close_after)
        settled = await bus.close(drain=drain, timeout=0.01)
        results = await asyncio.gather(*senders, return_exceptions=True)
        await asyncio.gather(*cancellers)
        return bus, settled, results

    bus, settled, results = asyncio.run(main())

    assert settled is True  # these handlers all honour cancellation
    assert len(results) == len(specs)  # one end per handoff
    delivered = set()
    for i, result in enumerate(results):
        if isinstance(result, asyncio.CancelledError):
            assert i not in acked  # a withdrawn handoff was never acknowledged
            continue
        assert result.stage in STAGES[result.status], result
        if result.ok:
            assert result.ack == i
            delivered.add(i)
        if specs[i]["behaviour"] == "hang":
            assert not result.ok
    assert delivered == set(acked)  # delivered exactly when acknowledged
    assert all(n == 1 for n in calls.values())  # no handler ran twice for one handoff
    stats = bus.stats("t")
    assert stats.max_queued <= config.capacity
    assert stats.max_waiting <= config.max_waiting
    assert stats.max_running <= config.concurrency
    assert bus.idle
