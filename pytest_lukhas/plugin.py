"""pytest hooks of the LUKHAS gate: options, ini keys, markers and wiring; no logic here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from . import flags, report, sideeffects
from .boundaries import baseline as import_baseline
from .boundaries.check import ImportOptions
from .boundaries.guard import Guard
from .boundaries.session import WORKER_KEY, ImportSession
from .capture import DEFAULT_EMITTER, EMITTER_INI, MatrizEvents
from .capture_session import CaptureSession
from .evidence import REPORT_ATTR, item_data
from .lanes import DEFAULT_CONFIG, load_lanes
from .problems import ConfigError
from .run import GATE_RUN, GateRun
from .selection import Collection, narrowing_options

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
IMPORTS = pytest.StashKey[ImportSession]()
GUARD = pytest.StashKey[Guard]()


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
    parser.addini(
        "lukhas_dry_run_env",
        "environment variable that switches dry-run mode (set true in every test by default)",
        default=flags.DEFAULT_DRY_RUN_ENV,
    )
    parser.addini(
        "lukhas_dry_run_tools",
        "packages whose own file writes in dry-run tests are test tooling, not the code "
        "under test (Hypothesis saving failing examples)",
        type="linelist",
        default=list(sideeffects.TOOLS),
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


@pytest.hookimpl(tryfirst=True)  # before junitxml and pytest-benchmark read their options
def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    gate = bool(config.getoption("lukhas_gate"))
    config.stash[_CAPTURE] = CaptureSession(config.getini(EMITTER_INI), gate=gate)
    root = config.rootpath
    config_path = _config_path(config, config.getoption("lukhas_config"))
    accepted = config.getini("lukhas_accepted_lane") or None
    dry_run_env = config.getini("lukhas_dry_run_env") or flags.DEFAULT_DRY_RUN_ENV
    if not gate:
        settings = flags.load_settings(root, config_path, accepted, dry_run_env)
        if settings.warning:
            config.issue_config_time_warning(
                pytest.PytestConfigWarning(f"lukhas: flags left alone: {settings.warning}"), 2
            )
        config.stash[flags.SETTINGS] = settings
        return
    try:
        run = GateRun.start(root, config_path, accepted, config.getoption("lukhas_slice"))
        options = ImportOptions.from_config(run.config)
        import_baseline.load(root / options.baseline, options.baseline)
    except ConfigError as exc:
        raise pytest.UsageError("lukhas gate: the configuration is invalid:\n" + str(exc)) from None
    run.evidence.narrowing_options = narrowing_options(config)
    run.evidence.collection = Collection.of(config)
    # Every manifest's flag: tests of slices left out by --lukhas-slice still set theirs.
    run.evidence.flags = flags.settings_for(run.config, run.all_slices, dry_run_env)
    config.stash[flags.SETTINGS] = run.evidence.flags
    bundle_dir = config.getoption("lukhas_bundle") or config.getini("lukhas_bundle_dir")
    if bundle_dir and not hasattr(config, "workerinput"):
        bundle = run.open_bundle(config.rootpath / bundle_dir)
        if not config.option.xmlpath:
            config.option.xmlpath = str(bundle.junit_path)
    config.stash[GATE_RUN] = run
    imports = ImportSession(run.config, options, config.stash.get(GUARD, None))
    run.evidence.gate_items = imports.item_ids(run.slices)
    config.stash[IMPORTS] = imports
    config.pluginmanager.register(GateHooks(run, imports, config), "lukhas-gate-run")
    # Its own name, so `-p no:lukhas-import-items` keeps the judging and drops the items.
    config.pluginmanager.register(ImportItems(run, imports), "lukhas-import-items")


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


def pytest_unconfigure(config: pytest.Config) -> None:
    guard = config.stash.get(GUARD, None)
    if guard is not None:
        guard.uninstall()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    flags.parametrize(metafunc)


@pytest.fixture(autouse=True)
def lukhas_flags(request: pytest.FixtureRequest) -> Iterator[flags.FlagEnvironment | None]:
    """Safe defaults (declared flags off, dry-run mode on) or the matrix run's flag states."""
    env = flags.environment_for(request)
    yield env
    if env is not None:
        env.restore()


@pytest.fixture
def feature_flags(
    request: pytest.FixtureRequest, lukhas_flags: flags.FlagEnvironment | None
) -> flags.FeatureFlags:
    """Set declared feature flags for this test: ``feature_flags.set(FEATURE_X=True)``."""
    return flags.FeatureFlags(flags.settings_of(request.config), lukhas_flags, request.node)


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
    """Capture the call's nodes; run it under the dry-run guard when that applies."""
    guarded = flags.before_call(item)
    with item.config.stash[_CAPTURE].phase(item, "call"):
        if guarded is None:
            return (yield)
        with sideeffects.guard_call(item, guarded, flags.env_listener(item)):
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


class ImportItems:
    """The import rules as pytest items: one per lane rule, one per slice."""

    def __init__(self, run: GateRun, imports: ImportSession) -> None:
        self.run = run
        self.imports = imports

    def pytest_collection_modifyitems(
        self, session: pytest.Session, items: list[pytest.Item]
    ) -> None:
        items.extend(self.imports.items(session, self.run.slices))


class GateHooks:
    """The hooks of one gate run; registered only under ``--lukhas-gate``."""

    def __init__(self, run: GateRun, imports: ImportSession, config: pytest.Config) -> None:
        self.run = run
        self.imports = imports
        self.config = config
        self.is_worker = hasattr(config, "workerinput")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.run.record(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        self.run.collect_report(report)

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.run.deselect([item.nodeid for item in items])

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.run.collected([item.nodeid for item in session.items])

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, ids: list[str]) -> None:
        self.run.collected(list(ids))

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: object) -> None:
        """pytest-xdist: a worker's deselection and runtime import findings."""
        output = getattr(node, "workeroutput", {})
        self.run.from_worker(output)
        self.imports.from_worker(output)

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
            # The controller judges; it hears of the worker's findings in testnodedown.
            output = self.config.workeroutput  # type: ignore[attr-defined]
            self.run.to_worker_output(output)
            output[WORKER_KEY] = self.imports.to_worker_output()
            return
        self.run.evidence.imports = self.imports.final_report()
        result = self.run.finish()
        if not result.green and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        self.run.write_bundle(
            _path_option(self.config, "xmlpath"), _path_option(self.config, "benchmark_json")
        )

    @pytest.hookimpl(trylast=True)  # the verdict is the last thing a reader should see
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.run.result is None:
            return
        terminalreporter.section("lukhas gate")
        for problem in self.run.config.warnings:
            terminalreporter.write_line(str(problem), yellow=True)
        for line in self.imports.summary_lines():
            terminalreporter.write_line(line)
        for line in report.render(self.run.result):
            terminalreporter.write_line(line)
        if self.run.bundle_path is not None:
            terminalreporter.write_line(f"bundle: {self.run.bundle_path}")


def _path_option(config: pytest.Config, dest: str) -> Path | None:
    value = getattr(config.option, dest, None)
    return Path(value) if value else None
