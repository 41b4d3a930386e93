"""How often each verdict comes out when the true p95 sits near the budget (simulation).

    python benchmarks/sla_error_rates.py [--trials 2000]

Latencies are drawn from a log-normal distribution whose true p95 is a given fraction of
the budget. For each fraction the two-look plan (200 samples, then 200 more when the first
look is inconclusive, alpha 0.05) is run ``--trials`` times, next to the point-estimate
rule "the sample p95 of 200 samples is within the budget" that plain benchmarks gate on.
A wrong FAIL (true p95 within the budget) and a wrong PASS (true p95 above it) should each
stay under alpha; the point estimate flips about half the time at the budget.
"""

from __future__ import annotations

import argparse
import math
import random
from collections import Counter
from statistics import NormalDist

from pytest_lukhas.sla.order_stats import order_statistic
from pytest_lukhas.sla.verdict import Budget, Verdict, judge

BUDGET_MS = 10.0
SIGMA = 0.5  # log-normal shape: a long right tail, as latencies have
RATIOS = (0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.25)
N = 200


def run(ratio: float, trials: int, rng: random.Random) -> tuple[Counter[Verdict], int]:
    """Verdict counts of the two-look plan, and how often the point estimate passed."""
    z95 = NormalDist().inv_cdf(0.95)
    mu = math.log(ratio * BUDGET_MS * 1e6) - SIGMA * z95  # true p95 = ratio * budget
    budgets = (Budget("p95", BUDGET_MS),)
    verdicts: Counter[Verdict] = Counter()
    point_passes = 0
    for _ in range(trials):
        samples = [round(rng.lognormvariate(mu, SIGMA)) for _ in range(2 * N)]
        judgement = judge(samples, [N], budgets, 0.05)
        if judgement.wants_extension:
            judgement = judge(samples, [N, 2 * N], budgets, 0.05)
        verdicts[judgement.verdict] += 1
        point_passes += order_statistic(sorted(samples[:N]), 0.95) <= BUDGET_MS * 1e6
    return verdicts, point_passes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print("| true p95 / budget | PASS | FAIL | INCONCLUSIVE | point estimate passes |")
    print("|---|---|---|---|---|")
    for ratio in RATIOS:
        verdicts, point = run(ratio, args.trials, rng)
        share = {v: verdicts[v] / args.trials for v in Verdict}
        print(
            f"| {ratio:.2f} | {share[Verdict.PASS]:.1%} | {share[Verdict.FAIL]:.1%} "
            f"| {share[Verdict.INCONCLUSIVE]:.1%} | {point / args.trials:.1%} |"
        )


if __name__ == "__main__":
    main()
