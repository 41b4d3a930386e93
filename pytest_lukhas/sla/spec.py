"""Where a test's latency budget and sampling plan come from.

``@pytest.mark.sla(...)`` values win, field by field; a budget the marker leaves out comes
from the manifest of the slice holding the test (``slas.p95_ms``, ``slas.p99_ms``).
A test with no budget from either is an error, and so is every value that cannot work.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any

from ..manifests import MANIFEST_NAME, Slice
from ..problems import ConfigError, Problem
from .order_stats import minimum_samples
from .settings import SlaSettings, alpha_problem
from .verdict import BUDGETED, LOOKS, QUANTILES, Budget

MARKER = "sla"
MARKER_ARGS = ("p95_ms", "p99_ms", "samples", "alpha", "warmup", "blocks")
MIN_BLOCKS, DEFAULT_BLOCKS = 3, 4
DEFAULT_WARMUP = 5  # untimed calls before each block


@dataclass(frozen=True)
class SlaSpec:
    budgets: tuple[Budget, ...]  # what the samples are judged against: declared * factor
    declared: tuple[Budget, ...]  # as written in the marker or manifest
    sources: tuple[tuple[str, str], ...]  # ("p95", "marker" or the manifest's path)
    samples: int  # samples at the first look; the extension takes as many again
    alpha: float
    warmup: int
    blocks: int
    factor: float = 1.0

    def to_json(self) -> dict[str, Any]:
        return {
            "budgets_ms": {b.name: b.ms for b in self.budgets},
            "declared_ms": {b.name: b.ms for b in self.declared},
            "sources": dict(self.sources),
            "factor": self.factor,
            "samples": self.samples,
            "alpha": self.alpha,
            "warmup": self.warmup,
            "blocks": self.blocks,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SlaSpec:
        return cls(
            budgets=tuple(Budget(k, v) for k, v in data["budgets_ms"].items()),
            declared=tuple(Budget(k, v) for k, v in data["declared_ms"].items()),
            sources=tuple(data["sources"].items()),
            samples=data["samples"],
            alpha=data["alpha"],
            warmup=data["warmup"],
            blocks=data["blocks"],
            factor=data["factor"],
        )


def resolve(
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    slice_: Slice | None,
    settings: SlaSettings,
    *,
    file: str,
    line: int | None,
) -> SlaSpec:
    """The spec of one SLA test at ``file:line``; raise :class:`ConfigError` when unusable."""
    problems: list[tuple[str, str]] = []  # (what is wrong, how to fix it)
    if args:
        problems.append(
            (
                f"@pytest.mark.{MARKER} takes keyword arguments only, found {args!r}",
                f"write @pytest.mark.{MARKER}(p95_ms=50)",
            )
        )
    for key in kwargs:
        if key not in MARKER_ARGS:
            close = difflib.get_close_matches(key, MARKER_ARGS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"use {', '.join(MARKER_ARGS)}"
            problems.append((f"@pytest.mark.{MARKER} has no argument {key!r}", hint))
    declared, sources = _budgets(kwargs, slice_, problems)
    alpha = kwargs.get("alpha", settings.alpha)
    why = alpha_problem(alpha, "alpha")
    if why:
        problems.append((why, "write e.g. alpha=0.05"))
    blocks = _whole(kwargs, "blocks", DEFAULT_BLOCKS, MIN_BLOCKS, problems)
    warmup = _whole(kwargs, "warmup", DEFAULT_WARMUP, 0, problems)
    samples = settings.samples
    if declared and not why:
        samples = _samples(kwargs, declared, alpha, settings.samples, problems)
    if not problems and blocks > samples:
        problems.append((f"blocks={blocks} is more than samples={samples}", "use fewer blocks"))
    if problems:
        raise ConfigError(Problem(file, what, line=line, hint=fix) for what, fix in problems)
    factor = settings.factor
    return SlaSpec(
        budgets=tuple(Budget(b.name, b.ms * factor) for b in declared),
        declared=tuple(declared),
        sources=tuple(sources),
        samples=samples,
        alpha=alpha,
        warmup=warmup,
        blocks=blocks,
        factor=factor,
    )


def _budgets(
    kwargs: dict[str, Any], slice_: Slice | None, problems: list[tuple[str, str]]
) -> tuple[list[Budget], list[tuple[str, str]]]:
    manifest = slice_.manifest if slice_ else None
    declared, sources = [], []
    for name in BUDGETED:
        key = f"{name}_ms"
        value = kwargs.get(key)
        if value is not None:
            if not _positive_number(value):
                problems.append(
                    (
                        f"{key} must be a number of milliseconds greater than 0, found {value!r}",
                        f"write e.g. {key}=50",
                    )
                )
                continue
            declared.append(Budget(name, float(value)))
            sources.append((name, "marker"))
        elif manifest is not None and getattr(manifest, key) is not None:
            declared.append(Budget(name, getattr(manifest, key)))
            sources.append((name, f"{slice_.relpath}/{MANIFEST_NAME}"))  # type: ignore[union-attr]
    if declared or any(f"{name}_ms" in kwargs for name in BUDGETED):
        return declared, sources
    if slice_ is not None and manifest is None:
        where = (
            f"the manifest {slice_.relpath}/{MANIFEST_NAME} does not load (see its lane verdict)"
        )
    elif slice_ is None:
        where = "the test is not inside a slice folder with a manifest"
    else:
        where = "its manifest has no slas"
    problems.append(
        (
            f"no latency budget: @pytest.mark.{MARKER} names no p95_ms or p99_ms, and {where}",
            f"add @pytest.mark.{MARKER}(p95_ms=...) or put the test inside the slice folder",
        )
    )
    return declared, sources


def _samples(
    kwargs: dict[str, Any],
    budgets: list[Budget],
    alpha: float,
    default: int,
    problems: list[tuple[str, str]],
) -> int:
    if "samples" not in kwargs:
        # Enough for the first look (alpha / LOOKS) to reach any verdict.
        return max([default] + [minimum_samples(b.quantile, alpha / LOOKS) for b in budgets])
    samples = kwargs["samples"]
    if not isinstance(samples, int) or isinstance(samples, bool):
        problems.append((f"samples must be a whole number, found {samples!r}", "write samples=200"))
        return default
    needed = max(budgets, key=lambda b: minimum_samples(b.quantile, alpha))
    least = minimum_samples(needed.quantile, alpha)
    if samples < least:
        q = QUANTILES[needed.name]
        problems.append(
            (
                f"samples={samples} is too few: a one-sided {(1 - alpha) * 100:g}% upper bound "
                f"of the {needed.name} needs at least {least} samples ({q}^{least} <= {alpha})",
                f"use samples={least} or more, or leave samples out (default {default})",
            )
        )
    return samples


def _whole(
    kwargs: dict[str, Any], key: str, default: int, least: int, problems: list[tuple[str, str]]
) -> int:
    value = kwargs.get(key, default)
    if isinstance(value, int) and not isinstance(value, bool) and value >= least:
        return value
    problems.append(
        (
            f"{key} must be a whole number of at least {least}, found {value!r}",
            f"write {key}={default}",
        )
    )
    return default


def _positive_number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )
