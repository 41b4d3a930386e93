"""Taking timed samples: one call per sample, in blocks, each block after warm-up calls.

Neighbouring samples share caches, allocator state and whatever else the machine is doing
at that moment, so they are not independent. Taking them in at least three blocks, each
opened by a garbage collection, a short pause that gives the CPU away and fresh warm-up
calls, weakens that tie; the order-statistic bounds assume independent samples.

Samples are taken by pytest-benchmark (``benchmark.pedantic``, one round per sample) when
it is measuring, and by :func:`time_calls` with ``time.perf_counter_ns`` otherwise: for the
extension (pytest-benchmark's fixture can run once per test) and on xdist workers, where
pytest-benchmark switches itself off. Under xdist, :func:`one_sampler_at_a_time` keeps the
workers from sampling two SLA tests at once.
"""

from __future__ import annotations

import gc
import itertools
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

PAUSE_SECONDS = 0.002
BY_PYTEST_BENCHMARK = "pytest-benchmark"


@dataclass(frozen=True)
class BlockPlan:
    samples: int
    blocks: int
    warmup: int

    def starts(self) -> frozenset[int]:
        """Indexes of the samples that open a block, the first sample included."""
        return frozenset(self.samples * b // self.blocks for b in range(self.blocks))


def between_blocks(
    fn: Callable[..., Any], args: tuple, kwargs: dict[str, Any], warmup: int
) -> None:
    gc.collect()
    time.sleep(PAUSE_SECONDS)
    for _ in range(warmup):
        fn(*args, **kwargs)


def time_calls(
    fn: Callable[..., Any], args: tuple, kwargs: dict[str, Any], plan: BlockPlan
) -> tuple[list[int], Any]:
    """``plan.samples`` durations in nanoseconds, and the last call's result."""
    starts, samples, result = plan.starts(), [], None
    clock = time.perf_counter_ns
    for index in range(plan.samples):
        if index in starts:
            between_blocks(fn, args, kwargs, plan.warmup)
        start = clock()
        result = fn(*args, **kwargs)
        samples.append(clock() - start)
    return samples, result


def pedantic_calls(
    benchmark: BenchmarkFixture,
    fn: Callable[..., Any],
    args: tuple,
    kwargs: dict[str, Any],
    plan: BlockPlan,
) -> tuple[list[int], Any]:
    """The same plan run by pytest-benchmark, which keeps the samples in its JSON."""
    later_starts = plan.starts() - {0}
    rounds = itertools.count(-plan.warmup)  # pedantic calls setup before warm-up rounds too

    def setup() -> None:
        if next(rounds) in later_starts:
            between_blocks(fn, args, kwargs, plan.warmup)

    gc.collect()
    result = benchmark.pedantic(
        fn,
        args=args,
        kwargs=kwargs,
        setup=setup,
        rounds=plan.samples,
        warmup_rounds=plan.warmup,
        iterations=1,
    )
    return [round(seconds * 1e9) for seconds in benchmark.stats.stats.data], result


@contextmanager
def one_sampler_at_a_time(shared_dir: Path | None) -> Iterator[None]:
    """Hold a lock in ``shared_dir``, a folder every xdist worker of the run sees, while
    sampling, so two SLA tests never compete for the CPU (xdist's loadgroup would also
    serialize them, but only when the user picks it). Without a folder (a serial run) or
    without fcntl (not POSIX) it does nothing."""
    try:
        import fcntl
    except ImportError:
        shared_dir = None
    if shared_dir is None:
        yield
        return
    with (shared_dir / "lukhas-sla.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class HowMeasured:
    by: str | None  # who times the samples; None when nobody does
    why_not: str | None = None  # why the test is not measured


def how_to_measure(config: pytest.Config, benchmark: object) -> HowMeasured:
    """Who can time this test's samples, or why nobody can."""
    codspeed = config.pluginmanager.get_plugin("codspeed_plugin")
    if codspeed is not None and getattr(codspeed, "is_codspeed_enabled", False):
        return HowMeasured(None, "pytest-codspeed is active and replaces pytest-benchmark")
    if not isinstance(benchmark, BenchmarkFixture):
        kind = type(benchmark)
        return HowMeasured(
            None,
            f"the benchmark fixture is {kind.__module__}.{kind.__qualname__},"
            " not pytest-benchmark's",
        )
    if benchmark.enabled:
        return HowMeasured(BY_PYTEST_BENCHMARK)
    if config.getoption("benchmark_disable", False) and not config.getoption(
        "benchmark_enable", False
    ):
        return HowMeasured(None, "--benchmark-disable")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        return HowMeasured(
            f"lukhas sampler on xdist worker {worker} (pytest-benchmark is off under xdist)"
        )
    return HowMeasured(None, "pytest-benchmark is disabled")
