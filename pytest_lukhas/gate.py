"""The six criteria per slice, plus repo-wide checks -> :class:`GateResult`."""

from __future__ import annotations

from collections.abc import Callable

from .criteria import dry_run, imports, lane, matriz, sla, tests
from .evidence import Evidence
from .lanes import LaneConfig
from .manifests import MANIFEST_NAME, Slice
from .selection import Selection
from .verdicts import Criterion, GateResult, SliceVerdicts, Status, Verdict

Evaluator = Callable[[Slice, LaneConfig, Evidence], Verdict]

# One evaluator per criterion.
EVALUATORS: dict[Criterion, Evaluator] = {
    Criterion.LANE: lane.evaluate,
    Criterion.IMPORTS: imports.evaluate,
    Criterion.MATRIZ: matriz.evaluate,
    Criterion.TESTS: tests.evaluate,
    Criterion.SLA: sla.evaluate,
    Criterion.DRY_RUN: dry_run.evaluate,
}


def evaluate(
    config: LaneConfig,
    slices: list[Slice],
    evidence: Evidence,
    selection: Selection | None = None,
) -> GateResult:
    """``selection``: which slices of the repository ``slices`` are (None: all of them)."""
    per_slice = tuple(_slice_verdicts(s, config, evidence) for s in slices)
    repo = (*_repo_checks(config, slices), imports.repo_check(evidence))
    return GateResult(per_slice, repo, _partial_reasons(per_slice, evidence), selection)


def _slice_verdicts(slice_: Slice, config: LaneConfig, evidence: Evidence) -> SliceVerdicts:
    verdicts = [EVALUATORS[c](slice_, config, evidence) for c in Criterion]
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


def _partial_reasons(slices: tuple[SliceVerdicts, ...], evidence: Evidence) -> tuple[str, ...]:
    """Why this run judged fewer slice tests than the slices have; empty for a full gate."""
    reasons = []
    if evidence.collection_errors:
        errors = ", ".join(sorted(evidence.collection_errors, key=lambda p: p or "."))
        if evidence.collection_interrupted:
            reasons.append(f"collection errors interrupted the run: {errors}")
        else:
            reasons.append(f"collection errors in: {errors}")
    if evidence.narrowing_options:
        reasons.append(f"run with {' '.join(evidence.narrowing_options)}")
    if evidence.uncollected is None:
        reasons.append("which slice test files were collected was not checked")
    else:
        reasons += _uncollected_reasons(evidence.uncollected)
    counts = {key: 0 for key in ("deselected", "skipped", "xfailed", "not_run")}
    for row in slices:
        details = row.get(Criterion.TESTS).details
        for key in counts:
            counts[key] += details.get(key, 0)
    if evidence.collection_interrupted:
        counts["not_run"] = 0  # the collection errors above say why
    reasons += [f"{n} slice tests {key.replace('_', ' ')}" for key, n in counts.items() if n]
    return tuple(reasons)


def _uncollected_reasons(uncollected: dict[str, str]) -> list[str]:
    """One reason per option that left slice test files out, naming the files."""
    by_cause: dict[str, list[str]] = {}
    for path, cause in sorted(uncollected.items()):
        by_cause.setdefault(cause, []).append(path)
    return [
        f"{len(paths)} slice test file{'s' if len(paths) > 1 else ''} not collected "
        f"(left out by {cause}): {', '.join(paths)}"
        for cause, paths in by_cause.items()
    ]
