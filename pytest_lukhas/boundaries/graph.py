"""The repository's import graph: one node per file (or namespace directory), one edge per
import statement that resolves into the repository, static or not.

Edges keep what the rules need (line, statement, how it imports, pragma). The same graph
is available as a grimp ``ImportGraph`` (nodes named by repo-relative path, each import with
its line number and contents) for grimp's queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

from .dynamic import MODULE
from .parse import GUARDED, IN_TYPE_CHECKING
from .resolve import ALIAS, STATIC, Resolver, dotted_name
from .scan import ScannedFile

if TYPE_CHECKING:
    import grimp

DYNAMIC, TYPE_ONLY = "dynamic", "type-checking"


class Edge(NamedTuple):  # a named tuple: tens of thousands are made per scan
    importer: str
    imported: str
    line: int
    text: str
    via: str  # import, type-checking, dynamic, alias
    pragma: str | None  # the allow-import reason on the statement ("" when none was given)
    guarded: bool = False  # inside try/except ImportError


@dataclass
class ImportGraph:
    files: dict[str, ScannedFile]
    edges: dict[str, dict[str, list[Edge]]] = field(default_factory=dict)
    roots: tuple[str, ...] = ("",)  # the import roots: where module names start

    def name(self, node: str) -> str:
        """The dotted name code imports ``node`` by: ``src/app/x.py`` is ``app.x`` when
        ``src`` is an import root; a package is named by its directory."""
        return dotted_name(node, self.roots)

    def nodes(self) -> set[str]:
        found = set(self.files)
        for importer, targets in self.edges.items():
            found.add(importer)
            found.update(targets)
        return found

    def lives_at(self, node: str) -> str:
        scanned = self.files.get(node)
        return scanned.lives_at if scanned is not None else node

    @cached_property
    def grimp(self) -> grimp.ImportGraph:
        """Built on first use: the rules do not need it, and 60,000 imports cost 0.2 s."""
        import grimp

        graph = grimp.ImportGraph()
        for node in self.files:
            graph.add_module(node)
        for targets in self.edges.values():
            for edges in targets.values():
                for edge in edges:
                    graph.add_import(
                        importer=edge.importer,
                        imported=edge.imported,
                        line_number=edge.line,
                        line_contents=edge.text,
                    )
        return graph


class Builder:
    """Resolves each scanned file's imports as the scan delivers it (so resolving overlaps
    with parsing in worker processes), then the files outside the lane roots that lane
    code imports (``scan_more(relpaths) -> {relpath: ScannedFile}``), so a chain through
    them is not lost."""

    def __init__(
        self,
        resolver: Resolver,
        lane_root_of: Any,
        *,
        count_type_checking: bool = True,
        scan_more: Any = None,
    ) -> None:
        self.graph = ImportGraph({}, roots=resolver.roots)
        self.resolver = resolver
        self.lane_root_of = lane_root_of
        self.count_type_checking = count_type_checking
        self.scan_more = scan_more
        self._added: list[str] = []  # importers whose targets finish() has not seen

    def add(self, scanned: ScannedFile) -> None:
        graph = self.graph
        importer = scanned.relpath
        graph.files[importer] = scanned
        targets = graph.edges.get(importer, {})
        skip = None if self.count_type_checking else TYPE_ONLY
        for edge in edges_of(scanned, self.resolver, self.lane_root_of(importer)):
            if edge.via != skip:
                targets.setdefault(edge.imported, []).append(edge)
        if targets:
            graph.edges[importer] = targets
            self._added.append(importer)

    def finish(self) -> ImportGraph:
        files, edges = self.graph.files, self.graph.edges
        while self.scan_more is not None:
            reached = {t for i in self._added for t in edges[i] if t.endswith(".py")}
            self._added = []
            missing = sorted(reached.difference(files))
            more = self.scan_more(missing) if missing else {}
            if not more:
                break
            for scanned in more.values():
                self.add(scanned)
        return self.graph


def edges_of(scanned: ScannedFile, resolver: Resolver, own_root: str | None) -> Iterable[Edge]:
    """The edges of one scanned file's imports that resolve into the repository."""
    error, imports, dynamic, _changes, pragmas = scanned.parse
    if error is not None:
        return
    importer = scanned.relpath
    reasons = dict(pragmas)
    targets_of = resolver.targets
    for line, end, module, names, level, flags, text in imports:
        via = TYPE_ONLY if flags & IN_TYPE_CHECKING else STATIC
        pragma = _pragma(reasons, line, end) if reasons else None
        guarded = bool(flags & GUARDED)
        for target, how in targets_of(importer, own_root, module, names, level):
            kind = ALIAS if how == ALIAS else via
            yield Edge(importer, target, line, text, kind, pragma, guarded)
    for line, end, _function, kind, target, text in dynamic:
        if target is None:
            continue
        pragma = _pragma(reasons, line, end)
        if kind == MODULE:
            module, _, fromlist = target.partition(":")
            names = tuple(n for n in fromlist.split(",") if n)
            resolved = resolver.targets(importer, own_root, module, names, 0)
            found = [t for t, _how in resolved]
        else:
            found = [resolver.path_target(importer, part) for part in target.split(":")]
        for path in dict.fromkeys(p for p in found if p):
            yield Edge(importer, path, line, text, DYNAMIC, pragma)


def _pragma(reasons: dict[int, str], line: int, end: int) -> str | None:
    """The pragma on any line of the statement, or alone on the line above it."""
    if not reasons:
        return None
    for number in range(line - 1, end + 1):
        if number in reasons:
            return reasons[number]
    return None
