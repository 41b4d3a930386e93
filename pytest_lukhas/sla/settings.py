"""Run-wide SLA settings from the command line and ini file, checked once at start."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from ..problems import ConfigError, Problem
from . import calibration as calib
from .calibration import Calibration

DEFAULT_ALPHA = 0.05
DEFAULT_SAMPLES = 200
MAX_ALPHA = 0.5  # at or above it a sample could both pass and fail


class Inconclusive(StrEnum):
    """What an SLA still inconclusive after the extension counts as."""

    FAIL = "fail"
    PASS = "pass"


@dataclass(frozen=True)
class SlaSettings:
    alpha: float = DEFAULT_ALPHA
    samples: int = DEFAULT_SAMPLES
    inconclusive: Inconclusive = Inconclusive.PASS
    inconclusive_why: str = "default outside --lukhas-gate"
    holm: bool = False
    normalize: bool = False
    calibration: Calibration | None = None
    gate: bool = False

    @property
    def factor(self) -> float:
        """What budgets are multiplied by: the machine factor when normalizing, else 1."""
        if self.normalize and self.calibration is not None:
            return self.calibration.factor
        return 1.0


def alpha_problem(value: object, what: str) -> str | None:
    """Why ``value`` is not a usable alpha, or None when it is."""
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 < value < MAX_ALPHA
    ):
        return None
    return f"{what} must be a number greater than 0 and less than {MAX_ALPHA}, found {value!r}"


def build(
    *,
    alpha: str,
    samples: str,
    inconclusive: str,
    holm: bool,
    normalize: bool,
    gate: bool,
    calibration: Calibration | None,
    source: str,
) -> SlaSettings:
    """Settings from option/ini text; ``source`` names where they were written."""
    problems = []
    try:
        alpha_value = float(alpha)
    except ValueError:
        alpha_value = math.nan
    if alpha_problem(alpha_value, "lukhas_sla_alpha"):
        problems.append(
            Problem(
                source,
                f"lukhas_sla_alpha must be a number greater than 0 and less than {MAX_ALPHA}, "
                f"found {alpha!r}",
                hint="write e.g. 0.05",
            )
        )
    samples_value = int(samples) if samples.strip().isdigit() else 0
    if samples_value < 1:
        problems.append(
            Problem(
                source,
                f"lukhas_sla_samples must be a positive whole number, found {samples!r}",
                hint=f"write e.g. {DEFAULT_SAMPLES}",
            )
        )
    choices = ", ".join(c.value for c in Inconclusive)
    if inconclusive and inconclusive not in {c.value for c in Inconclusive}:
        problems.append(
            Problem(
                source,
                f"lukhas_sla_inconclusive must be one of {choices}, found {inconclusive!r}",
                hint="leave it empty for the default: fail under --lukhas-gate, pass otherwise",
            )
        )
    if problems:
        raise ConfigError(problems)
    if inconclusive:
        policy, why_policy = Inconclusive(inconclusive), "chosen"
    elif gate:
        policy, why_policy = Inconclusive.FAIL, "default under --lukhas-gate"
    else:
        policy, why_policy = Inconclusive.PASS, "default outside --lukhas-gate"
    return SlaSettings(
        alpha=alpha_value,
        samples=samples_value,
        inconclusive=policy,
        inconclusive_why=why_policy,
        holm=holm,
        normalize=normalize,
        calibration=calibration,
        gate=gate,
    )


def run_calibration(
    path: Path, display: str, *, calibrate_now: bool, strict: bool
) -> Calibration | None:
    """The machine calibration for this run.

    With ``calibrate_now`` the workload is timed and the file written. Otherwise the file
    is read when present. ``strict`` (normalizing budgets) turns a missing, unreadable or
    foreign-machine file into a :class:`ConfigError`; without it such a file is ignored.
    """
    if calibrate_now:
        result = calib.calibrate()
        calib.save(result, path, display)
        return result
    if not strict and not path.exists():
        return None
    try:
        result = calib.load(path, display)
    except ConfigError:
        if strict:
            raise
        return None
    differences = result.differences(calib.machine_info())
    if not differences:
        return result
    if strict:
        raise ConfigError(
            [
                Problem(
                    display,
                    "the calibration was made on another machine ("
                    + "; ".join(differences)
                    + "), so its factor does not apply here",
                    pointer="/machine",
                    hint="run `lukhas-gate calibrate` (or pytest --lukhas-calibrate) here",
                )
            ]
        )
    return None
