"""Shared state of the benchmarks: the generated repositories and the ratio table."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.synthetic_repo import SyntheticRepo, generate, without_syntax_errors

TIMINGS: dict[str, float] = {}  # benchmark name -> fastest round, filled as they run


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
    ("warm: lukhas-gate imports / lint-imports", "lukhas_warm", "importlinter_warm"),
    ("warm after a fresh checkout / lint-imports warm", "lukhas_checkout", "importlinter_warm"),
    ("parse in 2 processes / in 1 process", "scan_processes", "scan_one_process"),
    ("imports with the runtime guard / without", "guard_on", "guard_off"),
]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TIMINGS:
        return
    terminalreporter.section("import check: ratios of the fastest rounds of this run")
    for label, numerator, denominator in RATIOS:
        if numerator in TIMINGS and denominator in TIMINGS:
            a, b = TIMINGS[numerator], TIMINGS[denominator]
            terminalreporter.write_line(f"{label:52} {a:8.3f}s / {b:8.3f}s = {a / b:5.2f}x")
