import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lukhas.orchestration.context.rate_limit import DEFAULT_BURST, RateLimiter


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


RATES = st.floats(min_value=0.01, max_value=1e5)
BURSTS = st.floats(min_value=1, max_value=1000)
# Each step: advance the clock by a few seconds (or not), then try to acquire n times.
STEPS = st.lists(
    st.tuples(st.floats(min_value=0, max_value=5), st.integers(min_value=0, max_value=50)),
    max_size=40,
)


@given(rate=RATES, burst=BURSTS, steps=STEPS)
def test_never_more_than_burst_plus_rate_times_elapsed(rate, burst, steps):
    clock = FakeClock()
    limiter = RateLimiter(rate=rate, burst=burst, clock=clock)
    start, granted = clock.now, 0
    for advance, attempts in steps:
        clock.now += advance
        granted += sum(limiter.try_acquire("t") for _ in range(attempts))
        assert granted <= burst + rate * (clock.now - start) + 1e-6


@given(rate=RATES, burst=BURSTS, idle=st.floats(min_value=0, max_value=100))
def test_a_rested_bucket_grants_its_whole_burst(rate, burst, idle):
    clock = FakeClock()
    limiter = RateLimiter(rate=rate, burst=burst, clock=clock)
    while limiter.try_acquire("t"):  # drain it
        pass
    clock.now += idle + burst / rate + 1e-3  # long enough to refill, float error and all
    granted = 0
    while limiter.try_acquire("t"):
        granted += 1
    assert granted == int(burst)


def test_refills_at_rate():
    clock = FakeClock()
    limiter = RateLimiter(rate=2, burst=1, clock=clock)
    assert limiter.try_acquire() is True
    assert limiter.try_acquire() is False
    clock.now += 0.25
    assert limiter.try_acquire() is False
    clock.now += 0.25
    assert limiter.try_acquire() is True


def test_a_clock_stepping_back_adds_no_tokens():
    clock = FakeClock()
    limiter = RateLimiter(rate=1, burst=1, clock=clock)
    assert limiter.try_acquire()
    clock.now -= 100
    assert not limiter.try_acquire()
    clock.now += 100.5
    assert not limiter.try_acquire()  # half a second after the last real time
    clock.now += 0.5
    assert limiter.try_acquire()


TENANT_STEPS = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=2),
        st.integers(min_value=0, max_value=30),
        st.integers(min_value=0, max_value=3),
    ),
    max_size=60,
)


@given(
    rate=st.floats(min_value=0.5, max_value=20),
    burst=st.floats(min_value=1, max_value=5),
    steps=TENANT_STEPS,
)
def test_forgetting_refilled_buckets_changes_no_answer(rate, burst, steps):
    clock = FakeClock()
    pruned = RateLimiter(rate=rate, burst=burst, clock=clock, prune_above=2)
    kept = RateLimiter(rate=rate, burst=burst, clock=clock, prune_above=10**9)
    for advance, tenant, attempts in steps:
        clock.now += advance
        for _ in range(attempts):
            assert pruned.try_acquire(f"t{tenant}") == kept.try_acquire(f"t{tenant}")


def test_the_bucket_table_holds_recent_tenants_not_every_tenant():
    clock = FakeClock()
    limiter = RateLimiter(rate=10, burst=1, clock=clock, prune_above=100)
    for n in range(20_000):  # a new tenant every millisecond: 20 s, 20,000 tenants
        clock.now += 0.001
        assert limiter.try_acquire(f"tenant-{n}")
    assert limiter.tenants() <= 2 * 100  # buckets refill in 0.1 s: about 100 are recent


def test_tenants_have_their_own_buckets():
    limiter = RateLimiter(rate=1, burst=2, clock=FakeClock())
    assert [limiter.try_acquire("a") for _ in range(3)] == [True, True, False]
    assert [limiter.try_acquire("b") for _ in range(3)] == [True, True, False]


def test_threads_share_a_bucket_exactly():
    limiter = RateLimiter(rate=1, burst=500, clock=FakeClock())
    granted = []

    def take() -> None:
        granted.append(sum(limiter.try_acquire("t") for _ in range(200)))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(granted) == 500


def test_defaults_do_not_throttle_a_1000_call_benchmark():
    limiter = RateLimiter(clock=FakeClock())
    assert all(limiter.try_acquire() for _ in range(1000))
    assert DEFAULT_BURST >= 10 * 1000


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (1, 0.5), (float("nan"), 1)])
def test_rejects_rates_and_bursts_that_could_never_grant(rate, burst):
    with pytest.raises(ValueError, match="rate must be > 0 and burst >= 1"):
        RateLimiter(rate=rate, burst=burst)
