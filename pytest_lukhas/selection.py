"""Which slices a run gates, and which command-line options make it a partial gate."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .manifests import Slice
from .problems import ConfigError, Problem

if TYPE_CHECKING:  # loaded in a pytest run anyway; the console script must start quickly
    import pytest

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


@dataclass(frozen=True)
class Selection:
    """Which slices a run gated, of all the repository has: a run of some slices is never
    reported as the whole repository's verdict."""

    requested: tuple[str, ...] = ()  # the --lukhas-slice values, as given
    selected: tuple[str, ...] = ()  # names of the gated slices
    unselected: tuple[str, ...] = ()  # names of the slices left out

    @classmethod
    def of(cls, every: list[Slice], chosen: list[Slice], requested: list[str]) -> Selection:
        names = [s.name for s in chosen]
        rest = tuple(s.name for s in every if s not in chosen)
        return cls(tuple(requested), tuple(names), rest)

    @property
    def whole(self) -> bool:
        return not self.unselected

    def note(self) -> str:
        """``gated 1 of 3 slices (--lukhas-slice x); not gated: a, b``; empty for all."""
        if self.whole:
            return ""
        asked = " ".join(f"--lukhas-slice {name}" for name in self.requested)
        total = len(self.selected) + len(self.unselected)
        return (
            f"gated {len(self.selected)} of {total} slices ({asked}); "
            f"not gated: {', '.join(self.unselected)}"
        )

    @classmethod
    def from_json(cls, data: object) -> Selection:
        """From gate.json's ``selection``; a bundle without one gated every slice it lists."""
        if not isinstance(data, dict):
            return cls()
        return cls(
            tuple(str(n) for n in data.get("requested") or ()),
            tuple(str(n) for n in data.get("selected_slices") or ()),
            tuple(str(n) for n in data.get("unselected_slices") or ()),
        )

    def to_json(self) -> dict[str, object]:
        return {
            "requested": list(self.requested),
            "selected_slices": list(self.selected),
            "unselected_slices": list(self.unselected),
            "gated": len(self.selected),
            "total": len(self.selected) + len(self.unselected),
        }


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


# --- What the run collected: slice test files left out by paths, --ignore or settings ---


@dataclass(frozen=True)
class Collection:
    """pytest's rules for finding test files in this run, and the options that narrowed it.

    Every file in a slice folder that the rules name a test file must be collected; one
    that is not makes a partial gate, and :meth:`left_out_by` says which option left it out.
    """

    python_files: tuple[str, ...] = ("test_*.py", "*_test.py")
    norecursedirs: tuple[str, ...] = ()
    invocation_dir: Path = Path()
    args: tuple[str, ...] = ()  # the paths pytest started from
    args_source: str = ""  # "path arguments" or "testpaths"; "" for the invocation folder
    ignore: tuple[str, ...] = ()
    ignore_glob: tuple[str, ...] = ()

    @classmethod
    def of(cls, config: pytest.Config) -> Collection:
        import pytest

        source = {
            pytest.Config.ArgsSource.ARGS: "path arguments",
            pytest.Config.ArgsSource.TESTPATHS: "testpaths",
        }.get(config.args_source, "")
        return cls(
            python_files=tuple(config.getini("python_files")),
            norecursedirs=tuple(config.getini("norecursedirs")),
            invocation_dir=config.invocation_params.dir,
            args=tuple(config.args) if source else (),
            args_source=source,
            ignore=tuple(config.getoption("ignore") or ()),
            ignore_glob=tuple(config.getoption("ignore_glob") or ()),
        )

    def test_files(self, folder: Path) -> list[Path]:
        """The files under ``folder`` that pytest's file rules make test files."""
        found = []
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if not self._skipped_dir(Path(dirpath, d)))
            found += [Path(dirpath, f) for f in filenames if self._is_test_file(Path(dirpath, f))]
        return sorted(found)

    def left_out_by(self, path: Path) -> str:
        """What kept ``path`` (absolute) out of the run, as the user would write it."""
        for value in self.ignore:
            ignored = self._absolute(value)
            if path == ignored or ignored in path.parents:
                return f"--ignore={value}"
        for value in self.ignore_glob:
            if fnmatch.fnmatch(str(path), str(self._absolute(value))):
                return f"--ignore-glob={value}"
        if self.args and not any(self._covers(arg, path) for arg in self.args):
            return f"{self.args_source} {' '.join(self.args)}"
        return "collect_ignore, a conftest.py hook or a collection error"

    def _absolute(self, value: str) -> Path:
        # As pytest makes --ignore values absolute: symbolic links left as they are.
        return Path(os.path.abspath(self.invocation_dir / value))  # noqa: PTH100

    def _covers(self, arg: str, path: Path) -> bool:
        target = self._absolute(arg.split("::", 1)[0])
        return path == target or target in path.parents

    def _is_test_file(self, path: Path) -> bool:
        return path.suffix == ".py" and any(_fnmatch_ex(p, path) for p in self.python_files)

    def _skipped_dir(self, path: Path) -> bool:
        if path.name == "__pycache__" or (path / "pyvenv.cfg").is_file():
            return True
        return any(_fnmatch_ex(p, path) for p in self.norecursedirs)


def _fnmatch_ex(pattern: str, path: Path) -> bool:
    """pytest's file-name matching: a pattern without a separator matches the name only."""
    if os.sep not in pattern and "/" not in pattern:
        return fnmatch.fnmatch(path.name, pattern)
    return fnmatch.fnmatch(path.as_posix(), "*/" + pattern.replace(os.sep, "/").lstrip("/"))


def uncollected(
    collection: Collection, slices: list[Slice], repo_root: Path, collected: set[str]
) -> dict[str, str]:
    """Slice test file (repo-relative) -> what left it out, for each one the run missed."""
    missing = {}
    for slice_ in slices:
        for path in collection.test_files(slice_.directory):
            relpath = path.relative_to(repo_root).as_posix()
            if relpath not in collected:
                missing[relpath] = collection.left_out_by(path)
    return missing
