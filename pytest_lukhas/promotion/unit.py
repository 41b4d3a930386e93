"""What one promotion moves: a module or a package of the lane promoted from."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..problems import ConfigError, Problem
from .pair import LanePair

_SKIP_DIRS = frozenset({"__pycache__"})


@dataclass(frozen=True)
class Unit:
    path: str  # repo-relative, no trailing slash
    package: bool
    files: tuple[str, ...]  # every file to copy, repo-relative, sorted

    @property
    def python(self) -> tuple[str, ...]:
        return tuple(f for f in self.files if f.endswith(".py"))

    @property
    def display(self) -> str:
        return self.path + "/" if self.package else self.path

    def holds(self, path: str) -> bool:
        return path == self.path or path.startswith(self.path + "/")


def find_unit(pair: LanePair, given: str, cwd: Path) -> Unit:
    """The module or package ``given`` names (relative to the repository root, or to
    ``cwd``); raises :class:`ConfigError` when it is not one of the source lane's."""
    repo = pair.repo.resolve()
    path = _locate(given, repo, cwd)
    source = pair.source
    where = f"{source.root}/" if source.root else "the repository"

    def fail(message: str, hint: str) -> ConfigError:
        return ConfigError([Problem(given, message, hint=hint)])

    if path is None:
        raise fail("no such module or package", f"give a path under {where}")
    relpath = path.relative_to(repo).as_posix()
    lane = pair.config.lane_of(relpath)
    if lane is not source:
        found = f"in lane {lane.name!r}" if lane else "in no lane"
        raise fail(
            f"{found}, not in lane {source.name!r}, the lane promoted into {pair.target.name!r}",
            f"give a module or package under {where}",
        )
    if relpath == source.root:
        raise fail("is the whole lane", "promote one module or package at a time")
    if path.is_file():
        if not relpath.endswith(".py"):
            raise fail("is not a Python module", "give a .py file or a package directory")
        return Unit(relpath, False, (relpath,))
    files = tuple(sorted(_files(path, repo, pair)))
    if not any(f.endswith(".py") for f in files):
        raise fail("holds no Python module", "give a package directory or a .py file")
    return Unit(relpath, True, files)


def _locate(given: str, repo: Path, cwd: Path) -> Path | None:
    for base in (repo, cwd):
        path = (base / given).resolve()
        if path.exists() and (path == repo or repo in path.parents):
            return path
    return None


def _files(directory: Path, repo: Path, pair: LanePair) -> list[str]:
    found = []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".")]
        for name in filenames:
            if name.startswith(".") or name.endswith((".pyc", ".pyo")):
                continue
            relpath = (Path(dirpath) / name).relative_to(repo).as_posix()
            if pair.in_source(relpath):  # not a lane nested inside the package
                found.append(relpath)
    return found
