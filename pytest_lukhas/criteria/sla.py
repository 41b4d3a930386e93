"""Criterion 5: every SLA test of the slice measured, and shown within the manifest's budget."""

from __future__ import annotations

from ..evidence import Evidence
from ..lanes import LaneConfig
from ..manifests import Slice
from ..sla.reporting import reason
from ..sla.results import SlaRecord
from ..sla.settings import Inconclusive
from ..verdicts import Criterion, Status, Verdict


def evaluate(slice_: Slice, config: LaneConfig, evidence: Evidence) -> Verdict:
    del config  # the SLA criterion judges measurements only
    results = evidence.sla
    if results is None:
        return Verdict(Criterion.SLA, Status.FAIL, "not measured: SLA results were not gathered")
    records = sorted(results.for_slice(slice_.relpath), key=lambda r: r.nodeid)
    policy = results.settings.inconclusive
    details = {
        "inconclusive": str(policy),
        "tests": {r.nodeid: r.to_json(policy, include_samples=False) for r in records},
    }
    if not records:
        return Verdict(
            Criterion.SLA,
            Status.FAIL,
            "no SLA test: mark one with @pytest.mark.sla and call sla_benchmark(fn)",
            where=slice_.relpath,
            details=details,
        )
    bad = [(r, why) for r in records if (why := _why_red(r, slice_, policy))]
    if not bad:
        return Verdict(Criterion.SLA, Status.PASS, reason(records[0]), details=details)
    first, why = bad[0]
    more = f" (+{len(bad) - 1} more)" if len(bad) > 1 else ""
    return Verdict(Criterion.SLA, Status.FAIL, why + more, where=first.nodeid, details=details)


def _why_red(record: SlaRecord, slice_: Slice, policy: Inconclusive) -> str | None:
    if not record.passed(policy):
        return reason(record)
    manifest, spec = slice_.manifest, record.spec
    if manifest is None or spec is None:
        return None
    for budget in spec.declared:
        allowed = getattr(manifest, f"{budget.name}_ms")
        if allowed is not None and budget.ms > allowed:
            return (
                f"{budget.name} budget {budget.ms:g} ms of the test is looser than the "
                f"manifest's {allowed:g} ms"
            )
    return None
