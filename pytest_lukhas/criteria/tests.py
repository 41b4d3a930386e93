"""Criterion 4: the slice has tests, they ran, and all passed (skips are not passes)."""

from __future__ import annotations

from collections import Counter

from ..evidence import Evidence
from ..lanes import LaneConfig
from ..manifests import Slice
from ..verdicts import Criterion, Status, Verdict


def slice_test_ids(slice_: Slice, ids: set[str] | dict[str, object]) -> list[str]:
    return sorted(i for i in ids if slice_.holds(i.split("::", 1)[0]))


def evaluate(slice_: Slice, config: LaneConfig, evidence: Evidence) -> Verdict:
    del config
    collected = slice_test_ids(slice_, evidence.collected | set(evidence.tests))
    deselected = slice_test_ids(slice_, evidence.deselected)
    records = [evidence.tests[i] for i in collected if i in evidence.tests]
    outcomes = Counter(r.outcome for r in records)
    not_run = [i for i in collected if i not in evidence.tests]
    details = {
        "total": len(collected) + len(deselected),
        "passed": outcomes["passed"],
        "failed": outcomes["failed"] + outcomes["error"],
        "skipped": outcomes["skipped"],
        "xfailed": outcomes["xfailed"] + outcomes["xpassed"],
        "deselected": len(deselected),
        "not_run": len(not_run),
    }

    def red(reason: str, where: str | None) -> Verdict:
        return Verdict(Criterion.TESTS, Status.FAIL, reason, where=where, details=details)

    if not collected and not deselected:
        return red(
            "no tests ran for this slice: add tests inside it and include it in the run",
            f"{slice_.relpath}/",
        )
    if failed := [r.nodeid for r in records if r.outcome in ("failed", "error")]:
        return red(f"{len(failed)} of {details['total']} tests failed", failed[0])
    if skipped := [r.nodeid for r in records if r.outcome != "passed"]:
        return red(f"{len(skipped)} tests skipped or xfailed: skips are not passes", skipped[0])
    if deselected:
        return red(f"{len(deselected)} tests deselected: a partial gate", deselected[0])
    if not_run:
        return red(f"{len(not_run)} tests collected but not run", not_run[0])
    return Verdict(Criterion.TESTS, Status.PASS, details=details)
