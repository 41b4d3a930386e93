"""gate.json: the whole gate run as data, valid against schemas/gate_report.schema.json."""

from __future__ import annotations

import os
import platform
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from ..evidence import Evidence
from ..lanes import LaneConfig
from ..selection import Selection
from ..verdicts import GateResult
from .gitinfo import Commit

TOOLS = ("lukhas-gate", "pytest", "pytest-benchmark", "pytest-xdist", "grimp", "jsonschema",
         "hypothesis", "pyyaml")  # fmt: skip


@dataclass(frozen=True)
class RunInfo:
    """When and where the gate ran, beyond what the verdicts say."""

    commit: Commit
    started: datetime
    finished: datetime
    calibration_factor: float | None = None


def now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def tool_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in TOOLS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info(calibration_factor: float | None) -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "calibration_factor": calibration_factor,
    }


def test_totals(evidence: Evidence) -> dict[str, int]:
    outcomes = Counter(record.outcome for record in evidence.tests.values())
    return {
        "total": len(evidence.tests) + len(evidence.deselected),
        "passed": outcomes["passed"],
        "failed": outcomes["failed"] + outcomes["error"],
        "skipped": outcomes["skipped"],
        "xfailed": outcomes["xfailed"] + outcomes["xpassed"],
        "deselected": len(evidence.deselected),
    }


def build(result: GateResult, evidence: Evidence, config: LaneConfig, info: RunInfo) -> dict:
    return {
        "schema_version": 1,
        "tool": {"name": "lukhas-gate", "version": tool_versions()["lukhas-gate"] or "unknown"},
        "commit": info.commit.to_json(),
        "started_at": _iso(info.started),
        "finished_at": _iso(info.finished),
        "duration_s": round((info.finished - info.started).total_seconds(), 3),
        "tool_versions": tool_versions(),
        "machine": machine_info(info.calibration_factor),
        "config": {
            "path": config.relpath(config.path),
            "accepted_lane": config.accepted.name,
            "accepted_root": config.accepted.root,
            "accepted_deny_from": list(config.accepted.deny_from),
        },
        "green": result.green,
        "partial": bool(result.partial_reasons),
        "partial_reasons": list(result.partial_reasons),
        "selection": (result.selection or _every(result)).to_json(),
        "slices": [
            {
                "name": row.slice.name,
                "path": row.slice.relpath,
                "green": row.green,
                "criteria": {str(v.criterion): v.to_json() for v in row.verdicts},
            }
            for row in result.slices
        ],
        "repo_checks": [v.to_json() for v in result.repo_checks],
        "tests": test_totals(evidence),
    }


def _every(result: GateResult) -> Selection:
    """The selection of a result that does not say: every slice it holds."""
    return Selection(selected=tuple(row.slice.name for row in result.slices))
