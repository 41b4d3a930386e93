"""pytest hooks of the LUKHAS gate: options, ini keys, markers and wiring; no logic here."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import report
from .capture import DEFAULT_EMITTER, EMITTER_INI, MatrizEvents
from .capture_session import CaptureSession
from .evidence import REPORT_ATTR, item_data
from .lanes import DEFAULT_CONFIG
from .problems import ConfigError
from .run import GATE_RUN, GateRun
from .selection import narrowing_options

WORKER_DESELECTED = "lukhas_deselected"

# Hook modules of single criteria, loaded with this plugin.
pytest_plugins = ("pytest_lukhas.sla.plugin",)

MARKERS = (
    "sla(p95_ms=None, p99_ms=None, samples=200, alpha=0.05, warmup=5, blocks=4): judge the "
    "latency measured by the sla_benchmark fixture against a p95/p99 budget (default: the "
    "slice manifest's slas) with one-sided (1 - alpha) order-statistic bounds",
    "feature_matrix(*flags, mode='each'): run the test over feature-flag states",
    "dry_run: the test must cause no side effects (network, writes outside tmp_path, processes)",
    "matriz(emits=[...]): the test fails unless it emits each of these MATRIZ 'TYPE:label' "
    "points, in schema-valid nodes (captured from every thread and task)",
)
_CAPTURE = pytest.StashKey[CaptureSession]()


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
    group.addoption(
        "--lukhas-slice",
        action="append",
        default=[],
        metavar="NAME",
        help="gate only this slice (module, path or last name); repeatable",
    )
    group.addoption(
        "--lukhas-bundle",
        default=None,
        metavar="DIR",
        help="write the PR artifact bundle to DIR/lukhas-gate-<sha>/ (default: ini "
        "lukhas_bundle_dir; none when unset)",
    )
    parser.addini(
        "lukhas_bundle_dir", "where --lukhas-gate writes its bundle when no option says", default=""
    )
    parser.addini(
        "lukhas_config", "path of the lanes config, relative to rootdir", default=DEFAULT_CONFIG
    )
    parser.addini(
        "lukhas_accepted_lane",
        "name of the production lane when none is called 'accepted'",
        default="",
    )
    parser.addini(
        EMITTER_INI,
        "module whose add_sink(callable)/remove_sink(callable) give the MATRIZ nodes tests emit",
        default=DEFAULT_EMITTER,
    )


@pytest.hookimpl(tryfirst=True)  # before junitxml and pytest-benchmark read their options
def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    gate = bool(config.getoption("lukhas_gate"))
    config.stash[_CAPTURE] = CaptureSession(config.getini(EMITTER_INI), gate=gate)
    if not gate:
        return
    root = config.rootpath
    config_path = root / (config.getoption("lukhas_config") or config.getini("lukhas_config"))
    try:
        run = GateRun.start(
            root,
            Path(config_path),
            config.getini("lukhas_accepted_lane") or None,
            config.getoption("lukhas_slice"),
        )
    except ConfigError as exc:
        raise pytest.UsageError("lukhas gate: the configuration is invalid:\n" + str(exc)) from None
    run.evidence.narrowing_options = narrowing_options(config)
    bundle_dir = config.getoption("lukhas_bundle") or config.getini("lukhas_bundle_dir")
    if bundle_dir and not hasattr(config, "workerinput"):
        bundle = run.open_bundle(config.rootpath / bundle_dir)
        if not config.option.xmlpath:
            config.option.xmlpath = str(bundle.junit_path)
    config.stash[GATE_RUN] = run
    config.pluginmanager.register(GateHooks(run, config), "lukhas-gate-run")


@pytest.fixture
def matriz_events(request: pytest.FixtureRequest) -> MatrizEvents:
    """The MATRIZ nodes emitted during this test, from every thread and task.

    ``filter(point, type=, label=)``, ``assert_emitted(point, count=None, label=None)``,
    ``assert_not_emitted(point)``, ``clear()``; an invalid node fails the test.
    """
    return request.config.stash[_CAPTURE].events(request.node)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> object:
    with item.config.stash[_CAPTURE].phase(item, "setup"):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> object:
    with item.config.stash[_CAPTURE].phase(item, "call"):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> object:
    with item.config.stash[_CAPTURE].phase(item, "teardown"):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> object:
    """Attach the test's evidence to its report, so it also travels from xdist workers."""
    test_report = yield
    setattr(test_report, REPORT_ATTR, dict(item_data(item)))
    return test_report


class GateHooks:
    """The hooks of one gate run; registered only under ``--lukhas-gate``."""

    def __init__(self, run: GateRun, config: pytest.Config) -> None:
        self.run = run
        self.config = config
        self.is_worker = hasattr(config, "workerinput")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.run.record(report)

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.run.deselect([item.nodeid for item in items])

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.run.collected([item.nodeid for item in session.items])

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, ids: list[str]) -> None:
        self.run.collected(list(ids))

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: object) -> None:
        output = getattr(node, "workeroutput", {})
        self.run.deselect(output.get(WORKER_DESELECTED, []))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self) -> object:
        result = yield
        bundle = self.run.bundle
        benchmarks = getattr(self.config, "_benchmarksession", None)  # pytest-benchmark's own
        if bundle and benchmarks is not None and benchmarks.benchmarks and not benchmarks.json:
            # Asked for only when benchmarks ran, so pytest-benchmark never warns of an empty file.
            benchmarks.json = bundle.benchmarks_path
        return result

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.is_worker:
            # Deselection happens on workers; the controller hears of it in testnodedown.
            self.config.workeroutput[WORKER_DESELECTED] = sorted(self.run.evidence.deselected)  # type: ignore[attr-defined]
            return
        result = self.run.finish()
        if not result.green and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        self.run.write_bundle(
            _path_option(self.config, "xmlpath"), _path_option(self.config, "benchmark_json")
        )

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.run.result is None:
            return
        terminalreporter.section("lukhas gate")
        for problem in self.run.config.warnings:
            terminalreporter.write_line(str(problem), yellow=True)
        for line in report.render(self.run.result):
            terminalreporter.write_line(line)
        if self.run.bundle_path is not None:
            terminalreporter.write_line(f"bundle: {self.run.bundle_path}")


def _path_option(config: pytest.Config, dest: str) -> Path | None:
    value = getattr(config.option, dest, None)
    return Path(value) if value else None
