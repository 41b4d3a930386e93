"""Shared by the benchmarks: generated repositories, and figures printed after the run.

The import benchmarks share the synthetic monorepo and print ratios of fastest rounds.
pytest-benchmark reports no percentiles; ``record_p95(benchmark, row, baseline=None)``
computes the p95 of the rounds just measured, stores it in the row's ``extra_info``
(``p95_ms``, so it is in ``--benchmark-json`` too) and lists it in a "p95 per round"
section after the run, with its ratio to the ``baseline`` row measured in the same run.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.synthetic_repo import SyntheticRepo, generate, without_syntax_errors

TIMINGS: dict[str, float] = {}  # benchmark name -> fastest round, filled as they run
CPU: dict[str, float] = {}  # benchmark name -> least CPU time (user + system) of a round


@pytest.fixture(scope="session")
def monorepo(tmp_path_factory: pytest.TempPathFactory) -> SyntheticRepo:
    """10,000 modules, ~60,000 imports, planted violations and syntax errors."""
    return generate(tmp_path_factory.mktemp("monorepo") / "repo")


@pytest.fixture(scope="session")
def parseable(monorepo: SyntheticRepo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same repository without the files import-linter cannot parse."""
    return without_syntax_errors(monorepo, tmp_path_factory.mktemp("parseable") / "repo")


def record(name: str, benchmark: object) -> None:
    """The fastest round: on a shared machine the least disturbed by other load."""
    TIMINGS[name] = benchmark.stats.stats.min  # type: ignore[attr-defined]


RATIOS = [
    ("cold: lukhas-gate imports / lint-imports", "lukhas_cold", "importlinter_cold"),
    (
        "real code, cold: lukhas-gate imports / lint-imports",
        "lukhas_real_cold",
        "importlinter_real_cold",
    ),
    ("warm: lukhas-gate imports / lint-imports", "lukhas_warm", "importlinter_warm"),
    ("warm after a fresh checkout / lint-imports warm", "lukhas_checkout", "importlinter_warm"),
    ("parse in 2 processes / in 1 process", "scan_processes", "scan_one_process"),
    ("imports with the runtime guard / without", "guard_on", "guard_off"),
    ("cold: plan --no-smoke / imports (same repo)", "plan_cold", "plan_imports_cold"),
    ("warm: plan --no-smoke / imports (same repo)", "plan_warm", "plan_imports_warm"),
    ("plan, 1,000 smoke imports in 2 jobs / no smoke", "plan_tree_smoke_2", "plan_tree_no_smoke"),
    ("plan, smoke imports in 2 jobs / in 1 job", "plan_tree_smoke_2", "plan_tree_smoke_1"),
]


def _import_ratios(terminalreporter: pytest.TerminalReporter) -> None:
    if not TIMINGS:
        return
    terminalreporter.section("import check: ratios of the fastest rounds of this run")
    for label, numerator, denominator in RATIOS:
        if numerator in TIMINGS and denominator in TIMINGS:
            a, b = TIMINGS[numerator], TIMINGS[denominator]
            terminalreporter.write_line(f"{label:52} {a:8.3f}s / {b:8.3f}s = {a / b:5.2f}x")
    if CPU:
        terminalreporter.section("import check: CPU time (user + system) of the leanest rounds")
        for label, numerator, denominator in RATIOS[:4]:
            if numerator in CPU and denominator in CPU:
                a, b = CPU[numerator], CPU[denominator]
                terminalreporter.write_line(f"{label:52} {a:8.3f}s / {b:8.3f}s = {a / b:5.2f}x")


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
    _import_ratios(terminalreporter)
    _p95_rows(terminalreporter, config)


def _p95_rows(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    rows = config.stash.get(_ROWS, {})
    if not rows:
        return
    terminalreporter.section("p95 per round")
    for row, (p95, baseline) in sorted(rows.items()):
        ratio = ""
        if baseline in rows:
            ratio = f"   {p95 / rows[baseline][0]:.2f} x {baseline}"
        terminalreporter.write_line(f"{row:<32} {p95:9.3f} ms{ratio}")
