"""Distribution-free bounds and tests for a quantile, from binomial ranks.

Of n independent samples, the number K at or below the true q-quantile is Binomial(n, q)
whatever the latency distribution. Hence, for the sorted samples x(1) <= ... <= x(n):

* x(u) is a one-sided (1 - alpha) upper bound of the q-quantile for the smallest rank u
  with P(Bin(n, q) >= u) <= alpha; no such rank exists while q**n > alpha, which is why
  a p95 bound at 95% needs at least 59 samples (0.95**59 = 0.048);
* x(l) is a one-sided (1 - alpha) lower bound for the largest rank l with
  P(Bin(n, q) <= l - 1) <= alpha.

Against a budget b, with K = #{x <= b}: "the quantile is within b" is shown when
P(Bin(n, q) >= K) <= alpha (equivalently x(u) <= b), and "the quantile exceeds b" when
P(Bin(n, q) <= K) <= alpha (equivalently x(l) > b). Those two probabilities are the
p-values Holm's procedure works on. Ties at the budget make both tests conservative,
never wrong.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from itertools import accumulate


@lru_cache(maxsize=64)
def tails(n: int, p: float) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """``(at_most, at_least)`` of Binomial(n, p): ``at_most[k] = P(X <= k)``,
    ``at_least[k] = P(X >= k)`` for k = 0..n, each summed from its own small end so
    that small tail probabilities keep their precision."""
    if n < 1 or not 0.0 < p < 1.0:
        raise ValueError(f"need n >= 1 and 0 < p < 1, got n={n}, p={p}")
    log_p, log_q, log_n = math.log(p), math.log1p(-p), math.lgamma(n + 1)
    pmf = [
        math.exp(log_n - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * log_p + (n - k) * log_q)
        for k in range(n + 1)
    ]
    at_most = tuple(min(1.0, v) for v in accumulate(pmf))
    at_least = tuple(min(1.0, v) for v in reversed(list(accumulate(reversed(pmf)))))
    return at_most, at_least


def minimum_samples(quantile: float, alpha: float) -> int:
    """The fewest samples for which a one-sided (1 - alpha) upper bound of the quantile
    exists at all: the smallest n with quantile**n <= alpha (59 for p95 at alpha 0.05,
    299 for p99)."""
    n = max(1, math.ceil(math.log(alpha) / math.log(quantile)))
    while _all_below(n, quantile) > alpha:
        n += 1
    while n > 1 and _all_below(n - 1, quantile) <= alpha:
        n -= 1
    return n


def _all_below(n: int, quantile: float) -> float:
    """P(all n samples fall at or below the quantile), computed as ``tails`` computes it."""
    return math.exp(n * math.log(quantile))


def upper_rank(n: int, quantile: float, alpha: float) -> int | None:
    """1-based rank of the one-sided (1 - alpha) upper bound, None when n is too small."""
    at_least = tails(n, quantile)[1]
    return next((u for u in range(1, n + 1) if at_least[u] <= alpha), None)


def lower_rank(n: int, quantile: float, alpha: float) -> int | None:
    """1-based rank of the one-sided (1 - alpha) lower bound, None when n is too small."""
    at_most = tails(n, quantile)[0]
    return next((k for k in range(n, 0, -1) if at_most[k - 1] <= alpha), None)


def p_within(n: int, quantile: float, at_or_below: int) -> float:
    """p-value against "the quantile exceeds the budget", given how many samples were at
    or below the budget: small when nearly all samples were."""
    return tails(n, quantile)[1][at_or_below]


def p_exceeds(n: int, quantile: float, at_or_below: int) -> float:
    """p-value against "the quantile is within the budget": small when too few samples
    were at or below the budget."""
    return tails(n, quantile)[0][at_or_below]


def order_statistic(ordered: Sequence[float], quantile: float) -> float:
    """The empirical quantile x(ceil(q * n)) of sorted samples (no interpolation)."""
    rank = max(1, math.ceil(quantile * len(ordered) - 1e-9))
    return ordered[rank - 1]


def holm(p_values: Sequence[float], alpha: float) -> list[bool]:
    """Which hypotheses Holm's step-down procedure rejects at family-wise level alpha."""
    m = len(p_values)
    rejected = [False] * m
    for step, index in enumerate(sorted(range(m), key=lambda i: p_values[i])):
        if p_values[index] > alpha / (m - step):
            break
        rejected[index] = True
    return rejected
