"""The reference machine: a fixed pure-Python workload, timed, gives a machine factor.

``factor = median workload time here / REFERENCE_SECONDS``. A budget written for the
reference machine becomes ``budget * factor`` on this one when budgets are normalized
(``--lukhas-sla-normalize``): a machine twice as slow gets twice the budget.

REFERENCE_SECONDS is the median measured on the project's reference machine, a 2-core
"Intel(R) Xeon(R) Processor @ 2.50GHz" CI box with CPython 3.11 on Linux. Changing the
workload changes its CHECKSUM; then remeasure REFERENCE_SECONDS and bump WORKLOAD.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..problems import ConfigError, Problem

WORKLOAD = "lukhas-reference-v1"
CHECKSUM = 1_589_219_098
REFERENCE_SECONDS = 0.0122
DEFAULT_PATH = ".lukhas/calibration.json"
RUNS, WARMUP_RUNS = 31, 3
FORMAT_VERSION = 1
# Machine facts that must match for a stored factor to apply here.
_SAME_MACHINE = ("cpu", "logical_cpus", "python_implementation", "python", "system", "machine")


def reference_workload() -> int:
    """Deterministic pure-Python work: integer arithmetic, dict, list, str and sort."""
    acc, table = 7, {}
    for i in range(30_000):
        acc = (acc * 1_103_515_245 + i) % 2_147_483_647
        table[acc % 4_093] = acc
    words = sorted(format(v, "x") for v in table.values())
    text = ",".join(words)
    return (acc ^ len(text) ^ sum(len(w) for w in words)) + text.count("a")


def machine_info() -> dict[str, Any]:
    """What the bundle records about the machine: cpu model, cores, Python, platform."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": usable,
        "python_implementation": platform.python_implementation(),
        "python": platform.python_version(),
        "system": platform.system(),
        "release": platform.release(),
        "machine": platform.machine(),
        "platform": platform.platform(),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


@dataclass(frozen=True)
class Calibration:
    seconds: float  # median of the timed runs here
    spread: float  # interquartile range / median of the timed runs
    runs: int
    machine: dict[str, Any]
    created: str
    reference_seconds: float = REFERENCE_SECONDS
    workload: str = WORKLOAD

    @property
    def factor(self) -> float:
        return self.seconds / self.reference_seconds

    def to_json(self) -> dict[str, Any]:
        return {
            "version": FORMAT_VERSION,
            "workload": self.workload,
            "factor": round(self.factor, 4),
            "seconds": self.seconds,
            "reference_seconds": self.reference_seconds,
            "spread": self.spread,
            "runs": self.runs,
            "created": self.created,
            "machine": self.machine,
        }

    def differences(self, machine: dict[str, Any]) -> list[str]:
        """The machine facts in which ``machine`` differs from the calibrated one."""
        return [
            f"{key}: {self.machine.get(key)!r} then, {machine.get(key)!r} now"
            for key in _SAME_MACHINE
            if self.machine.get(key) != machine.get(key)
        ]


def calibrate(runs: int = RUNS) -> Calibration:
    """Time the reference workload ``runs`` times after a short warm-up."""
    if reference_workload() != CHECKSUM:
        raise RuntimeError("the reference workload changed: remeasure REFERENCE_SECONDS")
    for _ in range(WARMUP_RUNS - 1):
        reference_workload()
    times = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        reference_workload()
        times.append((time.perf_counter_ns() - start) / 1e9)
    median = statistics.median(times)
    q1, _, q3 = statistics.quantiles(times, n=4)
    return Calibration(
        seconds=median,
        spread=(q3 - q1) / median,
        runs=runs,
        machine=machine_info(),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def save(calibration: Calibration, path: Path, display: str) -> None:
    """Write the calibration; raise :class:`ConfigError` when the place is not writable."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(calibration.to_json(), indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            [
                Problem(
                    display,
                    f"cannot write the calibration: {exc}",
                    hint="point --lukhas-calibration (or lukhas-gate calibrate --output) "
                    "at a writable file",
                )
            ]
        ) from None


def load(path: Path, display: str) -> Calibration:
    """Read a calibration file; raise :class:`ConfigError` saying how to make a good one."""
    redo = "run `lukhas-gate calibrate` (or pytest --lukhas-calibrate) on this machine"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([Problem(display, "no calibration file", hint=redo)]) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(
            [Problem(display, f"cannot read the calibration: {exc}", hint=redo)]
        ) from None
    if not isinstance(data, dict):
        raise ConfigError([Problem(display, "expected a JSON object", hint=redo)])
    problems = [
        Problem(display, f"expected {what}, found {data.get(key)!r}", pointer=f"/{key}", hint=redo)
        for key, what, ok in (
            ("version", f"version {FORMAT_VERSION}", lambda v: v == FORMAT_VERSION),
            ("workload", f"workload {WORKLOAD!r}", lambda v: v == WORKLOAD),
            ("seconds", "a positive number", _positive),
            ("reference_seconds", "a positive number", _positive),
            ("spread", "a number", lambda v: isinstance(v, int | float)),
            ("runs", "a positive integer", lambda v: isinstance(v, int) and v > 0),
            ("machine", "an object", lambda v: isinstance(v, dict)),
            ("created", "a timestamp", lambda v: isinstance(v, str)),
        )
        if not ok(data.get(key))
    ]
    if problems:
        raise ConfigError(problems)
    return Calibration(
        seconds=float(data["seconds"]),
        spread=float(data["spread"]),
        runs=data["runs"],
        machine=data["machine"],
        created=data["created"],
        reference_seconds=float(data["reference_seconds"]),
    )


def _positive(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0
