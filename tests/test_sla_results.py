"""The controller's side: records from report properties, Holm at the end, the gate verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_lukhas.criteria import sla as criterion
from pytest_lukhas.evidence import Evidence
from pytest_lukhas.manifests import Manifest, Slice
from pytest_lukhas.sla.results import DECLARED, MEASURED, Declaration, SlaResults, Status
from pytest_lukhas.sla.settings import Inconclusive, SlaSettings
from pytest_lukhas.sla.spec import SlaSpec
from pytest_lukhas.sla.verdict import Budget
from pytest_lukhas.verdicts import Status as GateStatus

MS = 1_000_000
SPEC = SlaSpec(
    budgets=(Budget("p95", 1.0),),
    declared=(Budget("p95", 1.0),),
    sources=(("p95", "prod/billing/MODULE_MANIFEST.json"),),
    samples=200,
    alpha=0.05,
    warmup=5,
    blocks=4,
)
SLICE = Slice(
    "prod/billing",
    Path("prod/billing"),
    Manifest("prod.billing", (), "FEATURE_BILLING", 1.0, ("DECISION:billing:charge",)),
)
# 3 of 200 above the budget: p = 2 * 0.009 = 0.018, within 0.05 alone
BORDERLINE = [2 * MS] * 3 + [MS // 2] * 197


def report(
    results: SlaResults, name: str, samples, outcome="passed", spec=SPEC, slice_="prod/billing"
):
    declaration = Declaration(f"prod/billing/tests/test_x.py::{name}", slice_, "x.py:1", spec)
    properties = [(DECLARED, declaration.to_json())]
    if samples is not None:
        measured = {"measured_by": "pytest-benchmark", "not_measured": None,
                    "samples_ns": samples, "look_sizes": [len(samples)]}  # fmt: skip
        properties.append((MEASURED, measured))
    # xdist delivers the properties as lists, a serial run as tuples
    results.observe([list(p) for p in properties], outcome)


def statuses(results: SlaResults) -> list[Status]:
    return [r.status for r in sorted(results.records.values(), key=lambda r: r.nodeid)]


def test_reports_without_sla_properties_are_ignored():
    results = SlaResults(SlaSettings())
    results.observe([("other", 1)], "passed")
    assert results.records == {}


def test_records_are_judged_again_on_the_controller():
    results = SlaResults(SlaSettings())
    report(results, "a", BORDERLINE)
    report(results, "b", [2 * MS] * 200, outcome="failed")
    results.finalize()
    assert statuses(results) == [Status.PASS, Status.FAIL]
    assert results.failing_after_passing() == []


def test_holm_turns_borderline_passes_inconclusive_and_the_session_red():
    results = SlaResults(SlaSettings(holm=True, inconclusive=Inconclusive.FAIL))
    for name in "abc":
        report(results, name, BORDERLINE)
    results.finalize()
    assert statuses(results) == [Status.INCONCLUSIVE] * 3
    assert len(results.failing_after_passing()) == 3
    lone = SlaResults(SlaSettings(holm=True))
    report(lone, "a", BORDERLINE)
    lone.finalize()
    assert statuses(lone) == [Status.PASS]


def test_holm_never_decides_a_test_looser_than_its_own_alpha():
    strict = SlaSpec(**{**SPEC.__dict__, "alpha": 0.01})
    results = SlaResults(SlaSettings(holm=True))
    report(results, "a", BORDERLINE, spec=strict)  # p = 0.018 > 0.01
    results.finalize()
    assert statuses(results) == [Status.INCONCLUSIVE]


def test_unmeasured_tests_say_why():
    results = SlaResults(SlaSettings())
    report(results, "skipped", None, outcome="skipped")
    report(results, "failed", None, outcome="failed")
    report(results, "idle", None, outcome="passed")
    results.finalize()
    reasons = {r.nodeid.rsplit(":", 1)[-1]: r.why_not_measured() for r in results.records.values()}
    assert reasons == {
        "skipped": "the test was skipped",
        "failed": "the test failed before sla_benchmark(...) measured",
        "idle": "the test never called sla_benchmark(...)",
    }


def verdict(results: SlaResults | None):
    if results is not None:
        results.finalize()
    return criterion.evaluate(SLICE, None, Evidence(sla=results))  # type: ignore[arg-type]


def test_gate_is_red_when_nothing_was_gathered_or_no_test_exists():
    assert verdict(None).reason == "not measured: SLA results were not gathered"
    other = SlaResults(SlaSettings())
    report(other, "a", BORDERLINE, slice_="prod/other")
    result = verdict(other)
    assert result.status is GateStatus.FAIL and result.reason.startswith("no SLA test")


def test_gate_is_green_only_when_every_sla_test_of_the_slice_passed():
    results = SlaResults(SlaSettings())
    report(results, "a", BORDERLINE)
    result = verdict(results)
    assert result.status is GateStatus.PASS
    details = result.details["tests"]["prod/billing/tests/test_x.py::a"]
    assert details["n"] == 200 and details["status"] == "pass"
    assert set(details["percentiles_ms"]) == {"p50", "p95", "p99"}
    assert details["checks"][0]["budget_ms"] == 1.0
    report(results, "b", [2 * MS] * 200, outcome="failed")
    report(results, "c", None, outcome="skipped")
    result = verdict(results)
    assert result.status is GateStatus.FAIL
    assert result.reason == "p95 lower bound 2 ms > budget 1 ms (+1 more)"
    assert result.where == "prod/billing/tests/test_x.py::b"


@pytest.mark.parametrize(
    ("policy", "status"), [("fail", GateStatus.FAIL), ("pass", GateStatus.PASS)]
)
def test_inconclusive_follows_the_policy_in_the_gate(policy, status):
    results = SlaResults(SlaSettings(inconclusive=Inconclusive(policy)))
    report(results, "a", [2 * MS if i % 20 == 19 else MS // 2 for i in range(200)])
    assert verdict(results).status is status
