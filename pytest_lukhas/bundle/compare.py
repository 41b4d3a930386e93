"""``lukhas-gate compare BASE PR``: what a pull request changes in the gate, as markdown.

A regression is a criterion that was green on the base and is red on the PR, a new import
finding, or a p95 that is worse beyond doubt: the PR's lower confidence bound lies above
the base's upper bound and the estimate grew by more than the tolerance.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..report import short_names
from ..selection import Selection
from ..verdicts import Criterion

P95_TOLERANCE = 0.10  # a p95 must grow by more than this fraction to count as a regression


@dataclass
class Comparison:
    lines: list[str] = field(default_factory=list)
    regressions: list[str] = field(default_factory=list)
    improvements: list[str] = field(default_factory=list)

    @property
    def regressed(self) -> bool:
        return bool(self.regressions)

    def markdown(self) -> str:
        head = "❌ regressions" if self.regressed else "✅ no regressions"
        out = [f"## LUKHAS gate compare: {head}", ""]
        if self.regressions:
            out += ["### Regressions", "", *(f"- {r}" for r in self.regressions), ""]
        if self.improvements:
            out += ["### Fixed", "", *(f"- {r}" for r in self.improvements), ""]
        out += self.lines
        return "\n".join(out).rstrip() + "\n"


def finding_key(finding: dict[str, Any]) -> str:
    """A finding's identity across runs: stable under line shifts when a key is provided."""
    if "key" in finding:
        return str(finding["key"])
    parts = (
        finding.get("kind"),
        finding.get("file"),
        finding.get("target"),
        finding.get("message"),
    )
    return json.dumps(parts)


def _findings(verdict: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {finding_key(f): f for f in verdict.get("details", {}).get("findings", [])}


def _describe(finding: dict[str, Any]) -> str:
    where = finding.get("file", "?") + (f":{finding['line']}" if finding.get("line") else "")
    return f"`{where}` {finding.get('message') or finding.get('kind', 'finding')}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g} ms"


def _p95_row(name: str, base: dict[str, Any], pr: dict[str, Any], result: Comparison) -> str:
    b, p = base.get("p95_ms"), pr.get("p95_ms")
    bounds = f"[{_ms(pr.get('p95_lower_ms'))}, {_ms(pr.get('p95_upper_ms'))}]"
    if b is None or p is None:
        return f"| `{name}` | {_ms(b)} | {_ms(p)} {bounds} | - | {_ms(pr.get('budget_ms'))} |"
    delta = (p - b) / b if b else 0.0
    lower, upper = pr.get("p95_lower_ms"), base.get("p95_upper_ms")
    beyond_doubt = lower is not None and upper is not None and lower > upper
    if beyond_doubt and delta > P95_TOLERANCE:
        result.regressions.append(
            f"`{name}` p95 {_ms(b)} → {_ms(p)} ({delta:+.0%}); PR lower bound {_ms(lower)} "
            f"> base upper bound {_ms(upper)}"
        )
    return (
        f"| `{name}` | {_ms(b)} | {_ms(p)} {bounds} | {delta:+.1%} | {_ms(pr.get('budget_ms'))} |"
    )


def compare(base: dict[str, Any], pr: dict[str, Any]) -> Comparison:
    result = Comparison()
    base_slices = {s["name"]: s for s in base["slices"]}
    pr_slices = {s["name"]: s for s in pr["slices"]}
    names = sorted(base_slices.keys() | pr_slices.keys())
    left_out = Selection.from_json(pr.get("selection"))
    short = dict(zip(names, short_names(names), strict=True))
    result.lines += [
        f"Base `{base['commit']['sha'][:12]}` → PR `{pr['commit']['sha'][:12]}`",
        "",
        "| slice | " + " | ".join(c.value for c in Criterion) + " |",
        "|---|" + "---|" * len(Criterion),
    ]
    p95_rows = []
    for name in names:
        if name not in pr_slices:
            why = (
                f" (left out of the PR's run: {left_out.note()})"
                if name in left_out.unselected
                else ""
            )
            result.regressions.append(f"`{short[name]}` is no longer gated{why}")
            continue
        criteria = pr_slices[name]["criteria"]
        before = base_slices.get(name, {}).get("criteria", {})
        cells = []
        for c in Criterion:
            was = before.get(c.value, {}).get("status", "absent")
            now = criteria[c.value]["status"]
            cells.append(now if was == now else f"{was} → {now}")
            if was == "pass" and now != "pass":
                result.regressions.append(
                    f"`{short[name]}` {c.value}: pass → {now}: {criteria[c.value]['reason']}"
                )
            elif was != "pass" and now == "pass" and name in base_slices:
                result.improvements.append(f"`{short[name]}` {c.value}: {was} → pass")
        result.lines.append(f"| `{short[name]}` | " + " | ".join(cells) + " |")
        base_imports = _findings(before.get("imports", {}))
        pr_imports = _findings(criteria["imports"])
        result.regressions += [
            f"new import finding in `{short[name]}`: {_describe(f)}"
            for key, f in pr_imports.items()
            if key not in base_imports
        ]
        result.improvements += [
            f"fixed import finding in `{short[name]}`: {_describe(f)}"
            for key, f in base_imports.items()
            if key not in pr_imports
        ]
        p95_rows.append(
            _p95_row(short[name], before.get("sla", {}).get("details", {}),
                     criteria["sla"]["details"], result)
        )  # fmt: skip
    result.lines += ["", "| slice | base p95 | PR p95 [bounds] | change | budget |",
                     "|---|---|---|---|---|", *p95_rows]  # fmt: skip
    return result
