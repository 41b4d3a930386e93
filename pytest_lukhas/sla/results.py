"""The SLA tests of a run: what each declared, measured and was judged, and sla.json.

Everything travels as test-report ``user_properties`` (JSON-able), so a serial run and an
xdist run reach the controller the same way: the declaration (slice, budgets, sampling
plan, or the problem with them) from collection, the raw samples from the test's call.
The controller judges the samples again from scratch, applies Holm's correction when
asked, and hands the records to the gate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .calibration import machine_info
from .order_stats import holm
from .settings import Inconclusive, SlaSettings
from .spec import SlaSpec
from .verdict import LOOKS, Judgement, Verdict, judge, percentiles_ms

DECLARED = "lukhas_sla"
MEASURED = "lukhas_sla_measured"
FORMAT_VERSION = 1
_OUTCOME_RANK = {"not run": 0, "passed": 1, "skipped": 2, "failed": 3}


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    NOT_MEASURED = "not_measured"
    INVALID = "invalid"


@dataclass(frozen=True)
class Declaration:
    nodeid: str
    slice: str | None  # repo-relative folder of the slice holding the test
    where: str  # file:line of the test
    spec: SlaSpec | None
    problem: str | None = None  # one line per problem, each with its fix

    @property
    def located_problem(self) -> str:
        lines = (self.problem or "").splitlines()
        return "\n".join(f"{self.where}: error: {line}" for line in lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "nodeid": self.nodeid,
            "slice": self.slice,
            "where": self.where,
            "spec": self.spec.to_json() if self.spec else None,
            "problem": self.problem,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Declaration:
        spec = SlaSpec.from_json(data["spec"]) if data["spec"] else None
        return cls(data["nodeid"], data["slice"], data["where"], spec, data["problem"])


@dataclass
class SlaRecord:
    declaration: Declaration
    measured_by: str | None = None
    not_measured: str | None = None  # why, when the test said so itself
    samples_ns: tuple[int, ...] = ()
    look_sizes: tuple[int, ...] = ()
    outcome: str = "not run"  # the worst pytest outcome of the test's phases
    judgement: Judgement | None = None  # set by SlaResults.finalize
    final: Verdict | None = None  # the verdict after Holm's correction, when on

    @property
    def nodeid(self) -> str:
        return self.declaration.nodeid

    @property
    def spec(self) -> SlaSpec | None:
        return self.declaration.spec

    @property
    def status(self) -> Status:
        if self.declaration.problem:
            return Status.INVALID
        if self.final is None:
            return Status.NOT_MEASURED
        return Status(self.final.value)

    def passed(self, policy: Inconclusive) -> bool:
        status = self.status
        return status is Status.PASS or (
            status is Status.INCONCLUSIVE and policy is Inconclusive.PASS
        )

    def why_not_measured(self) -> str:
        if self.not_measured:
            return self.not_measured
        return {
            "skipped": "the test was skipped",
            "failed": "the test failed before sla_benchmark(...) measured",
            "not run": "the test did not run",
        }.get(self.outcome, "the test never called sla_benchmark(...)")

    def to_json(self, policy: Inconclusive, include_samples: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            **self.declaration.to_json(),
            "status": str(self.status),
            "passed": self.passed(policy),
            "outcome": self.outcome,
            "measured_by": self.measured_by,
            "not_measured": None,
        }
        if self.status is Status.NOT_MEASURED:
            data["not_measured"] = self.why_not_measured()
        if self.judgement is not None:
            data.update(judgement_json(self.judgement, self.samples_ns))
            data["per_test_verdict"] = str(self.judgement.verdict)
            if include_samples:
                data["samples_ns"] = list(self.samples_ns)
        return data


def judgement_json(judgement: Judgement, samples_ns: Iterable[int]) -> dict[str, Any]:
    """n, p50/p95/p99, the bounds and p-values per budget, and the looks taken."""
    last = judgement.last
    return {
        "n": last.n,
        "percentiles_ms": percentiles_ms(list(samples_ns)),
        "checks": [
            {
                "quantile": c.budget.name,
                "budget_ms": c.budget.ms,
                "estimate_ms": c.estimate_ms,
                "lower_ms": c.lower_ms,
                "upper_ms": c.upper_ms,
                "confidence": 1 - last.alpha,
                "p_within": c.p_within,
                "p_exceeds": c.p_exceeds,
            }
            for c in last.checks
        ],
        "looks": [{"n": lk.n, "alpha": lk.alpha} for lk in judgement.looks],
        "p_within": judgement.p_within,
        "p_exceeds": judgement.p_exceeds,
    }


@dataclass
class SlaResults:
    """Every SLA test the controller heard of, keyed by node id."""

    settings: SlaSettings
    records: dict[str, SlaRecord] = field(default_factory=dict)
    machine: dict[str, Any] = field(default_factory=machine_info)

    def observe(self, properties: Iterable[Any], outcome: str) -> None:
        """Take what one test report carries; reports of other tests are ignored.

        Records are keyed by the node id declared at collection: xdist's loadgroup
        appends "@group" to the id reports carry."""
        found = {name: value for name, value in properties if name in (DECLARED, MEASURED)}
        if DECLARED not in found:
            return
        declaration = Declaration.from_json(found[DECLARED])
        record = self.records.get(declaration.nodeid)
        if record is None:
            record = self.records[declaration.nodeid] = SlaRecord(declaration)
        if _OUTCOME_RANK.get(outcome, 0) > _OUTCOME_RANK[record.outcome]:
            record.outcome = outcome
        measured = found.get(MEASURED)
        if measured:
            record.measured_by = measured["measured_by"]
            record.not_measured = measured["not_measured"]
            record.samples_ns = tuple(measured["samples_ns"])
            record.look_sizes = tuple(measured["look_sizes"])

    def finalize(self) -> None:
        """Judge every measured test; with Holm on, across all of them at once."""
        judged: list[tuple[SlaRecord, Judgement]] = []
        for record in self.records.values():
            spec = record.spec
            if spec is None or not record.samples_ns or record.declaration.problem:
                continue
            record.judgement = judge(record.samples_ns, record.look_sizes, spec.budgets, spec.alpha)
            record.final = record.judgement.verdict
            judged.append((record, record.judgement))
        if self.settings.holm and judged:
            self._holm(judged)

    def _holm(self, judged: list[tuple[SlaRecord, Judgement]]) -> None:
        """Holm over all SLA tests, once for PASS and once for FAIL, at the run's alpha; a
        test is never decided at a level looser than its own alpha either."""
        alpha = self.settings.alpha
        within = holm([j.p_within for _, j in judged], alpha)
        exceeds = holm([j.p_exceeds for _, j in judged], alpha)
        for (record, j), shown_within, shown_exceeds in zip(judged, within, exceeds, strict=True):
            if shown_exceeds and j.p_exceeds <= j.alpha:
                record.final = Verdict.FAIL
            elif shown_within and j.p_within <= j.alpha:
                record.final = Verdict.PASS
            else:
                record.final = Verdict.INCONCLUSIVE

    def for_slice(self, relpath: str) -> list[SlaRecord]:
        return [r for r in self.records.values() if r.declaration.slice == relpath]

    def failing_after_passing(self) -> list[SlaRecord]:
        """Tests that passed as tests but whose final verdict fails (Holm decides late)."""
        policy = self.settings.inconclusive
        return [
            r
            for r in self.records.values()
            if r.outcome == "passed" and r.final is not None and not r.passed(policy)
        ]

    def to_json(self, include_samples: bool = True) -> dict[str, Any]:
        """The ``sla.json`` document."""
        s = self.settings
        return {
            "version": FORMAT_VERSION,
            "alpha": s.alpha,
            "looks": LOOKS,
            "holm": s.holm,
            "inconclusive": str(s.inconclusive),
            "inconclusive_why": s.inconclusive_why,
            "normalize": s.normalize,
            "factor": s.factor,
            "calibration": s.calibration.to_json() if s.calibration else None,
            "machine": self.machine,
            "tests": [
                r.to_json(s.inconclusive, include_samples)
                for r in sorted(self.records.values(), key=lambda r: r.nodeid)
            ],
        }
