"""The six criteria per slice, plus repo-wide checks -> :class:`GateResult`."""

from __future__ import annotations

from collections.abc import Callable

from .criteria import lane, matriz, sla, tests
from .evidence import Evidence
from .lanes import LaneConfig
from .manifests import MANIFEST_NAME, Slice
from .verdicts import Criterion, GateResult, SliceVerdicts, Status, Verdict

NOT_YET = "not implemented yet: the gate cannot vouch for it"

Evaluator = Callable[[Slice, LaneConfig, Evidence], Verdict]

# One evaluator per criterion; a criterion without one is reported red as not implemented.
EVALUATORS: dict[Criterion, Evaluator] = {
    Criterion.LANE: lane.evaluate,
    Criterion.MATRIZ: matriz.evaluate,
    Criterion.TESTS: tests.evaluate,
    Criterion.SLA: sla.evaluate,
}


def evaluate(config: LaneConfig, slices: list[Slice], evidence: Evidence) -> GateResult:
    per_slice = tuple(_slice_verdicts(s, config, evidence) for s in slices)
    return GateResult(
        per_slice, tuple(_repo_checks(config, slices)), _partial_reasons(per_slice, evidence)
    )


def _slice_verdicts(slice_: Slice, config: LaneConfig, evidence: Evidence) -> SliceVerdicts:
    verdicts = [
        EVALUATORS[c](slice_, config, evidence)
        if c in EVALUATORS
        else Verdict(c, Status.NOT_IMPLEMENTED, NOT_YET)
        for c in Criterion
    ]
    return SliceVerdicts(slice_, tuple(verdicts))


def _repo_checks(config: LaneConfig, slices: list[Slice]) -> list[Verdict]:
    found = Verdict(
        "slices_found",
        Status.PASS if slices else Status.FAIL,
        "" if slices else f"no {MANIFEST_NAME} under {config.accepted.root}/: nothing to gate",
        where=None if slices else f"{config.accepted.root}/",
        details={"count": len(slices)},
    )
    return [found]


def _partial_reasons(slices: tuple[SliceVerdicts, ...], evidence: Evidence) -> tuple[str, ...]:
    """Why this run judged fewer slice tests than the slices have; empty for a full gate."""
    reasons = []
    if evidence.narrowing_options:
        reasons.append(f"run with {' '.join(evidence.narrowing_options)}")
    counts = {key: 0 for key in ("deselected", "skipped", "xfailed", "not_run")}
    for row in slices:
        details = row.get(Criterion.TESTS).details
        for key in counts:
            counts[key] += details.get(key, 0)
    reasons += [f"{n} slice tests {key.replace('_', ' ')}" for key, n in counts.items() if n]
    return tuple(reasons)
