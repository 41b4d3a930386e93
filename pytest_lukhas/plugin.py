"""pytest hooks of the LUKHAS gate: options, ini keys, markers and wiring; no logic here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from . import flags, report, sideeffects
from .evidence import REPORT_ATTR, item_data
from .lanes import DEFAULT_CONFIG
from .problems import ConfigError
from .run import GateRun

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


def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    root = config.rootpath
    config_path = root / (config.getoption("lukhas_config") or config.getini("lukhas_config"))
    accepted = config.getini("lukhas_accepted_lane") or None
    dry_run_env = config.getini("lukhas_dry_run_env") or flags.DEFAULT_DRY_RUN_ENV
    if not config.getoption("lukhas_gate"):
        settings = flags.load_settings(root, config_path, accepted, dry_run_env)
        if settings.warning:
            config.issue_config_time_warning(
                pytest.PytestConfigWarning(f"lukhas: flags left alone: {settings.warning}"), 2
            )
        config.stash[flags.SETTINGS] = settings
        return
    try:
        run = GateRun.start(root, Path(config_path), accepted)
    except ConfigError as exc:
        raise pytest.UsageError("lukhas gate: the configuration is invalid:\n" + str(exc)) from None
    run.evidence.flags = flags.settings_for(run.config, run.slices, dry_run_env)
    config.stash[flags.SETTINGS] = run.evidence.flags
    config.pluginmanager.register(GateHooks(run, config), "lukhas-gate-run")


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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Run the test under the dry-run guard when it applies, and record its flag states."""
    guarded = flags.before_call(item)
    if guarded is None:
        return (yield)
    with sideeffects.guard_call(item, guarded):
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
        self.is_worker = hasattr(config, "workerinput")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.run.record(report)

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.run.deselect([item.nodeid for item in items])

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.is_worker:
            return
        result = self.run.finish()
        if not result.green and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.run.result is None:
            return
        terminalreporter.section("lukhas gate")
        for problem in self.run.config.warnings:
            terminalreporter.write_line(str(problem), yellow=True)
        for line in report.render(self.run.result):
            terminalreporter.write_line(line)
