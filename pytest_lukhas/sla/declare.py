"""Which tests are SLA tests, which slice holds each, and what each declares."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..lanes import load_lanes
from ..manifests import Slice, discover_slices
from ..problems import ConfigError
from .results import Declaration
from .settings import SlaSettings
from .spec import MARKER, resolve

FIXTURE = "sla_benchmark"


def load_slices(repo_root: Path, config_path: Path, accepted_lane: str | None) -> list[Slice]:
    """The accepted slices, or none when the lanes config cannot be read (outside a gate a
    repository need not have one; budgets then come from markers only)."""
    try:
        return discover_slices(load_lanes(config_path, repo_root, accepted_lane=accepted_lane))
    except ConfigError:
        return []


def slice_holding(relpath: str, slices: Sequence[Slice]) -> Slice | None:
    """The most specific slice whose folder holds ``relpath``."""
    holding = [s for s in slices if s.holds(relpath)]
    return max(holding, key=lambda s: len(s.relpath)) if holding else None


def declare(
    nodeid: str,
    relpath: str,
    *,
    line: int | None,
    marker: tuple[tuple[Any, ...], dict[str, Any]] | None,
    uses_fixture: bool,
    slices: Sequence[Slice],
    settings: SlaSettings,
) -> Declaration:
    slice_ = slice_holding(relpath, slices)
    folder = slice_.relpath if slice_ else None
    where = relpath if line is None else f"{relpath}:{line}"
    args, kwargs = marker or ((), {})
    try:
        spec = resolve(args, kwargs, slice_, settings, file=relpath, line=line)
    except ConfigError as exc:
        return Declaration(nodeid, folder, where, None, _text(exc))
    if not uses_fixture:
        problem = (
            f"marked @pytest.mark.{MARKER} but does not use the {FIXTURE} fixture, so nothing "
            f"is measured (fix: add the {FIXTURE} argument and call {FIXTURE}(function, *args))"
        )
        return Declaration(nodeid, folder, where, spec, problem)
    return Declaration(nodeid, folder, where, spec)


def _text(error: ConfigError) -> str:
    """One line per problem, without the location (the declaration keeps that)."""
    return "\n".join(p.message + (f" (fix: {p.hint})" if p.hint else "") for p in error.problems)
