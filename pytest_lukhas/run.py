"""One gate run inside a pytest session: load the lanes and slices, then judge them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from . import gate
from .evidence import Evidence
from .lanes import LaneConfig, load_lanes
from .manifests import Slice, discover_slices
from .selection import select_slices
from .verdicts import GateResult


@dataclass
class GateRun:
    config: LaneConfig
    slices: list[Slice]
    evidence: Evidence = field(default_factory=Evidence)
    result: GateResult | None = field(default=None)

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
        return cls(config, select_slices(discover_slices(config), only_slices))

    def record(self, report: pytest.TestReport) -> None:
        """Take one phase's report (on the controller when tests run on xdist workers)."""
        self.evidence.record(report, report.nodeid.split("::", 1)[0])

    def collected(self, nodeids: list[str]) -> None:
        self.evidence.collected.update(nodeids)

    def deselect(self, nodeids: list[str]) -> None:
        self.evidence.deselected.update(nodeids)

    def finish(self) -> GateResult:
        self.result = gate.evaluate(self.config, self.slices, self.evidence)
        return self.result
