"""Import rules that check nothing: a ``deny_from`` / ``allow_from`` / invariant glob that
matches no file of the repository (most often a typo: ``candidat/**``), and a config with
no import rules at all. Both are warnings at the rule's line in ops/matriz.yaml.

A glob matches "something" when any file or directory of the repository matches it, not
only a Python module: ``quarantine/**`` guarding a lane that holds only a README is meant.
A glob naming a lane root that does not exist is left to the lane's own warning.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

from ..globs import matches, normalize
from ..lanes import LaneConfig
from ..problems import Severity
from ..yaml_source import load_yaml
from . import findings as kinds
from .findings import Finding
from .rules import rules_of
from .scan import SKIP_DIRS

_WILD = frozenset("*?[")


def rule_warnings(config: LaneConfig) -> list[Finding]:
    """One warning per glob that matches nothing, or one saying there are no rules."""
    where = config.relpath(config.path)
    if not rules_of(config):
        line = config.accepted.line
        return [Finding(
            kinds.NO_IMPORT_RULES, Severity.WARNING, None, where, line,
            "no import rules: no lane has import_rules and there are no import invariants, "
            "so the imports criterion checks nothing",
            f"give the accepted lane {config.accepted.name!r} import_rules, e.g. "
            "deny_from: ['<experimental lane root>/**']",
        )]  # fmt: skip
    found = []
    for owner, glob, line in _globs(config):
        if _vacuous(config, glob):
            guess = _suggestion(config.repo_root, glob)
            message = f"{owner}pattern {glob!r} matches no file"
            found.append(Finding(
                kinds.UNMATCHED_GLOB, Severity.WARNING, None, where, line(),
                message + (f"; did you mean {guess!r}?" if guess else ""),
                "correct the pattern to a path of this repository, or remove it if that code "
                "is gone",
            ))  # fmt: skip
    return found


def _globs(config: LaneConfig) -> Iterator[tuple[str, str, Callable[[], int | None]]]:
    """(whose, glob, its line) of every glob of the import rules. A lane keeps only its own
    line, so the file is read again for a glob's, and only when one is asked for."""
    doc = cache(lambda: load_yaml(config.path, config.relpath(config.path)))
    for index, lane in enumerate(config.lanes):
        for key, globs in (("deny_from", lane.deny_from), ("allow_from", lane.allow_from)):
            for sub, glob in enumerate(globs or ()):
                place = ("lanes", index, "import_rules", key, sub)
                yield f"lane {lane.name!r}: {key} ", glob, lambda p=place: doc().line_of(p)
    for invariant in config.invariants:
        for glob in dict.fromkeys((invariant.importer, invariant.imported)):
            yield f"invariant {invariant.rule!r}: ", glob, lambda i=invariant: i.line


def _vacuous(config: LaneConfig, glob: str) -> bool:
    pattern = normalize(glob)
    roots = {lane.root for lane in config.lanes}
    if pattern.removesuffix("/**") in roots:
        return False  # a lane's root: LaneConfig warns when it is missing
    return not _matches_something(config.repo_root, pattern)


def _matches_something(repo: Path, pattern: str) -> bool:
    """Whether a file or directory below the glob's literal directory matches it; stops at
    the first that does."""
    parts = pattern.split("/")
    fixed = []
    for part in parts[:-1]:
        if _WILD & set(part):
            break
        fixed.append(part)
    base = "/".join(fixed)
    if base and not (repo / base).exists():
        return False
    if base and matches(pattern, base):
        return True
    for directory, dirs, files in os.walk(repo / base):
        dirs[:] = [d for d in dirs if _visible(d)]
        relative = Path(directory).relative_to(repo).as_posix()
        prefix = "" if relative == "." else relative + "/"
        if any(matches(pattern, prefix + name) for name in (*dirs, *files)):
            return True
    return False


def _visible(name: str) -> bool:
    """Not a directory the scan leaves out (hidden ones, caches, installed packages)."""
    return name not in SKIP_DIRS and not name.startswith(".")


def _suggestion(repo: Path, glob: str) -> str | None:
    """The glob with its first missing path segment replaced by the closest existing name,
    when that matches something."""
    parts = normalize(glob).split("/")
    directory = repo
    for index, part in enumerate(parts):
        if _WILD & set(part):
            return None
        if (directory / part).exists() and index < len(parts) - 1:
            directory = directory / part
            continue
        try:
            names = [p.name for p in directory.iterdir() if _visible(p.name)]
        except OSError:
            return None
        for close in difflib.get_close_matches(part, names, n=3):
            guess = "/".join([*parts[:index], close, *parts[index + 1 :]])
            if _matches_something(repo, guess):
                return guess
        return None
    return None
