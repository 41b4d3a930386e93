"""The terminal table: one row per slice, one column per criterion, reasons below."""

from __future__ import annotations

from .verdicts import Criterion, GateResult, Status, Verdict

WIDTH = 100
_MARK = {Status.PASS: "pass", Status.FAIL: "FAIL", Status.NOT_IMPLEMENTED: "n/i"}
_HEADERS = {
    Criterion.LANE: "lane",
    Criterion.IMPORTS: "imports",
    Criterion.MATRIZ: "matriz",
    Criterion.TESTS: "tests",
    Criterion.SLA: "sla",
    Criterion.DRY_RUN: "dry-run",
}
_CELL = 8


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "~"


def render(result: GateResult, width: int = WIDTH) -> list[str]:
    """Lines of the gate table, none wider than ``width``."""
    name_width = max(12, width - _CELL * len(_HEADERS) - 1)
    header = "slice".ljust(name_width) + " " + "".join(h.ljust(_CELL) for h in _HEADERS.values())
    lines = [header.rstrip(), "-" * min(width, len(header.rstrip()))]
    reasons: list[str] = []
    for row in result.slices:
        cells = "".join(_MARK[row.get(c).status].ljust(_CELL) for c in _HEADERS)
        lines.append((_fit(row.slice.name, name_width).ljust(name_width) + " " + cells).rstrip())
        for verdict in row.verdicts:
            if verdict.status is Status.FAIL:
                reasons += _reason_lines(row.slice.short_name, verdict, width)
    not_implemented = sorted(
        {
            v.criterion
            for row in result.slices
            for v in row.verdicts
            if v.status is Status.NOT_IMPLEMENTED
        }
    )
    lines += reasons
    if not_implemented:
        lines.append(
            _fit(f"n/i: not implemented, counted red: {', '.join(not_implemented)}", width)
        )
    for verdict in result.repo_checks:
        if not verdict.green:
            lines += _reason_lines("repo", verdict, width)
    lines += [_fit(f"partial gate: {reason}", width) for reason in result.partial_reasons]
    verdict = "GREEN: every slice meets all six criteria" if result.green else "RED"
    lines.append(f"lukhas gate: {verdict}")
    return lines


def _reason_lines(owner: str, verdict: Verdict, width: int) -> list[str]:
    """One line saying why, and one saying where to look when the verdict knows."""
    lines = [_fit(f"  {owner} {verdict.criterion}: {verdict.reason}", width)]
    if verdict.where:
        lines.append(_fit(f"      at {verdict.where}", width))
    return lines
