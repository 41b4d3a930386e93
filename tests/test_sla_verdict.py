"""Verdicts on injected samples: PASS, FAIL, INCONCLUSIVE and the two-look plan."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_lukhas.sla.verdict import LOOKS, Budget, Verdict, judge, look, percentiles_ms

NO_DEADLINE = settings(deadline=None)  # timing is not what these tests check

MS = 1_000_000


def synthetic(n: int, slow_every: int, fast_ms: float = 1.0, slow_ms: float = 20.0) -> list[int]:
    """Deterministic samples: every ``slow_every``-th one slow, the others fast."""
    return [
        round((slow_ms if i % slow_every == slow_every - 1 else fast_ms) * MS) for i in range(n)
    ]


P95 = (Budget("p95", 10.0),)


def test_all_fast_passes_and_all_slow_fails():
    assert judge([MS] * 200, [200], P95, 0.05).verdict is Verdict.PASS
    assert judge([20 * MS] * 200, [200], P95, 0.05).verdict is Verdict.FAIL


def test_a_budget_right_at_the_true_p95_is_inconclusive_even_after_the_extension():
    # exactly 5% of the samples above the budget: the p95 sits on the budget
    samples = synthetic(400, slow_every=20)
    first = judge(samples, [200], P95, 0.05)
    assert first.verdict is Verdict.INCONCLUSIVE and first.wants_extension
    both = judge(samples, [200, 400], P95, 0.05)
    assert both.verdict is Verdict.INCONCLUSIVE and not both.wants_extension
    check = both.last.checks[0]
    assert check.lower_ms < 10.0 < check.upper_ms


def test_the_extension_can_settle_what_the_first_look_could_not():
    # 3% slow: p95 below the budget, but 200 samples at alpha/2 are not enough to show it
    samples = synthetic(800, slow_every=33)
    assert judge(samples, [200], P95, 0.05).verdict is Verdict.INCONCLUSIVE
    assert judge(samples, [200, 800], P95, 0.05).verdict is Verdict.PASS


def test_each_look_uses_half_the_alpha():
    # 3 slow of 200: P(Bin(200, .95) >= 197) = 0.009: passes at alpha/2 = 0.025 ...
    samples = [20 * MS] * 3 + [MS] * 197
    judgement = judge(samples, [200], P95, 0.05)
    assert judgement.last.alpha == 0.025
    assert judgement.verdict is Verdict.PASS
    assert judgement.p_within == pytest.approx(LOOKS * 0.00904837639610091)
    # ... and not at alpha/2 = 0.005
    assert judge(samples, [200], P95, 0.01).verdict is Verdict.INCONCLUSIVE


def test_p99_is_judged_too_and_any_failing_quantile_fails():
    samples = synthetic(1000, slow_every=50)  # 2% slow: p95 fast, p99 slow
    budgets = (Budget("p95", 10.0), Budget("p99", 10.0))
    judgement = judge(samples, [1000], budgets, 0.05)
    assert [c.budget.name for c in judgement.last.checks] == ["p95", "p99"]
    assert judgement.verdict is Verdict.FAIL
    assert judge(samples, [1000], budgets[:1], 0.05).verdict is Verdict.PASS


def test_too_few_samples_give_no_upper_bound():
    result = look([MS] * 60, P95, 0.025)
    assert result.checks[0].upper_ms is None
    assert result.checks[0].lower_ms == 1.0


def test_percentiles_are_order_statistics():
    samples = [i * MS for i in range(1, 201)]
    assert percentiles_ms(samples) == {"p50": 100.0, "p95": 190.0, "p99": 198.0}


@NO_DEADLINE
@given(
    samples=st.lists(st.integers(1, 50 * MS), min_size=60, max_size=400),
    budget=st.floats(0.001, 50.0),
)
def test_verdict_agrees_with_the_bounds(samples, budget):
    """PASS exactly when the upper bound is within the budget, FAIL exactly when the lower
    bound is above it (at the look's alpha)."""
    judgement = judge(samples, [len(samples)], (Budget("p95", budget),), 0.05)
    check = judgement.last.checks[0]
    fails = check.lower_ms is not None and check.lower_ms > budget
    passes = check.upper_ms is not None and check.upper_ms <= budget
    expected = Verdict.FAIL if fails else Verdict.PASS if passes else Verdict.INCONCLUSIVE
    assert judgement.verdict is expected
