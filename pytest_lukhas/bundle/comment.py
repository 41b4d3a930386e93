"""The one PR comment a gate run leaves: checklist, test counts, p95 against budget, links.

Made from bundles only (one per Python of the CI matrix), so it says what the uploaded
artifacts say. It starts with :data:`MARKER`, by which a later push finds and updates it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..report import counts_text, short_names
from . import checklist, compare, md

MARKER = "<!-- lukhas-gate -->"
MAX_CHARS = 65_000  # GitHub refuses comment bodies over 65,536 characters
MAX_REASONS = 8  # per checklist item; the rest is in the bundle
_MARK = {True: "✅", False: "❌"}


@dataclass(frozen=True)
class PrBundle:
    """One bundle of the PR's run, and what is known about it from outside."""

    gate: dict[str, Any]
    artifact_name: str | None = None
    artifact_url: str | None = None
    problems: tuple[str, ...] = ()  # what `lukhas-gate verify` found
    base: dict[str, Any] | None = None  # the base branch's gate.json for the same Python

    @property
    def label(self) -> str:
        return str((self.gate.get("machine") or {}).get("python") or "?")


@dataclass(frozen=True)
class Run:
    """The CI run and pull request the comment speaks for (all optional outside CI)."""

    head_sha: str | None = None
    conclusion: str | None = None
    url: str | None = None
    base_ref: str | None = None


def python_key(gate: dict[str, Any]) -> str:
    """``3.11`` from ``CPython 3.11.7``: which base bundle a PR bundle compares with."""
    found = re.search(r"\d+\.\d+", str((gate.get("machine") or {}).get("python", "")))
    return found.group(0) if found else ""


def render(bundles: list[PrBundle], run: Run | None = None) -> str:
    run = run or Run()
    if not bundles:
        raise ValueError("a comment needs at least one bundle")
    outcomes = checklist.merge(
        [
            (
                b.label,
                checklist.evaluate(
                    b.gate,
                    checklist.RunContext(b.artifact_url, run.head_sha, run.conclusion, b.problems),
                ),
            )
            for b in bundles
        ]
    )
    config = bundles[0].gate.get("config") or {}
    head = [MARKER, *_heading(bundles, run, outcomes[0].ok), ""]
    body = [
        "### Promotion checklist",
        "",
        *(_checklist_lines(o, config) for o in outcomes),
        "",
        *_numbers(bundles),
        "",
        *_artifacts(bundles),
    ]
    compared = _comparisons(bundles, run)
    text = "\n".join([*head, *body, *compared]).rstrip() + "\n"
    if len(text) > MAX_CHARS:  # the full comparison goes first; it is in `lukhas-gate compare`
        text = "\n".join([*head, *body, *_comparisons(bundles, run, full=False)]).rstrip() + "\n"
    if len(text) > MAX_CHARS:
        note = "\n\n_… cut short: the full report is in the bundle._\n"
        text = text[: MAX_CHARS - len(note)] + note
    return text


def _heading(bundles: list[PrBundle], run: Run, gate_ok: bool) -> list[str]:
    sha = run.head_sha or bundles[0].gate["commit"]["sha"]
    verdict = "✅ GREEN" if gate_ok else "❌ RED"
    per_python = " · ".join(
        f"{md.text(b.label)} {_MARK[bool(b.gate.get('green'))]} "
        f"{b.gate['tests']['passed']}/{b.gate['tests']['total']} tests passed"
        for b in bundles
    )
    run_link = f" · [CI run]({run.url})" if run.url else ""
    return [f"## LUKHAS gate: {verdict} · commit {md.code(sha[:12])}", "", per_python + run_link]


def _checklist_lines(outcome: checklist.Outcome, config: dict[str, Any]) -> str:
    text = checklist.item_text(outcome.item, config)
    if outcome.ok:
        return f"- [x] ✅ {text}"
    shown = outcome.reasons[:MAX_REASONS]
    more = len(outcome.reasons) - len(shown)
    lines = [f"- [ ] ❌ {text}", *(f"  - {r}" for r in shown)]
    if more:
        lines.append(f"  - … and {more} more (see summary.md in the bundle)")
    return "\n".join(lines)


def _numbers(bundles: list[PrBundle]) -> list[str]:
    many = len(bundles) > 1
    lines = [
        "### Tests and p95 latency",
        "",
        "| slice |"
        + (" python |" if many else "")
        + " tests passed | p95 [bounds] | budget | within |",
        "|---|" + ("---|" if many else "") + "---|---|---|---|",
    ]
    for bundle in bundles:
        slices = bundle.gate.get("slices") or []
        for row, name in zip(slices, short_names([s["name"] for s in slices]), strict=True):
            criteria = row["criteria"]
            tests = criteria["tests"]["details"]
            sla = criteria["sla"]["details"]
            counts = counts_text(tests) + "".join(
                f", {tests[k]} {k}" for k in ("failed", "skipped", "deselected") if tests.get(k)
            )
            p95 = md.ms(sla.get("p95_ms"))
            if sla.get("p95_lower_ms") is not None:
                p95 += f" [{md.ms(sla['p95_lower_ms'])}, {md.ms(sla.get('p95_upper_ms'))}]"
            python = f" {md.text(bundle.label)} |" if many else ""
            mark = _MARK[criteria["sla"]["status"] == "pass"]
            lines.append(
                f"| {md.code(name)} |{python} {counts} | {p95} | {md.ms(sla.get('budget_ms'))} "
                f"| {mark} |"
            )
    return lines


def _artifacts(bundles: list[PrBundle]) -> list[str]:
    lines = ["### Artifact bundle", ""]
    for bundle in bundles:
        name = md.code(bundle.artifact_name or f"lukhas-gate-{bundle.gate['commit']['sha']}")
        link = f"[{name}]({bundle.artifact_url})" if bundle.artifact_url else f"{name} (not linked)"
        lines.append(f"- {link} · {md.text(bundle.label)}")
    lines += [
        "",
        "Check it with `lukhas-gate verify <folder>`; `report.html` in it draws the latency "
        "distributions and import chains.",
    ]
    return lines


def _comparisons(bundles: list[PrBundle], run: Run, *, full: bool = True) -> list[str]:
    base_name = md.code(run.base_ref) if run.base_ref else "the base branch"
    compared = [b for b in bundles if b.base is not None]
    lines = ["", f"### Compared with {base_name}", ""]
    if not compared:
        return [*lines, f"No bundle of {base_name} to compare with."]
    for bundle in compared:
        assert bundle.base is not None
        result = compare.compare(bundle.base, bundle.gate)
        verdict = (
            f"❌ {len(result.regressions)} regression(s)"
            if result.regressed
            else "✅ no regressions"
        )
        base_sha = md.code(bundle.base["commit"]["sha"][:12])
        lines.append(f"**{md.text(bundle.label)}** against {base_sha}: {verdict}")
        lines += [f"- {md.neutral(r)}" for r in result.regressions]
        lines += [f"- fixed: {md.neutral(r)}" for r in result.improvements]
        if full:
            table = "\n".join(md.neutral(line) for line in result.lines)
            lines += [
                "",
                "<details><summary>Full comparison</summary>",
                "",
                table,
                "",
                "</details>",
            ]
        lines.append("")
    return lines
