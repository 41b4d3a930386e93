"""What the SLA machinery costs, as ratios against baselines measured in the same run.

    pytest benchmarks/test_sla_overhead.py --benchmark-only -p no:randomly

* judging 200 samples (sorting, binomial ranks, p-values) against sorting them alone;
* the sampler's cost per sample (one block, no warm-up) against a bare ``perf_counter_ns``
  loop around the call, and the fixed cost of opening blocks (gc, pause, warm-up calls).
"""

from __future__ import annotations

import random
import time

import pytest

from pytest_lukhas.sla import order_stats
from pytest_lukhas.sla.sampling import BlockPlan, between_blocks, time_calls
from pytest_lukhas.sla.verdict import Budget, judge

SAMPLES = [random.Random(7).randrange(1_000, 5_000_000) for _ in range(200)]
BUDGETS = (Budget("p95", 4.0), Budget("p99", 4.9))
CALLS = 2_000


def noop() -> None:
    return None


@pytest.mark.benchmark(group="judge 200 samples")
def test_baseline_sort(benchmark):
    benchmark(sorted, SAMPLES)


@pytest.mark.benchmark(group="judge 200 samples")
def test_judge_warm(benchmark):
    judge(SAMPLES, [200], BUDGETS, 0.05)  # binomial tails cached, as for every later test
    benchmark(judge, SAMPLES, [200], BUDGETS, 0.05)


@pytest.mark.benchmark(group="judge 200 samples")
def test_judge_cold(benchmark):
    benchmark.pedantic(
        judge,
        args=(SAMPLES, [200], BUDGETS, 0.05),
        setup=order_stats.tails.cache_clear,
        rounds=50,
    )


def bare_loop() -> list[int]:
    clock, samples = time.perf_counter_ns, []
    for _ in range(CALLS):
        start = clock()
        noop()
        samples.append(clock() - start)
    return samples


@pytest.mark.benchmark(group=f"sample {CALLS} calls")
def test_baseline_bare_timing_loop(benchmark):
    benchmark(bare_loop)


@pytest.mark.benchmark(group=f"sample {CALLS} calls")
def test_sampler_one_block(benchmark):
    benchmark(time_calls, noop, (), {}, BlockPlan(samples=CALLS, blocks=1, warmup=0))


@pytest.mark.benchmark(group=f"sample {CALLS} calls")
def test_sampler_four_blocks(benchmark):
    benchmark(time_calls, noop, (), {}, BlockPlan(samples=CALLS, blocks=4, warmup=5))


@pytest.mark.benchmark(group=f"sample {CALLS} calls")
def test_opening_one_block(benchmark):
    benchmark(between_blocks, noop, (), {}, 5)
