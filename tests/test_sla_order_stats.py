"""The binomial ranks, p-values and Holm's procedure against independent computations.

scipy is the oracle (test-only): ``binom`` for the tail probabilities, ``quantile_test``
(Conover's quantile test) for the p-values and the one-sided confidence bounds.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from pytest_lukhas.sla import order_stats

NO_DEADLINE = settings(deadline=None)  # timing is not what these tests check

quantiles = st.sampled_from([0.5, 0.9, 0.95, 0.99])
alphas = st.sampled_from([0.1, 0.05, 0.025, 0.01, 0.005])
TOLERANCE = 1e-9  # keep clear of ties between a tail probability and alpha


def exact_at_least(n: int, q: Fraction, k: int) -> Fraction:
    """P(Bin(n, q) >= k), summed exactly over rationals."""
    return sum((math.comb(n, j) * q**j * (1 - q) ** (n - j) for j in range(k, n + 1)), Fraction(0))


@pytest.mark.parametrize(
    ("quantile", "alpha", "expected"), [(0.95, 0.05, 59), (0.99, 0.05, 299), (0.95, 0.025, 72)]
)
def test_minimum_samples_is_the_smallest_n_with_a_bound(quantile, alpha, expected):
    assert order_stats.minimum_samples(quantile, alpha) == expected
    assert order_stats.upper_rank(expected, quantile, alpha) == expected  # the maximum
    assert order_stats.upper_rank(expected - 1, quantile, alpha) is None


@NO_DEADLINE
@given(n=st.integers(1, 400), q=quantiles, alpha=alphas)
def test_upper_rank_is_the_smallest_rank_with_coverage(n, q, alpha):
    sf = stats.binom(n, q).sf  # sf(k - 1) = P(X >= k)
    rank = order_stats.upper_rank(n, q, alpha)
    if rank is None:
        assert sf(n - 1) > alpha - TOLERANCE
        return
    assert sf(rank - 1) <= alpha + TOLERANCE
    assert rank == 1 or sf(rank - 2) > alpha - TOLERANCE


@NO_DEADLINE
@given(n=st.integers(1, 400), q=quantiles, alpha=alphas)
def test_lower_rank_is_the_largest_rank_with_coverage(n, q, alpha):
    cdf = stats.binom(n, q).cdf
    rank = order_stats.lower_rank(n, q, alpha)
    if rank is None:
        assert cdf(0) > alpha - TOLERANCE
        return
    assert cdf(rank - 1) <= alpha + TOLERANCE
    assert rank == n or cdf(rank) > alpha - TOLERANCE


@NO_DEADLINE
@given(n=st.integers(1, 120), k=st.integers(0, 120), q=st.sampled_from(["1/2", "19/20", "99/100"]))
def test_tails_match_an_exact_rational_sum(n, k, q):
    k = min(k, n)
    exact = exact_at_least(n, Fraction(q), k)
    at_most, at_least = order_stats.tails(n, float(Fraction(q)))
    assert at_least[k] == pytest.approx(float(exact), rel=1e-9, abs=1e-300)
    assert at_most[k] == pytest.approx(float(1 - exact_at_least(n, Fraction(q), k + 1)), rel=1e-9)


@NO_DEADLINE
@given(
    data=st.lists(st.floats(0.001, 1000.0), min_size=20, max_size=300, unique=True),
    q=quantiles,
    budget=st.floats(0.001, 1000.0),
    alpha=alphas,
)
def test_p_values_and_bounds_match_scipy_quantile_test(data, q, budget, alpha):
    x = np.array(data)
    n = len(data)
    at_or_below = int(np.count_nonzero(x <= budget))
    less = stats.quantile_test(x, q=budget, p=q, alternative="less")
    greater = stats.quantile_test(x, q=budget, p=q, alternative="greater")
    if budget not in data:  # without a tie Conover's two statistics agree
        assert order_stats.p_within(n, q, at_or_below) == pytest.approx(less.pvalue, abs=1e-12)
    assert order_stats.p_exceeds(n, q, at_or_below) == pytest.approx(greater.pvalue, abs=1e-12)
    ordered = sorted(data)
    high = less.confidence_interval(1 - alpha).high
    upper = order_stats.upper_rank(n, q, alpha)
    if upper is not None and not np.isnan(high):
        assert ordered[upper - 1] == high
    low = greater.confidence_interval(1 - alpha).low
    lower = order_stats.lower_rank(n, q, alpha)
    if lower is not None and not np.isnan(low):
        assert ordered[lower - 1] == low


@NO_DEADLINE
@given(n=st.integers(1, 300), q=quantiles, k=st.integers(0, 300), alpha=alphas)
def test_bound_and_p_value_always_agree(n, q, k, alpha):
    """x(u) <= b exactly when P(Bin >= K) <= alpha; x(l) > b exactly when P(Bin <= K) <= alpha."""
    k = min(k, n)
    upper, lower = order_stats.upper_rank(n, q, alpha), order_stats.lower_rank(n, q, alpha)
    assert (upper is not None and k >= upper) == (order_stats.p_within(n, q, k) <= alpha)
    assert (lower is not None and k < lower) == (order_stats.p_exceeds(n, q, k) <= alpha)


def test_order_statistic_is_the_ceil_rank():
    ordered = list(range(1, 201))
    assert order_stats.order_statistic(ordered, 0.95) == 190
    assert order_stats.order_statistic(ordered, 0.5) == 100
    assert order_stats.order_statistic([7], 0.99) == 7


def textbook_holm(p, alpha):
    order = np.argsort(p, kind="stable")
    rejected = np.zeros(len(p), dtype=bool)
    for i, index in enumerate(order):
        if p[index] > alpha / (len(p) - i):
            break
        rejected[index] = True
    return list(rejected)


@NO_DEADLINE
@given(p=st.lists(st.floats(0, 1), min_size=1, max_size=12), alpha=alphas)
def test_holm_matches_the_textbook_step_down(p, alpha):
    assert order_stats.holm(p, alpha) == textbook_holm(p, alpha)


def test_holm_is_stricter_than_one_test_alone():
    assert order_stats.holm([0.018], 0.05) == [True]
    assert order_stats.holm([0.018, 0.018, 0.018], 0.05) == [False, False, False]
    assert order_stats.holm([0.001, 0.02, 0.04], 0.05) == [True, True, True]
