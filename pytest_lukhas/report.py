"""The terminal table: one row per slice, one column per criterion, reasons below.

The table's cells are cut to fit; reasons never are: each is one whole line (the
terminal wraps it; a CI log keeps it greppable), so it is read in full.
"""

from __future__ import annotations

from .verdicts import Criterion, GateResult, Status, Verdict

WIDTH = 100
_MARK = {Status.PASS: "pass", Status.FAIL: "FAIL"}
_HEADERS = {
    Criterion.LANE: "lane",
    Criterion.IMPORTS: "imports",
    Criterion.MATRIZ: "matriz",
    Criterion.TESTS: "tests",
    Criterion.SLA: "sla",
    Criterion.DRY_RUN: "dry-run",
}
_CELL = 8
_COUNTS = 8  # "123/123"
_P95 = 14  # "12.3/50 ms"


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "~"


def _number(value: float) -> str:
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


def counts_text(tests_details: dict) -> str:
    """``passed/total`` from the tests criterion's details."""
    details = tests_details
    return f"{details['passed']}/{details['total']}" if "total" in details else "-"


def p95_text(sla_details: dict) -> str:
    """``p95/budget ms`` from the SLA criterion's details."""
    p95, budget = sla_details.get("p95_ms"), sla_details.get("budget_ms")
    if p95 is None or budget is None:
        return "-" if budget is None else f"-/{_number(budget)} ms"
    return f"{_number(p95)}/{_number(budget)} ms"


def short_names(names: list[str]) -> list[str]:
    """Names without the dotted prefix they all share (``lukhas.``), keeping a part each."""
    parts = [n.split(".") for n in names]
    shared = 0
    while parts and all(len(p) > shared + 1 and p[shared] == parts[0][shared] for p in parts):
        shared += 1
    return [".".join(p[shared:]) for p in parts]


def render(result: GateResult, width: int = WIDTH) -> list[str]:
    """Lines of the gate table: its rows no wider than ``width``, reasons in full."""
    name_width = max(12, width - _CELL * len(_HEADERS) - _COUNTS - _P95 - 1)
    columns = "".join(h.ljust(_CELL) for h in _HEADERS.values())
    header = "slice".ljust(name_width) + " " + columns + "passed".ljust(_COUNTS) + "p95/budget"
    selection = result.selection
    scope = selection.note() if selection is not None else ""
    lines = [*([scope] if scope else []), header, "-" * min(width, len(header))]
    reasons: list[str] = []
    names = short_names([row.slice.name for row in result.slices])
    for row, short in zip(result.slices, names, strict=True):
        cells = "".join(_MARK[row.get(c).status].ljust(_CELL) for c in _HEADERS)
        name = _fit(short, name_width).ljust(name_width)
        counts = counts_text(row.get(Criterion.TESTS).details).ljust(_COUNTS)
        p95 = p95_text(row.get(Criterion.SLA).details)
        lines.append(_fit(f"{name} {cells}{counts}{p95}".rstrip(), width))
        for verdict in row.verdicts:
            if verdict.status is Status.FAIL:
                reasons += _reason_lines(row.slice.short_name, verdict)
    lines += reasons
    for verdict in result.repo_checks:
        if not verdict.green:
            lines += _reason_lines("repo", verdict)
    lines += [f"partial gate: {reason}" for reason in result.partial_reasons]
    if result.green and scope:
        lines.append(f"lukhas gate: GREEN for the selected slices only: {scope}")
    elif result.green:
        lines.append("lukhas gate: GREEN: every slice meets all six criteria")
    else:
        lines.append("lukhas gate: RED" + (" (partial gate)" if result.partial_reasons else ""))
    return lines


def _reason_lines(owner: str, verdict: Verdict) -> list[str]:
    """One line saying why, and one saying where to look when the verdict knows."""
    lines = [f"  {owner} {verdict.criterion}: {verdict.reason}"]
    if verdict.where:
        lines.append(f"      at {verdict.where}")
    return lines
