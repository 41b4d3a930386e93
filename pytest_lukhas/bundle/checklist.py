"""The promotion checklist a PR carries (seed 001, sections 6 and 9), ticked from gate.json.

Every item names the verdicts it stands on, so a tick means exactly this:

=========  ==============================================================================
item       ticked when
=========  ==============================================================================
gate       gate.json is green (every slice meets all six criteria, the repository checks
           pass, the gate is not partial, no slice was left out by ``--lukhas-slice``) and
           the CI run that wrote the bundle succeeded
imports    every slice's ``imports`` verdict and the repository's ``imports`` check pass
matriz     every slice's ``matriz`` verdict passes
dry_run    every slice's ``dry_run`` and ``tests`` verdicts pass
manifest   every slice's ``lane`` verdict (manifest valid, in the accepted lane) and
           ``matriz`` verdict (its capabilities and emit points match the code) pass
sla        every slice's ``sla`` verdict passes
bundle     the bundle is linked, verifies, and was made from the PR's head commit with
           no uncommitted changes
=========  ==============================================================================

An item over no slice at all is crossed: a checklist about nothing vouches for nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..report import short_names
from ..verdicts import Criterion
from . import md
from .summary import selection_note


@dataclass(frozen=True)
class Item:
    key: str
    text: str  # markdown; ``{denied}`` and ``{root}`` are filled from gate.json's config
    criteria: tuple[Criterion, ...] = ()
    repo_checks: tuple[str, ...] = ()


ITEMS = (
    Item("gate", "**Acceptance gate:** PASS"),
    Item(
        "imports",
        "**No imports from {denied}** in `{root}/`",
        (Criterion.IMPORTS,),
        ("imports",),
    ),
    Item("matriz", "**MATRIZ events emitted** at the declared emit points", (Criterion.MATRIZ,)),
    Item(
        "dry_run",
        "**Dry-run behaviour deterministic;** tests green",
        (Criterion.DRY_RUN, Criterion.TESTS),
    ),
    Item(
        "manifest",
        "**MODULE_MANIFEST.json** present and accurate",
        (Criterion.LANE, Criterion.MATRIZ),
    ),
    Item("sla", "**p95 latency** within each slice's budget", (Criterion.SLA,)),
    Item("bundle", "**CI artifact bundle** uploaded for the PR's SHA"),
)


@dataclass(frozen=True)
class RunContext:
    """What the gate run's own bundle cannot say about itself."""

    artifact_url: str | None = None
    head_sha: str | None = None  # the PR's head commit, when known
    conclusion: str | None = None  # the CI run's conclusion, when known
    problems: tuple[str, ...] = ()  # what `lukhas-gate verify` found wrong with the bundle


@dataclass
class Outcome:
    item: Item
    reasons: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.reasons


def item_text(item: Item, config: dict[str, Any]) -> str:
    root = config.get("accepted_root") or "."
    lanes = [
        glob.removesuffix("**").rstrip("/") + "/" for glob in config.get("accepted_deny_from") or ()
    ]
    denied = ", ".join(md.code(lane) for lane in lanes) if lanes else "denied lanes"
    return item.text.format(denied=denied, root=root)


def template_lines(config: dict[str, Any]) -> list[str]:
    """The unticked checklist, as a PR template holds it."""
    return [f"- [ ] {item_text(item, config)}" for item in ITEMS]


def evaluate(gate: dict[str, Any], context: RunContext) -> list[Outcome]:
    """One outcome per item, in :data:`ITEMS` order."""
    outcomes = [Outcome(item) for item in ITEMS]
    slices = gate.get("slices") or []
    names = short_names([s["name"] for s in slices])
    for outcome in outcomes:
        item = outcome.item
        if item.key == "gate":
            outcome.reasons += _gate_reasons(gate, names, context)
        elif item.key == "bundle":
            outcome.reasons += _bundle_reasons(gate, context)
        else:
            outcome.reasons += _criteria_reasons(item, slices, names, gate.get("repo_checks", []))
    return outcomes


def merge(labelled: Sequence[tuple[str, list[Outcome]]]) -> list[Outcome]:
    """Outcomes over several bundles (one per Python): an item is ticked when every bundle
    ticks it; a reason only some bundles give says which."""
    merged = [Outcome(item) for item in ITEMS]
    for index, outcome in enumerate(merged):
        seen: dict[str, list[str]] = {}
        for label, outcomes in labelled:
            for reason in outcomes[index].reasons:
                seen.setdefault(reason, []).append(label)
        for reason, labels in seen.items():
            partial = len(labelled) > 1 and len(labels) < len(labelled)
            outcome.reasons.append(reason + (f" ({', '.join(labels)} only)" if partial else ""))
    return merged


def _verdict_reason(owner: str, verdict: dict[str, Any]) -> str:
    reason = md.text(verdict.get("reason") or verdict.get("status", "?"))
    where = f" — {md.code(verdict['where'])}" if verdict.get("where") else ""
    return f"{md.code(owner)} · {verdict.get('criterion', '?')}: {reason}{where}"


def _criteria_reasons(
    item: Item, slices: list[dict[str, Any]], names: list[str], repo_checks: list[dict[str, Any]]
) -> list[str]:
    if not slices:
        return ["no slice was gated"]
    reasons = [
        _verdict_reason(name, row["criteria"][criterion.value])
        for row, name in zip(slices, names, strict=True)
        for criterion in item.criteria
        if row["criteria"][criterion.value]["status"] != "pass"
    ]
    reasons += [
        _verdict_reason("repository", check)
        for check in repo_checks
        if check.get("criterion") in item.repo_checks and check.get("status") != "pass"
    ]
    return reasons


def _gate_reasons(gate: dict[str, Any], names: list[str], context: RunContext) -> list[str]:
    reasons = []
    if not gate.get("slices"):
        reasons.append("no slice was gated")
    for row, name in zip(gate.get("slices") or [], names, strict=True):
        red = [c.value for c in Criterion if row["criteria"][c.value]["status"] != "pass"]
        if red:
            reasons.append(f"{md.code(name)} is red on {', '.join(red)}")
    reasons += [
        _verdict_reason("repository", check)
        for check in gate.get("repo_checks") or []
        if check.get("status") != "pass"
    ]
    reasons += [f"partial gate: {md.text(r)}" for r in gate.get("partial_reasons") or []]
    if scope := selection_note(gate):
        reasons.append(f"not the whole repository: {scope}")
    if not reasons and not gate.get("green"):
        reasons.append("gate.json says the gate is red")
    if context.conclusion not in (None, "success"):
        reasons.append(f"the CI run that wrote the bundle concluded {md.code(context.conclusion)}")
    return reasons


def _bundle_reasons(gate: dict[str, Any], context: RunContext) -> list[str]:
    commit = gate.get("commit") or {}
    reasons = []
    if not context.artifact_url:
        reasons.append("no link to the uploaded artifact")
    if context.head_sha and commit.get("sha") != context.head_sha:
        reasons.append(
            f"the bundle speaks for {md.code(str(commit.get('sha'))[:12])}, "
            f"not the PR's head {md.code(context.head_sha[:12])}"
        )
    if commit.get("dirty"):
        reasons.append("the bundle was made from uncommitted changes")
    reasons += [f"`lukhas-gate verify`: {md.text(p)}" for p in context.problems]
    return reasons
