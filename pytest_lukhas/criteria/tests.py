"""Criterion 4: the slice has tests, they ran, and all passed (skips are not passes)."""

from __future__ import annotations

from collections import Counter

from ..evidence import Evidence
from ..lanes import LaneConfig
from ..manifests import Slice
from ..verdicts import Criterion, Status, Verdict


def slice_test_ids(
    slice_: Slice, ids: set[str] | dict[str, object], gate_items: set[str]
) -> list[str]:
    """The ids of the slice's tests: in its folder, leaving out the gate's own checks."""
    return sorted(i for i in ids if slice_.holds(i.split("::", 1)[0]) and i not in gate_items)


def evaluate(slice_: Slice, config: LaneConfig, evidence: Evidence) -> Verdict:
    del config
    gate_items = evidence.gate_items
    collected = slice_test_ids(slice_, evidence.collected | set(evidence.tests), gate_items)
    deselected = slice_test_ids(slice_, evidence.deselected, gate_items)
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

    if errors := _collection_errors(slice_, evidence):
        return red(f"collection error in {', '.join(errors)}: its tests could not run", errors[0])
    if evidence.collection_interrupted:
        first = sorted(evidence.collection_errors)[0]
        return red("collection errors elsewhere interrupted the run before its tests ran", first)
    if failed := [r.nodeid for r in records if r.outcome in ("failed", "error")]:
        return red(f"{len(failed)} of {details['total']} tests failed", failed[0])
    if missing := sorted(p for p in evidence.uncollected or {} if slice_.holds(p)):
        causes = "; ".join(sorted({(evidence.uncollected or {})[p] for p in missing}))
        files = f"{len(missing)} test file{'s' if len(missing) > 1 else ''}"
        return red(f"{files} not collected (left out by {causes}): a partial gate", missing[0])
    if not collected and not deselected:
        return red(
            "no tests ran for this slice: add tests inside it and include it in the run",
            f"{slice_.relpath}/",
        )
    if skipped := [r.nodeid for r in records if r.outcome != "passed"]:
        return red(f"{len(skipped)} tests skipped or xfailed: skips are not passes", skipped[0])
    if deselected:
        return red(f"{len(deselected)} tests deselected: a partial gate", deselected[0])
    if not_run:
        return red(f"{len(not_run)} tests collected but not run", not_run[0])
    return Verdict(Criterion.TESTS, Status.PASS, details=details)


def _collection_errors(slice_: Slice, evidence: Evidence) -> list[str]:
    """The failed collections in the slice's folder, or of a folder that holds it."""
    return sorted(
        path
        for path in evidence.collection_errors
        if slice_.holds(path) or not path or slice_.relpath.startswith(path + "/")
    )
