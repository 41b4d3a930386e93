"""An SLA test's latency distribution as an inline SVG: the empirical CDF of its samples on
a log time axis, with each budgeted quantile's budget line, estimate and confidence bounds.

An ECDF rather than a histogram: the p95 is where the curve crosses 0.95, so the reader sees
the estimate, its bounds and the budget on one axis without choosing bins.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape
from typing import Any

WIDTH, HEIGHT = 480, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 36
_QUANTILE = {"p50": 0.50, "p95": 0.95, "p99": 0.99}


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def _ticks(low: float, high: float) -> list[float]:
    """1-2-5 steps per decade when the axis spans few decades, else decades only."""
    steps = (1, 2, 5) if math.log10(high / low) < 3 else (1,)
    ticks = []
    for exponent in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        ticks += [s * 10.0**exponent for s in steps if low <= s * 10.0**exponent <= high]
    return ticks


def thin(values: Sequence[float], points: int) -> list[tuple[float, float]]:
    """(value, cumulative fraction) steps of the sorted ``values``, at most ``points`` of them."""
    ordered = sorted(values)
    n = len(ordered)
    if n <= points:
        picks = range(n)
    else:
        picks = sorted({round(j * (n - 1) / (points - 1)) for j in range(points)})
    return [(ordered[i], (i + 1) / n) for i in picks]


def render(samples_ms: Sequence[float], checks: Sequence[dict[str, Any]], points: int = 600) -> str:
    """The chart, or an empty string when there is nothing to draw."""
    positive = [v for v in samples_ms if v > 0]
    if not positive or points <= 0:
        return ""
    marks = [v for c in checks for k in ("budget_ms", "lower_ms", "upper_ms", "estimate_ms")
             if isinstance(v := c.get(k), int | float) and v > 0]  # fmt: skip
    low = min([*positive, *marks]) / 1.5
    high = max([*positive, *marks]) * 1.5
    span = math.log10(high / low)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(value: float) -> float:
        return LEFT + math.log10(max(value, low) / low) / span * plot_w

    def y(fraction: float) -> float:
        return TOP + (1 - fraction) * plot_h

    parts = [
        f'<svg class="ecdf" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        'aria-label="latency distribution">',
        f'<rect class="plot" x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}"/>',
    ]
    for tick in _ticks(low, high):
        parts.append(
            f'<line class="grid" x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{TOP}" '
            f'y2="{TOP + plot_h}"/><text class="tick" x="{x(tick):.1f}" y="{TOP + plot_h + 14}" '
            f'text-anchor="middle">{_fmt(tick)}</text>'
        )
    for fraction in (0.0, 0.5, 0.95):
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(fraction):.1f}" '
            f'y2="{y(fraction):.1f}"/><text class="tick" x="{LEFT - 4}" y="{y(fraction) + 4:.1f}" '
            f'text-anchor="end">{fraction:g}</text>'
        )
    parts.append(
        f'<text class="axis" x="{LEFT + plot_w / 2}" y="{HEIGHT - 4}" '
        'text-anchor="middle">latency per call, ms (log scale)</text>'
    )
    for check in checks:
        parts += _check(check, x, y, plot_h)
    steps = thin(positive, points)
    path = [f"M{x(steps[0][0]):.1f} {y(0):.1f}"]
    path += [f"H{x(value):.1f}V{y(fraction):.1f}" for value, fraction in steps]
    parts.append(f'<path class="curve" d="{"".join(path)}"/>')
    parts.append("</svg>")
    return "".join(parts)


Scale = Callable[[float], float]


def _check(check: dict[str, Any], x: Scale, y: Scale, plot_h: float) -> list[str]:
    name = escape(str(check.get("quantile", "")))
    out = []
    lower, upper, budget = check.get("lower_ms"), check.get("upper_ms"), check.get("budget_ms")
    if isinstance(lower, int | float) and isinstance(upper, int | float) and upper >= lower > 0:
        out.append(
            f'<rect class="band" x="{x(lower):.1f}" y="{TOP}" '
            f'width="{max(x(upper) - x(lower), 1.5):.1f}" height="{plot_h}">'
            f"<title>{name} confidence bounds {_fmt(lower)} to {_fmt(upper)} ms</title></rect>"
        )
    fraction = _QUANTILE.get(str(check.get("quantile")))
    if fraction is not None:
        out.append(
            f'<line class="level" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(fraction):.1f}" '
            f'y2="{y(fraction):.1f}"/>'
        )
    estimate = check.get("estimate_ms")
    if isinstance(estimate, int | float) and estimate > 0:
        out.append(
            f'<line class="estimate" x1="{x(estimate):.1f}" x2="{x(estimate):.1f}" y1="{TOP}" '
            f'y2="{TOP + plot_h}"><title>{name} {_fmt(estimate)} ms</title></line>'
        )
    if isinstance(budget, int | float) and budget > 0:
        out.append(
            f'<line class="budget" x1="{x(budget):.1f}" x2="{x(budget):.1f}" y1="{TOP}" '
            f'y2="{TOP + plot_h}"/><text class="budget-label" x="{x(budget) - 3:.1f}" '
            f'y="{TOP + 11 + (12 if name == "p99" else 0)}" text-anchor="end">'
            f"{name} budget {_fmt(budget)} ms</text>"
        )
    return out
