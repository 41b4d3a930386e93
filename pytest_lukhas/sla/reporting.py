"""Words and lines for SLA results: the failure message, the gate reason, the summary."""

from __future__ import annotations

from collections.abc import Sequence

from .results import SlaRecord, SlaResults, Status
from .settings import Inconclusive, SlaSettings
from .spec import SlaSpec
from .verdict import LOOKS, Judgement, QuantileCheck, Verdict, percentiles_ms


def ms(value: float | None) -> str:
    """A duration given in milliseconds, with its unit and three significant digits;
    a bound that does not exist (too few samples) is 'none'."""
    if value is None:
        return "none"
    if value >= 1000:
        return f"{value:.0f} ms"
    for unit, scale in (("ms", 1.0), ("us", 1e3)):
        if value * scale >= 1:
            return f"{value * scale:.3g} {unit}"
    return f"{value * 1e6:.3g} ns"


def interval(check: QuantileCheck) -> str:
    return f"[{ms(check.lower_ms)}, {ms(check.upper_ms)}]"


def message(
    nodeid: str,
    spec: SlaSpec,
    judgement: Judgement,
    samples_ns: Sequence[int],
    policy: Inconclusive,
) -> str:
    """The test's failure (or warning) message: n, p50/p95/p99, bounds, budget, verdict."""
    last = judgement.last
    points = percentiles_ms(samples_ns)
    ends = [lk.n for lk in judgement.looks]
    sizes = " + ".join(str(end - start) for start, end in zip([0, *ends], ends, strict=False))
    lines = [
        f"SLA {judgement.verdict.value.upper()}: {nodeid}",
        f"  n={last.n} ({sizes} over {len(judgement.looks)} of {LOOKS} planned looks)"
        f"  p50 {ms(points['p50'])}  p95 {ms(points['p95'])}  p99 {ms(points['p99'])}",
    ]
    for check in last.checks:
        lines += [
            f"  {check.budget.name} bounds {interval(check)} (one-sided, {1 - last.alpha:.1%} each)"
            f" vs budget {ms(check.budget.ms)}{_scaled(spec, check)}",
            f"    {_compare(check, last.alpha)}",
        ]
    verdict = judgement.verdict
    tail = f"verdict {verdict.value.upper()} (alpha {spec.alpha} split over {LOOKS} looks)"
    if verdict is Verdict.INCONCLUSIVE:
        tail += f"; inconclusive counts as {policy.value} (--lukhas-sla-inconclusive)"
    return "\n".join([*lines, "  " + tail])


def _scaled(spec: SlaSpec, check: QuantileCheck) -> str:
    if spec.factor == 1.0:
        return ""
    declared = next(b.ms for b in spec.declared if b.name == check.budget.name)
    return f" (declared {ms(declared)} x machine factor {spec.factor:.3g})"


def _compare(check: QuantileCheck, alpha: float) -> str:
    if check.p_exceeds <= alpha:
        return "the lower bound exceeds the budget"
    if check.p_within <= alpha:
        return "the upper bound is within the budget"
    return "the interval straddles the budget"


def reason(record: SlaRecord) -> str:
    """One line saying how an SLA test stands, for the gate table."""
    status = record.status
    if status is Status.INVALID:
        first, *more = (record.declaration.problem or "").splitlines()
        return f"invalid SLA: {first}" + (f" (+{len(more)} more)" if more else "")
    if status is Status.NOT_MEASURED:
        return f"not measured: {record.why_not_measured()}"
    judgement = record.judgement
    assert judgement is not None
    last = judgement.last
    if status is Status.FAIL:
        c = min(last.checks, key=lambda c: c.p_exceeds)
        return f"{c.budget.name} lower bound {ms(c.lower_ms)} > budget {ms(c.budget.ms)}"
    c = max(last.checks, key=lambda c: c.p_within)
    if status is Status.PASS:
        return f"{c.budget.name} upper bound {ms(c.upper_ms)} <= budget {ms(c.budget.ms)}"
    after = "Holm's correction" if judgement.verdict is not Verdict.INCONCLUSIVE else "extension"
    return (
        f"inconclusive after {after}: {c.budget.name} {interval(c)}"
        f" straddles budget {ms(c.budget.ms)}"
    )


def header(settings: SlaSettings) -> str:
    holm = ", Holm across tests" if settings.holm else ""
    scale = (
        f"budgets x{settings.factor:.3g} (machine factor)"
        if settings.normalize
        else "budgets as written"
    )
    return (
        f"alpha {settings.alpha} over {LOOKS} looks{holm}; inconclusive counts as "
        f"{settings.inconclusive.value} ({settings.inconclusive_why}); {scale}"
    )


def summary(results: SlaResults) -> list[str]:
    """The terminal summary: one line per SLA test (two when p99 is budgeted too)."""
    lines = [header(results.settings)]
    for record in sorted(results.records.values(), key=lambda r: r.nodeid):
        status = record.status.value.upper().replace("_", " ")
        lines.append(f"{status:<13} {record.nodeid}")
        if record.status is not Status.PASS:
            lines.append(f"{'':<13} {reason(record)}")
        if record.judgement is None:
            continue
        last = record.judgement.last
        p50 = percentiles_ms(record.samples_ns)["p50"]
        for check in last.checks:
            lines.append(
                f"{'':<13} n={last.n} p50 {ms(p50)} {check.budget.name}"
                f" {ms(check.estimate_ms)} in {interval(check)} budget {ms(check.budget.ms)}"
            )
    return lines
