"""Criterion 1: the slice lives in the accepted lane and its manifest is valid."""

from __future__ import annotations

from ..evidence import Evidence
from ..lanes import LaneConfig
from ..manifests import MANIFEST_NAME, Slice
from ..problems import Severity
from ..verdicts import Criterion, Status, Verdict


def evaluate(slice_: Slice, config: LaneConfig, evidence: Evidence) -> Verdict:
    del evidence  # the lane criterion needs only the files
    lane = config.lane_of(slice_.relpath)
    details = {"lane": lane.name if lane else None, "manifest": f"{slice_.relpath}/{MANIFEST_NAME}"}
    errors = [p for p in slice_.problems if p.severity is Severity.ERROR]
    if errors:
        first = errors[0]
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        label = "" if slice_.promoted_from is not None else "manifest invalid: "
        return Verdict(
            Criterion.LANE,
            Status.FAIL,
            f"{label}{first.message}{more}",
            where=first.location,
            details={**details, "problems": [p.to_json() for p in errors]},
        )
    if not config.accepted.holds(slice_.relpath):
        return Verdict(
            Criterion.LANE,
            Status.FAIL,
            f"not under the accepted lane's root {config.accepted.root}/",
            where=slice_.relpath,
            details=details,
        )
    return Verdict(Criterion.LANE, Status.PASS, details=details)
