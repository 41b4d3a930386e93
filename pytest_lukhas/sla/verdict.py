"""Judging samples against latency budgets: one look, and the two-look plan.

A look compares the samples taken so far with every budgeted quantile. The plan allows
two looks, fixed in advance: the first after ``samples`` samples; when that one is
inconclusive, the same number again and a second look at all of them. The test's alpha
is split evenly between the looks (Bonferroni: alpha/2 each), so the chance of a wrong
PASS over the whole plan stays within alpha, and so does the chance of a wrong FAIL for
each budgeted quantile.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from . import order_stats

LOOKS = 2
NS_PER_MS = 1_000_000
QUANTILES = {"p50": 0.50, "p95": 0.95, "p99": 0.99}
BUDGETED = ("p95", "p99")


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Budget:
    name: str  # "p95" or "p99"
    ms: float

    @property
    def quantile(self) -> float:
        return QUANTILES[self.name]


@dataclass(frozen=True)
class QuantileCheck:
    """One budgeted quantile at one look."""

    budget: Budget
    estimate_ms: float
    lower_ms: float | None  # one-sided bounds at the look's alpha; None: too few samples
    upper_ms: float | None
    p_within: float  # small: the quantile is shown within the budget
    p_exceeds: float  # small: the quantile is shown above the budget


@dataclass(frozen=True)
class Look:
    n: int
    alpha: float  # this look's share of the test's alpha
    checks: tuple[QuantileCheck, ...]

    @property
    def p_within(self) -> float:
        """Every budgeted quantile must be shown within its budget."""
        return max(c.p_within for c in self.checks)

    @property
    def p_exceeds(self) -> float:
        """Any budgeted quantile shown above its budget fails the test."""
        return min(c.p_exceeds for c in self.checks)


def look(samples_ns: Sequence[int], budgets: Sequence[Budget], alpha: float) -> Look:
    """Compare ``samples_ns`` with ``budgets`` at one-sided level ``alpha``."""
    ordered = sorted(samples_ns)
    n = len(ordered)
    checks = []
    for budget in budgets:
        q = budget.quantile
        at_or_below = bisect_right(ordered, budget.ms * NS_PER_MS)
        low = order_stats.lower_rank(n, q, alpha)
        high = order_stats.upper_rank(n, q, alpha)
        checks.append(
            QuantileCheck(
                budget=budget,
                estimate_ms=order_stats.order_statistic(ordered, q) / NS_PER_MS,
                lower_ms=ordered[low - 1] / NS_PER_MS if low else None,
                upper_ms=ordered[high - 1] / NS_PER_MS if high else None,
                p_within=order_stats.p_within(n, q, at_or_below),
                p_exceeds=order_stats.p_exceeds(n, q, at_or_below),
            )
        )
    return Look(n, alpha, tuple(checks))


@dataclass(frozen=True)
class Judgement:
    """The looks taken so far under the two-look plan of a test with level ``alpha``."""

    alpha: float
    looks: tuple[Look, ...]

    @property
    def p_within(self) -> float:
        """Plan-level p-value (Bonferroni over the planned looks) for a PASS."""
        return min(1.0, LOOKS * min(lk.p_within for lk in self.looks))

    @property
    def p_exceeds(self) -> float:
        """Plan-level p-value (Bonferroni over the planned looks) for a FAIL."""
        return min(1.0, LOOKS * min(lk.p_exceeds for lk in self.looks))

    def verdict_at(self, level: float) -> Verdict:
        if self.p_exceeds <= level:
            return Verdict.FAIL
        if self.p_within <= level:
            return Verdict.PASS
        return Verdict.INCONCLUSIVE

    @property
    def verdict(self) -> Verdict:
        return self.verdict_at(self.alpha)

    @property
    def wants_extension(self) -> bool:
        return len(self.looks) < LOOKS and self.verdict is Verdict.INCONCLUSIVE

    @property
    def last(self) -> Look:
        return self.looks[-1]


def judge(
    samples_ns: Sequence[int], look_sizes: Sequence[int], budgets: Sequence[Budget], alpha: float
) -> Judgement:
    """The judgement after looking at the first ``look_sizes[i]`` samples, look by look."""
    share = alpha / LOOKS
    looks = tuple(look(samples_ns[:size], budgets, share) for size in look_sizes)
    return Judgement(alpha, looks)


def percentiles_ms(samples_ns: Sequence[int]) -> dict[str, float]:
    """Point estimates p50/p95/p99 (empirical order statistics) in milliseconds."""
    ordered = sorted(samples_ns)
    return {
        name: order_stats.order_statistic(ordered, q) / NS_PER_MS for name, q in QUANTILES.items()
    }
