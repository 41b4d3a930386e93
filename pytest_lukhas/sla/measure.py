"""What ``sla_benchmark(fn, *args, **kwargs)`` does: sample, judge, extend once, report."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from . import reporting
from .results import judgement_json
from .sampling import (
    BY_PYTEST_BENCHMARK,
    BlockPlan,
    how_to_measure,
    one_sampler_at_a_time,
    pedantic_calls,
    time_calls,
)
from .settings import Inconclusive, SlaSettings
from .spec import SlaSpec
from .verdict import Verdict, judge


class SlaInconclusiveWarning(UserWarning):
    """An SLA neither shown within nor above its budget, counted as a pass."""


class SlaBenchmark:
    """The ``sla_benchmark`` fixture: call it once with the function to measure.

    Returns what the function returned. Without Holm's correction the test fails right
    away on FAIL (and on INCONCLUSIVE when that counts as fail); with it, the verdicts are
    decided together at the end of the session.
    """

    def __init__(
        self,
        *,
        nodeid: str,
        spec: SlaSpec,
        settings: SlaSettings,
        config: pytest.Config,
        benchmark: object,
        record: Callable[[dict[str, Any]], None],
        shared_dir: Path | None = None,
    ) -> None:
        self._nodeid, self._spec, self._settings = nodeid, spec, settings
        self._config, self._benchmark, self._record = config, benchmark, record
        self._shared_dir = shared_dir  # seen by every xdist worker of the run
        self._called = False

    def __call__(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        if self._called:
            pytest.fail("sla_benchmark(...) can be called once per test", pytrace=False)
        self._called = True
        how = how_to_measure(self._config, self._benchmark)
        if how.by is None:
            self._record(_measurement(None, how.why_not, [], []))
            return self._benchmark(fn, *args, **kwargs)  # runs the function, unmeasured
        with one_sampler_at_a_time(self._shared_dir):
            samples, sizes, result = self._sample(how.by, fn, args, kwargs)
        judgement = judge(samples, sizes, self._spec.budgets, self._spec.alpha)
        self._record(_measurement(how.by, None, samples, sizes))
        if isinstance(self._benchmark, BenchmarkFixture):
            self._benchmark.extra_info["lukhas_sla"] = {
                "verdict": str(judgement.verdict),
                "spec": self._spec.to_json(),
                **judgement_json(judgement, samples),
            }
        text = reporting.message(
            self._nodeid, self._spec, judgement, samples, self._settings.inconclusive
        )
        self._settle(judgement.verdict, text)
        return result

    def _sample(
        self, by: str, fn: Callable[..., Any], args: tuple, kwargs: dict[str, Any]
    ) -> tuple[list[int], list[int], Any]:
        """The first look's samples and, when it is inconclusive, the extension's."""
        spec, benchmark = self._spec, self._benchmark
        plan = BlockPlan(spec.samples, spec.blocks, spec.warmup)
        if by == BY_PYTEST_BENCHMARK:
            assert isinstance(benchmark, BenchmarkFixture)
            samples, result = pedantic_calls(benchmark, fn, args, kwargs, plan)
        else:
            if isinstance(benchmark, BenchmarkFixture):
                benchmark.pedantic(fn, args=args, kwargs=kwargs)  # switched off: one plain call
            samples, result = time_calls(fn, args, kwargs, plan)
        sizes = [len(samples)]
        if judge(samples, sizes, spec.budgets, spec.alpha).wants_extension:
            more, result = time_calls(fn, args, kwargs, plan)
            if by == BY_PYTEST_BENCHMARK:
                for ns in more:  # pytest-benchmark's JSON then holds every sample
                    benchmark.stats.update(ns / 1e9)  # type: ignore[attr-defined]
            samples += more
            sizes.append(len(samples))
        return samples, sizes, result

    def _settle(self, verdict: Verdict, text: str) -> None:
        if self._settings.holm or verdict is Verdict.PASS:
            return  # with Holm the session decides at its end
        if verdict is Verdict.FAIL or self._settings.inconclusive is Inconclusive.FAIL:
            pytest.fail(text, pytrace=False)
        warnings.warn(SlaInconclusiveWarning(text), stacklevel=3)


def _measurement(
    by: str | None, why_not: str | None, samples: list[int], sizes: list[int]
) -> dict[str, Any]:
    """What travels to the controller: the raw samples, judged again there."""
    return {"measured_by": by, "not_measured": why_not, "samples_ns": samples, "look_sizes": sizes}
