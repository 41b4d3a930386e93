"""pytest hooks of the LUKHAS gate: options, ini keys, markers and wiring; no logic here."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import report
from .boundaries import baseline as import_baseline
from .boundaries.check import ImportOptions
from .boundaries.guard import Guard
from .boundaries.session import WORKER_KEY, ImportSession
from .lanes import DEFAULT_CONFIG, load_lanes
from .problems import ConfigError
from .run import GateRun

GATE_RUN = pytest.StashKey[GateRun]()
IMPORTS = pytest.StashKey[ImportSession]()
GUARD = pytest.StashKey[Guard]()

MARKERS = (
    "sla(p95_ms=None, p99_ms=None, samples=200): assert a latency budget with stated confidence",
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


def _config_path(config: pytest.Config, option: object) -> Path:
    return config.rootpath / (option or config.getini("lukhas_config"))


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    """The runtime import guard starts before any conftest file is imported."""
    if not getattr(early_config.known_args_namespace, "lukhas_gate", False):
        return
    path = _config_path(early_config, early_config.known_args_namespace.lukhas_config)
    accepted = early_config.getini("lukhas_accepted_lane") or None
    try:
        lanes = load_lanes(path, early_config.rootpath, accepted_lane=accepted)
    except ConfigError:
        return  # pytest_configure reports it
    early_config.stash[GUARD] = Guard(lanes).install()


def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    if not config.getoption("lukhas_gate"):
        return
    root = config.rootpath
    config_path = _config_path(config, config.getoption("lukhas_config"))
    try:
        run = GateRun.start(root, config_path, config.getini("lukhas_accepted_lane") or None)
        options = ImportOptions.from_config(run.config)
        import_baseline.load(root / options.baseline, options.baseline)
    except ConfigError as exc:
        raise pytest.UsageError("lukhas gate: the configuration is invalid:\n" + str(exc)) from None
    config.stash[GATE_RUN] = run
    config.stash[IMPORTS] = ImportSession(run.config, options, config.stash.get(GUARD, None))


def pytest_collection_modifyitems(session: pytest.Session, items: list[pytest.Item]) -> None:
    imports = session.config.stash.get(IMPORTS, None)
    if imports is not None:
        items.extend(imports.items(session, session.config.stash[GATE_RUN].slices))


def pytest_collectstart(collector: pytest.Collector) -> None:
    guard = collector.config.stash.get(GUARD, None)
    if guard is not None:
        guard.current = f"(collecting {collector.nodeid or collector.config.rootpath.name})"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> object:
    guard = item.config.stash.get(GUARD, None)
    if guard is not None:
        guard.current = item.nodeid
    try:
        return (yield)
    finally:
        if guard is not None:
            guard.current = "(between tests)"


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object) -> None:
    """pytest-xdist: the controller collects each worker's runtime import findings."""
    imports = node.config.stash.get(IMPORTS, None)  # type: ignore[attr-defined]
    if imports is not None:
        imports.from_worker(getattr(node, "workeroutput", {}))


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    run = session.config.stash.get(GATE_RUN, None)
    if run is None:
        return
    imports = session.config.stash[IMPORTS]
    if hasattr(session.config, "workeroutput"):  # an xdist worker: the controller judges
        session.config.workeroutput[WORKER_KEY] = imports.to_worker_output()
    else:
        run.evidence.imports = imports.final_report()
    result = run.finish()
    if not result.green and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config: pytest.Config) -> None:
    guard = config.stash.get(GUARD, None)
    if guard is not None:
        guard.uninstall()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    run = terminalreporter.config.stash.get(GATE_RUN, None)
    if run is None or run.result is None:
        return
    terminalreporter.section("lukhas gate")
    for problem in run.config.warnings:
        terminalreporter.write_line(str(problem), yellow=True)
    for line in report.render(run.result):
        terminalreporter.write_line(line)
    for line in terminalreporter.config.stash[IMPORTS].summary_lines():
        terminalreporter.write_line(line)
