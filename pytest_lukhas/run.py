"""One gate run inside a pytest session: load the lanes and slices, then judge them."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from . import gate
from .bundle import gate_json, parts, summary
from .bundle.writer import BENCHMARKS, JUNIT, BundleWriter, resolve_commit
from .evidence import Evidence
from .lanes import LaneConfig, load_lanes
from .manifests import Slice, discover_slices
from .selection import Selection, select_slices, uncollected
from .verdicts import GateResult

GATE_RUN: pytest.StashKey[GateRun] = pytest.StashKey()
_WORKER_DESELECTED = "lukhas_deselected"
_WORKER_COLLECTED = "lukhas_collected_files"


@dataclass
class GateRun:
    """The gate's state for one pytest session; sub-plugins find it in ``config.stash``."""

    config: LaneConfig
    slices: list[Slice]  # the gated ones
    all_slices: list[Slice] = field(default_factory=list)  # every slice of the repository
    requested: tuple[str, ...] = ()  # the --lukhas-slice values
    evidence: Evidence = field(default_factory=Evidence)
    result: GateResult | None = None
    started: datetime = field(default_factory=gate_json.now)
    bundle: BundleWriter | None = None
    bundle_path: Path | None = None

    @classmethod
    def start(
        cls,
        repo_root: Path,
        config_path: Path,
        accepted_lane: str | None,
        only_slices: list[str],
    ) -> GateRun:
        """Raises :class:`~pytest_lukhas.problems.ConfigError` when the lanes config is bad."""
        config = load_lanes(config_path, repo_root, accepted_lane=accepted_lane)
        every = discover_slices(config)
        return cls(config, select_slices(every, only_slices), every, tuple(only_slices))

    @property
    def selection(self) -> Selection:
        return Selection.of(self.all_slices or self.slices, self.slices, list(self.requested))

    def open_bundle(self, out_dir: Path) -> BundleWriter:
        self.bundle = BundleWriter(out_dir, resolve_commit(self.config.repo_root))
        return self.bundle

    def record(self, report: pytest.TestReport) -> None:
        """Take one phase's report (on the controller when tests run on xdist workers)."""
        self.evidence.record(report, report.nodeid.split("::", 1)[0])

    def collected(self, nodeids: list[str]) -> None:
        self.evidence.collected.update(nodeids)

    def collect_report(self, report: pytest.CollectReport) -> None:
        """Note each file collected (with or without tests in it) and each that failed."""
        path = report.nodeid.split("::", 1)[0]
        if report.failed:
            self.evidence.collection_errors.add(path)
        elif path and "::" not in report.nodeid:
            self.evidence.collected_files.add(path)

    def deselect(self, nodeids: list[str]) -> None:
        self.evidence.deselected.update(nodeids)

    def to_worker_output(self, output: dict) -> None:
        """On a pytest-xdist worker: what only the worker saw, for the controller."""
        output[_WORKER_DESELECTED] = sorted(self.evidence.deselected)
        output[_WORKER_COLLECTED] = sorted(self.evidence.collected_files)

    def from_worker(self, output: dict) -> None:
        self.deselect(output.get(_WORKER_DESELECTED, []))
        self.evidence.collected_files.update(output.get(_WORKER_COLLECTED, []))

    def finish(self) -> GateResult:
        evidence = self.evidence
        # pytest stops at collection errors unless told to go on (pytest-xdist goes on).
        evidence.collection_interrupted = bool(evidence.collection_errors and not evidence.tests)
        if evidence.collection is not None:
            seen = evidence.collected_files | {i.split("::", 1)[0] for i in evidence.collected}
            missing = uncollected(evidence.collection, self.slices, self.config.repo_root, seen)
            evidence.uncollected = {
                path: why for path, why in missing.items() if path not in evidence.collection_errors
            }
        self.result = gate.evaluate(self.config, self.slices, evidence, self.selection)
        return self.result

    def write_bundle(self, junit: Path | None, benchmarks: Path | None) -> Path | None:
        """Write the bundle when one was asked for; ``junit``/``benchmarks``: user-chosen files."""
        if self.bundle is None or self.result is None:
            return None
        for source, name in ((junit, JUNIT), (benchmarks, BENCHMARKS)):
            target = self.bundle.staging / name
            if source is not None and source.is_file() and source.resolve() != target.resolve():
                shutil.copyfile(source, target)
        info = gate_json.RunInfo(self.bundle.commit, self.started, gate_json.now())
        report = gate_json.build(self.result, self.evidence, self.config, info)
        records = self.evidence.tests.values()
        tests = (
            sorted(r.nodeid for r in records if r.outcome == "passed"),
            sorted(r.nodeid for r in records if r.outcome in ("failed", "error")),
            sorted(r.nodeid for r in records if r.outcome not in ("passed", "failed", "error")),
        )
        self.bundle_path = self.bundle.finish(
            report, summary.render(report), parts.evidence_parts(self.evidence), tests
        )
        return self.bundle_path
