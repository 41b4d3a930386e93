"""Criterion 2: no import from the slice, direct or transitive, static, dynamic or at run
time, reaches a lane the rules deny."""

from __future__ import annotations

from ..boundaries.findings import Finding
from ..evidence import Evidence
from ..lanes import LaneConfig
from ..manifests import Slice
from ..verdicts import Criterion, Status, Verdict

NOT_RUN = "the import scan did not run: the gate cannot vouch for the slice's imports"


def evaluate(slice_: Slice, config: LaneConfig, evidence: Evidence) -> Verdict:
    del config  # the report carries the lanes it was computed with
    report = evidence.imports
    if report is None:
        return Verdict(Criterion.IMPORTS, Status.FAIL, NOT_RUN, where=slice_.relpath)
    files = [f for f in report.graph.files if slice_.holds(f)]
    found = report.for_slice(slice_.relpath)
    details = {"files": len(files), "findings": [f.to_json() for f in found]}
    if not files:
        reason = "no Python file of the slice was scanned: nothing vouches for its imports"
        return Verdict(Criterion.IMPORTS, Status.FAIL, reason, slice_.relpath, details)
    return _verdict(Criterion.IMPORTS, found, details)


def repo_check(evidence: Evidence) -> Verdict:
    """Every blocking finding of the repository: unparseable accepted-lane files, and
    violations of every lane's rules and invariants, not only those reached from a slice."""
    report = evidence.imports
    if report is None:
        return Verdict("imports", Status.FAIL, NOT_RUN)
    found = report.all_findings
    return _verdict("imports", found, {"findings": [f.to_json() for f in found]}, repo=True)


def _verdict(
    criterion: str, found: list[Finding], details: dict[str, object], repo: bool = False
) -> Verdict:
    """Green without blocking findings; else red with the first and how many more."""
    blocking = [f for f in found if f.blocking]
    if not blocking:
        return Verdict(criterion, Status.PASS, details=details)
    first = blocking[0]
    more = ""
    others = len({(f.fingerprint, f.location) for f in blocking}) - 1  # runtime: one per test
    if others:
        hint = "; run 'lukhas-gate imports'" if repo else ""
        more = f" (+{others} more{hint})"
    # a runtime finding is reproduced by running its test again: point at the test
    where = f"test {first.test}" if first.test else first.location
    return Verdict(criterion, Status.FAIL, f"[{first.kind}] {first.message}{more}", where, details)
