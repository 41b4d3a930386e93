"""Load behaviour (not speed): 100 concurrent producers, 10,000 handoffs, a slow consumer.

Each producer sends its 100 handoffs in bursts of 10 at once, so up to 1,000 handoffs
press on a target that holds at most 100 (32 queued, 64 waiting, 4 running). The bounds
must hold, every sender must get exactly one answer, every acknowledged handoff must
have been handled exactly once and every other one not at all, and the bus must hold
nothing afterwards: its memory is bounded by its bounds, not by the load.
"""

import asyncio
import gc
from collections import Counter

import pytest

from candidate.orchestration.context import ContextBus, Outcome, Stage, Status
from candidate.orchestration.context.target import Envelope

PRODUCERS = 100
PER_PRODUCER = 100
BURST = 10
CAPACITY, MAX_WAITING, CONCURRENCY = 32, 64, 4

ALLOWED = {
    "reject": {Status.DELIVERED, Status.BACKPRESSURE},
    "wait": {Status.DELIVERED, Status.BACKPRESSURE},
    "shed_oldest": {Status.DELIVERED, Status.SHED},
}


class SlowConsumer:
    def __init__(self) -> None:
        self.started: Counter = Counter()
        self.delivered: Counter = Counter()

    async def __call__(self, ctx):
        self.started[ctx["id"]] += 1
        await asyncio.sleep(0.001)
        self.delivered[ctx["id"]] += 1
        return ctx["id"]


async def producer(bus: ContextBus, p: int) -> list:
    answers = []
    for first in range(0, PER_PRODUCER, BURST):
        ids = range(first, first + BURST)
        burst = [bus.handoff({"id": (p, i), "body": "x" * 200}, "slow") for i in ids]
        answers += await asyncio.gather(*burst)
    return answers


def loaded_bus(policy: str) -> tuple[ContextBus, SlowConsumer]:
    consumer = SlowConsumer()
    bus = ContextBus()
    bus.add_target(
        "slow",
        consumer,
        capacity=CAPACITY,
        max_waiting=MAX_WAITING,
        concurrency=CONCURRENCY,
        policy=policy,
        wait_timeout=0.005,
        timeout=30,
    )
    return bus, consumer


def run_load(bus: ContextBus) -> list[Outcome]:
    async def main():
        producers = (producer(bus, p) for p in range(PRODUCERS))
        answered = await asyncio.gather(*producers)
        return [answer for answers in answered for answer in answers]

    return asyncio.run(main())


@pytest.mark.parametrize("policy", sorted(ALLOWED))
def test_bounds_hold_and_nothing_accepted_is_lost_under_load(policy):
    bus, consumer = loaded_bus(policy)
    envelopes_before = live_envelopes()
    outcomes = run_load(bus)

    assert len(outcomes) == PRODUCERS * PER_PRODUCER  # every sender answered, once
    statuses = Counter(o.status for o in outcomes)
    assert set(statuses) <= ALLOWED[policy]
    assert statuses[Status.DELIVERED] > 0 and len(statuses) == 2  # the overload was real

    acked = [o.ack for o in outcomes if o.ok]
    assert sorted(acked) == sorted(consumer.delivered)  # acknowledged = handled
    assert set(consumer.delivered.values()) == {1}  # exactly once
    assert sum(consumer.started.values()) == len(acked)  # no failed handoff was handled
    failed = [o for o in outcomes if not o.ok]
    assert all(o.stage in (Stage.WAITING, Stage.QUEUED) for o in failed)

    stats = bus.stats("slow")
    assert stats.max_queued <= CAPACITY
    assert stats.max_waiting <= MAX_WAITING
    assert stats.max_running <= CONCURRENCY
    assert sum(stats.counts.values()) == PRODUCERS * PER_PRODUCER
    # The bus's only per-handoff state is an Envelope (with its future and timer): their
    # number was bounded by the marks above, and none is left after the load.
    assert bus.idle
    assert live_envelopes() == envelopes_before


def live_envelopes() -> int:
    gc.collect()
    return sum(isinstance(o, Envelope) for o in gc.get_objects())
