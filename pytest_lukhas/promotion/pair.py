"""The two lanes of a promotion, found by role: the accepted lane and the lane promoted
into it; where a path of one lands in the other, and whether it is already there."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..boundaries.resolve import dotted_name, import_roots
from ..lanes import Lane, LaneConfig
from ..problems import ConfigError, Problem

TEST_DIRS = frozenset({"tests", "test"})


@dataclass(frozen=True)
class LanePair:
    config: LaneConfig
    source: Lane  # the lane promoted from
    target: Lane  # the accepted lane
    roots: tuple[str, ...]  # the import roots dotted names are counted from

    @classmethod
    def of(
        cls, config: LaneConfig, source: str | None = None, extra_roots: tuple[str, ...] = ()
    ) -> LanePair:
        """Raises :class:`ConfigError` when no lane, or more than one, is promoted into the
        accepted lane (and ``source`` does not name one of them)."""
        display = config.relpath(config.path)
        accepted = config.accepted
        sources = config.promotion_sources()
        if source is not None:
            chosen = [lane for lane in sources if lane.name == source]
            if not chosen:
                names = ", ".join(lane.name for lane in sources) or "none"
                message = (
                    f"lane {source!r} is not promoted into {accepted.name!r} "
                    f"(lanes promoted into it: {names})"
                )
                hint = f"give 'promotion: {{to: {accepted.name}}}' to the lane promoted from"
                raise ConfigError([Problem(display, message, line=accepted.line, hint=hint)])
            sources = chosen
        if len(sources) != 1:
            found = ", ".join(lane.name for lane in sources)
            message = (
                f"no lane is promoted into the accepted lane {accepted.name!r}"
                if not sources
                else f"{len(sources)} lanes are promoted into {accepted.name!r} ({found})"
            )
            hint = (
                f"add 'promotion: {{from: LANE}}' to lane {accepted.name!r}, or "
                f"'promotion: {{to: {accepted.name}}}' to the lane promoted from"
                if not sources
                else "choose one with --from LANE"
            )
            raise ConfigError([Problem(display, message, line=accepted.line, hint=hint)])
        return cls(config, sources[0], accepted, import_roots(config, extra_roots))

    @property
    def repo(self) -> Path:
        return self.config.repo_root

    def mirror(self, path: str) -> str:
        """Where ``path`` of the source lane lands in the accepted lane."""
        return _join(self.target.root, _below(path, self.source.root))

    def origin(self, path: str) -> str:
        """Where ``path`` of the accepted lane came from in the source lane."""
        return _join(self.source.root, _below(path, self.target.root))

    def in_source(self, path: str) -> bool:
        return self.config.lane_of(path) is self.source

    def dotted(self, path: str) -> str:
        return dotted_name(path, self.roots)

    def is_lane_package(self, path: str) -> bool:
        """The source lane's own root package: it belongs to the lane, never promoted."""
        return path in (self.source.root, _join(self.source.root, "__init__.py"))

    def is_promoted(self, path: str) -> bool:
        """Whether ``path`` (a source-lane file or package) has its copy in the accepted
        lane. A package's ``__init__.py`` counts only with the modules beside it: parallel
        package trees in both lanes are not promotions, and an empty ``__init__.py`` made
        for a promoted submodule is not the copy of a non-empty one."""
        if self.is_lane_package(path):
            return False
        copy = self.repo / self.mirror(path)
        if not copy.exists():
            return False
        if path == "__init__.py" or path.endswith("/__init__.py"):
            if _read(self.repo / path).strip() and not _read(copy).strip():
                return False
            folder = path.rpartition("/")[0]
            siblings = (self.repo / folder).glob("*.py")
            return all((self.repo / self.mirror(f"{folder}/{s.name}")).exists() for s in siblings)
        return True


def is_test_file(relpath: str) -> bool:
    """A test module (pytest's default names) or conftest, or any file in a tests folder."""
    *dirs, name = relpath.split("/")
    if any(d in TEST_DIRS for d in dirs):
        return True
    return name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py")


def _below(path: str, root: str) -> str:
    """``path`` relative to directory ``root`` (which holds it)."""
    if path == root:
        return ""
    return path[len(root) + 1 :] if root else path


def _join(root: str, rest: str) -> str:
    return "/".join(p for p in (root, rest) if p)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""
