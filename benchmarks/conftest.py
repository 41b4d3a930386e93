"""Shared by the benchmarks: a row's p95 over its rounds, and ratios printed at the end.

pytest-benchmark reports no percentiles; ``record_p95(benchmark, row, baseline=None)``
computes the p95 of the rounds just measured, stores it in the row's ``extra_info``
(``p95_ms``, so it is in ``--benchmark-json`` too) and lists it in a "p95 per round"
section after the run, with its ratio to the ``baseline`` row measured in the same run.
"""

import statistics
from collections.abc import Callable

import pytest

_ROWS = pytest.StashKey[dict[str, tuple[float, str | None]]]()
MIN_ROUNDS = 20  # a p95 from fewer rounds says little


@pytest.fixture
def record_p95(request: pytest.FixtureRequest) -> Callable[..., float | None]:
    rows = request.config.stash.setdefault(_ROWS, {})

    def record(benchmark, row: str, baseline: str | None = None) -> float | None:
        data = benchmark.stats.stats.data if benchmark.stats else []
        if len(data) < MIN_ROUNDS:  # --benchmark-disable, or too few rounds
            return None
        p95 = statistics.quantiles(data, n=20, method="inclusive")[-1] * 1000
        benchmark.extra_info["p95_ms"] = round(p95, 4)
        rows[row] = (p95, baseline)
        return p95

    return record


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    rows = config.stash.get(_ROWS, {})
    if not rows:
        return
    terminalreporter.section("p95 per round")
    for row, (p95, baseline) in sorted(rows.items()):
        ratio = ""
        if baseline in rows:
            ratio = f"   {p95 / rows[baseline][0]:.2f} x {baseline}"
        terminalreporter.write_line(f"{row:<32} {p95:9.3f} ms{ratio}")
