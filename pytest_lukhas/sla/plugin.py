"""pytest hooks of the SLA criterion: options, ini keys, the fixture, wiring; no logic here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ..lanes import DEFAULT_CONFIG
from ..manifests import Slice
from ..problems import ConfigError
from ..run import GATE_RUN
from . import reporting, settings
from .calibration import DEFAULT_PATH
from .declare import FIXTURE, declare, is_sla_test, load_slices
from .measure import SlaBenchmark
from .results import DECLARED, MEASURED, SlaResults
from .spec import SlaSpec

SETTINGS = pytest.StashKey[settings.SlaSettings]()
SPEC = pytest.StashKey[SlaSpec]()
PROBLEM = pytest.StashKey[str]()
XDIST_GROUP = "lukhas-sla"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lukhas", "LUKHAS acceptance gate")
    group.addoption(
        "--lukhas-sla-inconclusive",
        choices=[c.value for c in settings.Inconclusive],
        default=None,
        help="what an SLA still inconclusive after its extension counts as "
        "(default: fail under --lukhas-gate, pass with a warning otherwise)",
    )
    group.addoption(
        "--lukhas-sla-alpha",
        default=None,
        metavar="ALPHA",
        help="one-sided error level of each SLA test (default: ini lukhas_sla_alpha, 0.05)",
    )
    group.addoption(
        "--lukhas-sla-holm",
        action="store_true",
        default=False,
        help="decide all SLA tests together at session end with Holm's correction",
    )
    group.addoption(
        "--lukhas-sla-normalize",
        action="store_true",
        default=False,
        help="scale latency budgets by this machine's calibration factor",
    )
    group.addoption(
        "--lukhas-calibrate",
        action="store_true",
        default=False,
        help="time the reference workload first and write the calibration file",
    )
    group.addoption(
        "--lukhas-calibration",
        default=None,
        metavar="PATH",
        help=f"machine calibration file (default: ini lukhas_calibration, else {DEFAULT_PATH})",
    )
    group.addoption(
        "--lukhas-sla-json", default=None, metavar="PATH", help="write the SLA results (sla.json)"
    )
    parser.addini(
        "lukhas_sla_alpha", "default alpha of SLA tests", default=str(settings.DEFAULT_ALPHA)
    )
    parser.addini(
        "lukhas_sla_samples", "default samples per SLA look", default=str(settings.DEFAULT_SAMPLES)
    )
    parser.addini("lukhas_sla_inconclusive", "fail or pass (empty: by --lukhas-gate)", default="")
    parser.addini(
        "lukhas_sla_holm", "Holm's correction across SLA tests", type="bool", default=False
    )
    parser.addini("lukhas_sla_normalize", "normalize SLA budgets", type="bool", default=False)
    parser.addini("lukhas_calibration", "machine calibration file", default=DEFAULT_PATH)


def pytest_configure(config: pytest.Config) -> None:
    worker = hasattr(config, "workerinput")
    root = config.rootpath
    path = root / (config.getoption("lukhas_calibration") or config.getini("lukhas_calibration"))
    normalize = config.getoption("lukhas_sla_normalize") or config.getini("lukhas_sla_normalize")
    try:
        calibration = settings.run_calibration(
            path,
            _display(path, root),
            calibrate_now=config.getoption("lukhas_calibrate") and not worker,
            strict=normalize,
        )
        config.stash[SETTINGS] = settings.build(
            alpha=config.getoption("lukhas_sla_alpha") or config.getini("lukhas_sla_alpha"),
            samples=config.getini("lukhas_sla_samples"),
            inconclusive=config.getoption("lukhas_sla_inconclusive")
            or config.getini("lukhas_sla_inconclusive"),
            holm=config.getoption("lukhas_sla_holm") or config.getini("lukhas_sla_holm"),
            normalize=normalize,
            gate=config.getoption("lukhas_gate"),
            calibration=calibration,
            source=_display(config.inipath, root) if config.inipath else "command line",
        )
    except ConfigError as exc:
        raise pytest.UsageError("lukhas sla: the settings are invalid:\n" + str(exc)) from None
    config.pluginmanager.register(SlaSession(config, worker), "lukhas-sla")


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


@pytest.fixture
def sla_benchmark(
    request: pytest.FixtureRequest, benchmark: Any, tmp_path_factory: pytest.TempPathFactory
) -> SlaBenchmark:
    """Measure a function's latency against the test's SLA: ``sla_benchmark(fn, *args)``."""
    item = request.node
    spec = item.stash.get(SPEC, None)
    if spec is None:  # requested through getfixturevalue: collection did not see it
        pytest.fail(
            f"{item.nodeid}: name {FIXTURE} among the test's arguments, so that its budget "
            "is known when the tests are collected",
            pytrace=False,
        )
    return SlaBenchmark(
        nodeid=item.nodeid,
        spec=spec,
        settings=request.config.stash[SETTINGS],
        config=request.config,
        benchmark=benchmark,
        record=lambda data: item.user_properties.append((MEASURED, data)),
        # an xdist worker's basetemp lies in the controller's, which pytest cleans up
        shared_dir=tmp_path_factory.getbasetemp().parent
        if hasattr(request.config, "workerinput")
        else None,
    )


class SlaSession:
    """The session's SLA hooks; the controller (or a serial run) also keeps the results."""

    def __init__(self, config: pytest.Config, worker: bool) -> None:
        self.config = config
        self.results = None if worker else SlaResults(config.stash[SETTINGS])
        self.write_error: str | None = None

    @pytest.hookimpl(tryfirst=True)  # before xdist's loadgroup renames grouped items
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        sla_items = [i for i in items if is_sla_test(i)]
        if not sla_items:
            return
        run = config.stash.get(GATE_RUN, None)
        slices = run.slices if run else self._slices(config)
        group = (
            pytest.mark.xdist_group(XDIST_GROUP)
            if config.pluginmanager.hasplugin("xdist")
            else None
        )
        for item in sla_items:
            declaration = declare(item, slices, config.stash[SETTINGS])
            if declaration.problem:
                item.stash[PROBLEM] = declaration.located_problem
            if declaration.spec:
                item.stash[SPEC] = declaration.spec
            item.user_properties.append((DECLARED, declaration.to_json()))
            if group is not None:
                item.add_marker(group)

    @staticmethod
    def _slices(config: pytest.Config) -> list[Slice]:
        root = config.rootpath
        lanes = (
            config.getoption("lukhas_config") or config.getini("lukhas_config") or DEFAULT_CONFIG
        )
        return load_slices(root, root / lanes, config.getini("lukhas_accepted_lane") or None)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        problem = item.stash.get(PROBLEM, None)
        if problem:
            pytest.fail(problem, pytrace=False)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.results is not None:
            self.results.observe(report.user_properties, report.outcome)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.results is None:
            return
        self.results.finalize()
        run = self.config.stash.get(GATE_RUN, None)
        if run is not None:
            run.evidence.sla = self.results
        target = self.config.getoption("lukhas_sla_json")
        if target:
            try:
                path = Path(target)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(
                    json.dumps(self.results.to_json(), indent=2) + "\n", encoding="utf-8"
                )
            except OSError as exc:
                self.write_error = f"cannot write --lukhas-sla-json {target}: {exc}"
        failing = self.results.failing_after_passing() or self.write_error
        if failing and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    @pytest.hookimpl(tryfirst=True)
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.results is None or not (self.results.records or self.write_error):
            return
        terminalreporter.section("lukhas sla")
        for line in reporting.summary(self.results):
            terminalreporter.write_line(line)
        if self.write_error:
            terminalreporter.write_line(f"lukhas sla: error: {self.write_error}", red=True)

    @pytest.hookimpl(optionalhook=True)
    def pytest_benchmark_update_json(self, output_json: dict[str, Any]) -> None:
        if self.results is not None:
            self.results.finalize()
            output_json["lukhas_sla"] = self.results.to_json(include_samples=False)
