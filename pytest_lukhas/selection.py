"""Which slices a run gates, and which command-line options make it a partial gate."""

from __future__ import annotations

import pytest

from .manifests import Slice
from .problems import ConfigError, Problem

# pytest options that run fewer tests than the suite has: (option dest, how a user wrote it)
_NARROWING = (
    ("keyword", "-k"),
    ("markexpr", "-m"),
    ("deselect", "--deselect"),
    ("lf", "--lf"),
    ("stepwise", "--sw"),
    ("exitfirst", "-x"),
    ("maxfail", "--maxfail"),
)


def narrowing_options(config: pytest.Config) -> tuple[str, ...]:
    """The options given that can leave slice tests unrun (each makes a partial gate)."""
    given = []
    for dest, flag in _NARROWING:
        value = getattr(config.option, dest, None)
        if value:
            given.append(flag)
    return tuple(given)


def select_slices(slices: list[Slice], wanted: list[str]) -> list[Slice]:
    """Slices named by ``--lukhas-slice`` (module, path or last name); all when none named."""
    if not wanted:
        return slices
    chosen: list[Slice] = []
    for name in wanted:
        key = name.strip().rstrip("/")
        matches = [s for s in slices if key in (s.name, s.relpath, s.short_name)]
        if len(matches) != 1:
            known = ", ".join(s.name for s in slices) or "none"
            why = "matches no slice" if not matches else "matches several slices"
            raise ConfigError(
                [Problem("--lukhas-slice", f"{name!r} {why}", hint=f"use one of: {known}")]
            )
        if matches[0] not in chosen:
            chosen.append(matches[0])
    return chosen
