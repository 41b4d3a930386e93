"""summary.md: the gate run for ``$GITHUB_STEP_SUMMARY`` and PR comments, made from gate.json."""

from __future__ import annotations

from typing import Any

from ..report import counts_text, p95_text, short_names
from ..selection import Selection
from ..verdicts import Criterion
from . import md

MAX_BYTES = 1 << 20  # GitHub refuses step summaries over 1 MiB
_MARK = {"pass": "✅", "fail": "❌"}
_TRUNCATED = "\n\n_… truncated: the full report is gate.json in the bundle._\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(gate: dict[str, Any]) -> str:
    commit = gate["commit"]
    verdict = "✅ GREEN" if gate["green"] else "❌ RED"
    if gate["partial"]:
        verdict += " (partial gate)"
    if scope := selection_note(gate):
        verdict += f" for the selected slices only: {scope}"
    tests = gate["tests"]
    lines = [
        f"## LUKHAS gate: {verdict}",
        "",
        f"Commit `{commit['sha'][:12]}`"
        + (f" on `{commit['ref']}`" if commit.get("ref") else "")
        + (" (uncommitted changes)" if commit["dirty"] else "")
        + f" · {tests['passed']}/{tests['total']} tests passed"
        + f" · {gate['machine']['python']} · {gate['finished_at']}",
        "",
        "| slice | " + " | ".join(c.value.replace("_", "-") for c in Criterion)
        + " | passed | p95 / budget |",
        "|---|" + "---|" * len(Criterion) + "---|---|",
    ]  # fmt: skip
    names = short_names([s["name"] for s in gate["slices"]])
    for row, name in zip(gate["slices"], names, strict=True):
        criteria = row["criteria"]
        marks = " | ".join(_MARK[criteria[c.value]["status"]] for c in Criterion)
        counts = counts_text(criteria["tests"]["details"])
        p95 = p95_text(criteria["sla"]["details"])
        lines.append(f"| `{name}` | {marks} | {counts} | {p95} |")
    reasons = red_reasons(gate)
    if reasons:
        lines += ["", "### Why red", "", *reasons]
    if gate["partial_reasons"]:
        lines += ["", "### Partial gate", ""]
        lines += [f"- {_cell(reason)}" for reason in gate["partial_reasons"]]
    return _limit("\n".join(lines) + "\n")


def selection_note(gate: dict[str, Any]) -> str:
    """``gated 1 of 3 slices (--lukhas-slice x); not gated: a, b`` as markdown; empty when
    the run gated every slice."""
    return md.text(Selection.from_json(gate.get("selection")).note())


def red_reasons(gate: dict[str, Any]) -> list[str]:
    """A markdown bullet for every red verdict of the slices and the repository checks."""
    names = short_names([s["name"] for s in gate["slices"]])
    reasons = [
        _reason(name, row["criteria"][c.value])
        for row, name in zip(gate["slices"], names, strict=True)
        for c in Criterion
        if row["criteria"][c.value]["status"] != "pass"
    ]
    reasons += [
        _reason("repo", check) for check in gate["repo_checks"] if check["status"] != "pass"
    ]
    return reasons


def _reason(owner: str, verdict: dict[str, Any]) -> str:
    reason = verdict["reason"] or verdict["status"].replace("_", " ")
    where = f" — `{verdict['where']}`" if verdict.get("where") else ""
    return f"- **{owner} · {verdict['criterion']}**: {_cell(reason)}{where}"


def _limit(text: str) -> str:
    data = text.encode("utf-8")
    if len(data) <= MAX_BYTES:
        return text
    room = MAX_BYTES - len(_TRUNCATED.encode("utf-8"))
    return data[:room].decode("utf-8", errors="ignore") + _TRUNCATED
