"""Criterion 5: every SLA test of the slice measured, and shown within the manifest's budget."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

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
    tests = {r.nodeid: r.to_json(policy, include_samples=False) for r in records}
    details = {"inconclusive": str(policy), **headline(tests.values()), "tests": tests}
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


def headline(tests: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The slice's p95 for tables and compare: the check closest to (or over) its budget.

    Keys ``p95_ms``, ``p95_lower_ms``, ``p95_upper_ms``, ``budget_ms`` and ``n``; empty when
    no test measured a p95.
    """
    checks = [
        (check, test["n"])
        for test in tests
        for check in test.get("checks", ())
        if check["quantile"] == "p95"
    ]
    if not checks:
        return {}
    check, n = max(checks, key=lambda pair: pair[0]["estimate_ms"] / pair[0]["budget_ms"])
    return {
        "p95_ms": check["estimate_ms"],
        "p95_lower_ms": check["lower_ms"],
        "p95_upper_ms": check["upper_ms"],
        "budget_ms": check["budget_ms"],
        "n": n,
    }
