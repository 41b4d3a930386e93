"""LUKHAS_SYSTEM_STATUS.md: the state of every slice, and what changed, from gate.json.

The page is a function of the bundles alone (no clock, no machine paths), so the same
bundle, with the same previous one, gives the same bytes and the file diffs cleanly.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from ..report import counts_text, short_names
from ..verdicts import Criterion
from . import compare, md
from .summary import red_reasons, selection_note
from .verify import find_bundles, load_gate

_MARK = {"pass": "✅", "fail": "❌"}


def previous_bundle(bundle_dir: Path, gate: dict[str, Any]) -> Path | None:
    """The newest bundle in ``bundle_dir`` that finished before ``gate``, of another commit."""
    finished = _moment(gate)
    best: tuple[datetime, Path] | None = None
    for path in find_bundles(bundle_dir):
        try:
            other = load_gate(path)
            moment = _moment(other)
            sha = other["commit"]["sha"]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not a bundle this page can speak about
        if sha != gate["commit"]["sha"] and moment < finished and (not best or moment > best[0]):
            best = (moment, path)
    return best[1] if best else None


def render(gate: dict[str, Any], previous: dict[str, Any] | None = None) -> str:
    lines = [
        "# LUKHAS system status",
        "",
        "<!-- Written by `lukhas-gate status --write` from the gate bundle of the commit "
        "below. Do not edit: run `pytest --lukhas-gate --lukhas-bundle DIR` and the command "
        "again. -->",
        "",
        _headline(gate),
        "",
        "## Slices",
        "",
        "| slice | " + " | ".join(c.value.replace("_", "-") for c in Criterion)
        + " | tests passed | p95 [bounds] | budget | providers seen |",
        "|---|" + "---|" * len(Criterion) + "---|---|---|---|",
    ]  # fmt: skip
    slices = gate["slices"]
    for row, name in zip(slices, short_names([s["name"] for s in slices]), strict=True):
        criteria = row["criteria"]
        marks = " | ".join(_MARK[criteria[c.value]["status"]] for c in Criterion)
        sla = criteria["sla"]["details"]
        lines.append(
            f"| {md.code(name)} | {marks} | {counts_text(criteria['tests']['details'])} "
            f"| {_p95(sla)} | {md.ms(sla.get('budget_ms'))} | {_providers(criteria)} |"
        )
    reasons = red_reasons(gate)
    if reasons:
        lines += ["", "### Why red", "", *reasons]
    if gate["partial_reasons"]:
        lines += ["", "### Partial gate", "", *(f"- {md.text(r)}" for r in gate["partial_reasons"])]
    lines += ["", *_changes(gate, previous)]
    return "\n".join(lines).rstrip() + "\n"


def _headline(gate: dict[str, Any]) -> str:
    commit, tests, machine = gate["commit"], gate["tests"], gate["machine"]
    verdict = "✅ GREEN" if gate["green"] else "❌ RED"
    if gate["partial"]:
        verdict += " (partial gate)"
    if scope := selection_note(gate):
        verdict += f" for the selected slices only: {scope}"
    ref = f" on {md.code(commit['ref'])}" if commit.get("ref") else ""
    dirty = " with uncommitted changes" if commit["dirty"] else ""
    return (
        f"**Gate: {verdict}** at commit {md.code(commit['sha'])}{ref}{dirty}, gate run "
        f"finished {gate['finished_at']} · {tests['passed']}/{tests['total']} tests passed · "
        f"{md.text(machine['python'])}"
    )


def _p95(sla: dict[str, Any]) -> str:
    if sla.get("p95_ms") is None:
        return "-"
    bounds = f"[{md.ms(sla.get('p95_lower_ms'))}, {md.ms(sla.get('p95_upper_ms'))}]"
    return f"{md.ms(sla['p95_ms'])} {bounds}"


def _providers(criteria: dict[str, Any]) -> str:
    seen = criteria["dry_run"]["details"].get("providers") or {}
    parts = [
        f"{', '.join(md.text(p) for p in seen[state])} (flag {state})"
        for state in ("off", "on")
        if seen.get(state)
    ]
    return "; ".join(parts) or "-"


def _changes(gate: dict[str, Any], previous: dict[str, Any] | None) -> list[str]:
    if previous is None:
        return ["## What changed", "", "No earlier bundle to compare with."]
    before = previous["commit"]["sha"]
    lines = [
        f"## What changed since {md.code(before[:12])}",
        "",
        f"Against the bundle of {md.code(before)}, gate run finished {previous['finished_at']}.",
        "",
    ]
    changed = []
    if previous["green"] != gate["green"]:
        was, now = ("✅ GREEN", "❌ RED") if previous["green"] else ("❌ RED", "✅ GREEN")
        changed.append(f"- Gate: {was} → {now}")
    result = compare.compare(previous, gate)
    old_names = {s["name"] for s in previous["slices"]}
    changed += [f"- ❌ {md.neutral(r)}" for r in result.regressions]
    changed += [f"- ✅ {md.neutral(r)}" for r in result.improvements]
    changed += [
        f"- new slice {md.code(s['name'])}" for s in gate["slices"] if s["name"] not in old_names
    ]
    lines += changed or ["No verdict changed."]
    lines += [
        "",
        "| slice | tests passed | p95 | budget | providers seen |",
        "|---|---|---|---|---|",
    ]
    old = {s["name"]: s["criteria"] for s in previous["slices"]}
    slices = gate["slices"]
    for row, name in zip(slices, short_names([s["name"] for s in slices]), strict=True):
        now, then = row["criteria"], old.get(row["name"])
        if then is None:
            continue
        cells = [
            _change(counts_text(then["tests"]["details"]), counts_text(now["tests"]["details"])),
            _p95_change(then["sla"]["details"], now["sla"]["details"]),
            _change(
                md.ms(then["sla"]["details"].get("budget_ms")),
                md.ms(now["sla"]["details"].get("budget_ms")),
            ),
            _change(_providers(then), _providers(now)),
        ]
        lines.append(f"| {md.code(name)} | " + " | ".join(cells) + " |")
    return lines


def _change(before: str, after: str) -> str:
    return after if before == after else f"{before} → {after}"


def _p95_change(before: dict[str, Any], after: dict[str, Any]) -> str:
    b, a = before.get("p95_ms"), after.get("p95_ms")
    if b is None or a is None or not b:
        return _change(md.ms(b), md.ms(a))
    return f"{md.ms(b)} → {md.ms(a)} ({(a - b) / b:+.0%})"


def _moment(gate: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(gate["finished_at"]))
