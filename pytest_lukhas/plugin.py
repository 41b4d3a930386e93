"""pytest hooks of the LUKHAS gate: options, ini keys, markers and wiring; no logic here."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import report
from .lanes import DEFAULT_CONFIG
from .problems import ConfigError
from .run import GateRun

GATE_RUN = pytest.StashKey[GateRun]()

# Hook modules of single criteria, loaded with this plugin.
pytest_plugins = ("pytest_lukhas.sla.plugin",)

MARKERS = (
    "sla(p95_ms=None, p99_ms=None, samples=200, alpha=0.05, warmup=5, blocks=4): judge the "
    "latency measured by the sla_benchmark fixture against a p95/p99 budget (default: the "
    "slice manifest's slas) with one-sided (1 - alpha) order-statistic bounds",
    "feature_matrix(*flags, mode='each'): run the test over feature-flag states",
    "dry_run: the test must cause no side effects (network, writes outside tmp_path, processes)",
    "matriz(emits=[...]): the test must emit these MATRIZ 'TYPE:label' points",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lukhas", "LUKHAS acceptance gate")
    group.addoption(
        "--lukhas-gate",
        action="store_true",
        default=False,
        help="judge every accepted slice against the six acceptance criteria; "
        "exit 0 only when all pass",
    )
    group.addoption(
        "--lukhas-config",
        default=None,
        metavar="PATH",
        help=f"lanes and import rules (default: ini lukhas_config, else {DEFAULT_CONFIG})",
    )
    parser.addini(
        "lukhas_config", "path of the lanes config, relative to rootdir", default=DEFAULT_CONFIG
    )
    parser.addini(
        "lukhas_accepted_lane",
        "name of the production lane when none is called 'accepted'",
        default="",
    )


def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    if not config.getoption("lukhas_gate"):
        return
    root = config.rootpath
    config_path = root / (config.getoption("lukhas_config") or config.getini("lukhas_config"))
    try:
        config.stash[GATE_RUN] = GateRun.start(
            root, Path(config_path), config.getini("lukhas_accepted_lane") or None
        )
    except ConfigError as exc:
        raise pytest.UsageError("lukhas gate: the configuration is invalid:\n" + str(exc)) from None


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    run = session.config.stash.get(GATE_RUN, None)
    if run is None:
        return
    result = run.finish()
    if not result.green and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    run = terminalreporter.config.stash.get(GATE_RUN, None)
    if run is None or run.result is None:
        return
    terminalreporter.section("lukhas gate")
    for problem in run.config.warnings:
        terminalreporter.write_line(str(problem), yellow=True)
    for line in report.render(run.result):
        terminalreporter.write_line(line)
