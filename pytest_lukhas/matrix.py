"""``@pytest.mark.feature_matrix``: the flag states a test runs under, and their ids.

``each`` (the default) runs all flags off, then each flag on alone; ``all`` runs the full
product (at most :data:`MAX_COMBINATIONS`); ``pairwise`` runs a covering array in which
every pair of values of every pair of flags appears in some run.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass

MODES = ("each", "all", "pairwise")
MAX_COMBINATIONS = 64
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

FlagStates = dict[str, bool]


class MatrixError(ValueError):
    """The marker's arguments cannot describe a matrix; the message says how to fix them."""


@dataclass(frozen=True)
class Matrix:
    flags: tuple[str, ...]
    mode: str = "each"

    def states(self) -> list[FlagStates]:
        """One mapping flag -> on per run, in the marker's flag order."""
        n = len(self.flags)
        if self.mode == "each":
            rows = [tuple(i == j for j in range(n)) for i in range(-1, n)]
        elif self.mode == "all":
            rows = list(itertools.product((False, True), repeat=n))
        else:
            rows = pairwise(n)
        return [dict(zip(self.flags, row, strict=True)) for row in rows]


def parse_marker(args: tuple[object, ...], kwargs: Mapping[str, object]) -> Matrix:
    """The matrix ``feature_matrix(*args, **kwargs)`` asks for; raises :class:`MatrixError`."""
    usage = 'write @pytest.mark.feature_matrix("FEATURE_A", "FEATURE_B", mode="each")'
    unknown = sorted(set(kwargs) - {"mode"})
    if unknown:
        raise MatrixError(f"unknown argument(s) {', '.join(unknown)}; {usage}")
    mode = kwargs.get("mode", "each")
    if mode not in MODES:
        raise MatrixError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if not args:
        raise MatrixError(f"no flags given; {usage}")
    for flag in args:
        if not isinstance(flag, str) or not _NAME.match(flag):
            raise MatrixError(
                f"flags must be environment variable names given as strings, got {flag!r}; {usage}"
            )
    flags: tuple[str, ...] = args  # type: ignore[assignment]  # checked just above
    duplicates = sorted({f for f in flags if flags.count(f) > 1})
    if duplicates:
        raise MatrixError(f"flag(s) named twice: {', '.join(duplicates)}")
    if mode == "all" and 2 ** len(flags) > MAX_COMBINATIONS:
        raise MatrixError(
            f"mode='all' over {len(flags)} flags is {2 ** len(flags)} runs, more than "
            f"{MAX_COMBINATIONS}; use mode='pairwise' (every pair of flag values still meets)"
        )
    return Matrix(flags, mode)  # type: ignore[arg-type]


def state_id(states: Mapping[str, bool]) -> str:
    """``FEATURE_A=on-FEATURE_B=off``: the test id part of one run."""
    return "-".join(f"{flag}={'on' if on else 'off'}" for flag, on in states.items())


def pairwise(n: int) -> list[tuple[bool, ...]]:
    """Rows of n booleans in which every pair of columns shows all four value pairs.

    IPOG (Lei et al., 2007): start from the full product of two columns, then add one
    column at a time, first giving existing rows the value that covers most missing pairs,
    then adding rows for the pairs still missing. Unused cells end up off. For ten flags
    this gives far fewer rows than the 1024 of the full product.
    """
    if n < 2:
        return [(False,) * n, (True,) * n] if n else [()]
    rows: list[list[bool | None]] = [
        list(pair) for pair in itertools.product((False, True), repeat=2)
    ]
    for column in range(2, n):
        missing = {
            (other, a, b) for other in range(column) for a in (False, True) for b in (False, True)
        }
        for row in rows:  # horizontal growth
            value = max((False, True), key=lambda v, row=row: _newly_covered(row, v, missing))
            row.append(value)
            missing -= {(j, row[j], value) for j in range(column)}
        for other, a, b in sorted(missing):  # vertical growth
            row = next((r for r in rows if r[column] == b and r[other] is None), None)
            if row is None:
                row = [None] * (column + 1)
                row[column] = b
                rows.append(row)
            row[other] = a
    return list(dict.fromkeys(tuple(bool(v) for v in row) for row in rows))


def _newly_covered(row: list[bool | None], value: bool, missing: set) -> int:
    return sum((j, row[j], value) in missing for j in range(len(row)))
