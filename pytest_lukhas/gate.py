"""The six criteria per slice, plus repo-wide checks -> :class:`GateResult`."""

from __future__ import annotations

from .criteria import lane
from .lanes import LaneConfig
from .manifests import MANIFEST_NAME, Slice
from .verdicts import Criterion, GateResult, SliceVerdicts, Status, Verdict

NOT_YET = "not implemented yet: the gate cannot vouch for it"


def evaluate(config: LaneConfig, slices: list[Slice]) -> GateResult:
    per_slice = tuple(_slice_verdicts(s, config) for s in slices)
    return GateResult(per_slice, tuple(_repo_checks(config, slices)))


def _slice_verdicts(slice_: Slice, config: LaneConfig) -> SliceVerdicts:
    verdicts = [lane.evaluate(slice_, config)]
    verdicts += [
        Verdict(criterion, Status.NOT_IMPLEMENTED, NOT_YET)
        for criterion in Criterion
        if criterion is not Criterion.LANE
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
