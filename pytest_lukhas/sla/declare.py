"""Which tests are SLA tests, which slice holds each, and what each declares."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from ..lanes import load_lanes
from ..manifests import Slice, discover_slices
from ..problems import ConfigError
from .results import Declaration
from .settings import SlaSettings
from .spec import MARKER, resolve

FIXTURE = "sla_benchmark"


def is_sla_test(item: pytest.Item) -> bool:
    """Marked ``@pytest.mark.sla`` or using the ``sla_benchmark`` fixture."""
    return item.get_closest_marker(MARKER) is not None or FIXTURE in getattr(
        item, "fixturenames", ()
    )


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


def declare(item: pytest.Item, slices: Sequence[Slice], settings: SlaSettings) -> Declaration:
    """What an SLA test declares: its slice, and its spec or the problems with it."""
    path, line0, _ = item.location
    relpath = Path(path).as_posix()
    line = None if line0 is None else line0 + 1
    slice_ = slice_holding(relpath, slices)
    folder = slice_.relpath if slice_ else None
    where = relpath if line is None else f"{relpath}:{line}"
    marker = item.get_closest_marker(MARKER)
    args, kwargs = (marker.args, dict(marker.kwargs)) if marker else ((), {})
    try:
        spec = resolve(args, kwargs, slice_, settings, file=relpath, line=line)
    except ConfigError as exc:
        return Declaration(item.nodeid, folder, where, None, _text(exc))
    if FIXTURE not in getattr(item, "fixturenames", ()):
        problem = (
            f"marked @pytest.mark.{MARKER} but does not use the {FIXTURE} fixture, so nothing "
            f"is measured (fix: add the {FIXTURE} argument and call {FIXTURE}(function, *args))"
        )
        return Declaration(item.nodeid, folder, where, spec, problem)
    return Declaration(item.nodeid, folder, where, spec)


def _text(error: ConfigError) -> str:
    """One line per problem, without the location (the declaration keeps that)."""
    return "\n".join(p.message + (f" (fix: {p.hint})" if p.hint else "") for p in error.problems)
