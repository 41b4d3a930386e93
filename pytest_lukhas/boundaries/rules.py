"""ops/matriz.yaml's import rules judged over the import graph, directly and transitively.

Each lane's ``deny_from``/``allow_from`` and each invariant is a :class:`Rule`: a set of
importing files (the sources) and a test for files they must not reach (the forbidden
files). A breadth-first search from all sources at once, which never walks through a
forbidden file, finds every edge that crosses into a forbidden file once, with the
shortest chain that reaches it. A crossing reachable only through another crossing is not
reported: fixing the first removes it.

Semantics of the edge cases:

* a file's lane is the lane whose root most specifically holds the file where it really
  lives (``LaneConfig.lane_of``), whatever dotted name imported it;
* a lane rule applies to its own files; ``allow_from`` judges targets in the repository
  only (the standard library and installed packages are not lanes) and a lane may always
  import its own files;
* an invariant ``A <- B`` applies to files matching A that do not themselves match B: a
  denied area may import itself, so ``archive/** -> **`` does not flag archive importing
  archive; the same holds for a lane whose ``deny_from`` covers part of its own root;
* an import carrying ``# lukhas: allow-import(reason)`` is not reported (a pragma without a
  reason is itself a finding and allows nothing), but chains still pass through it.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cached_property

from ..globs import matches
from ..lanes import Lane, LaneConfig
from ..problems import Severity
from . import findings as kinds
from .findings import Finding, Hop
from .graph import DYNAMIC, TYPE_ONLY, Edge, ImportGraph
from .resolve import ALIAS

_PREFIX_GLOB = re.compile(r"^([^*?\[\]]+)/\*\*$")


@dataclass(frozen=True)
class Rule:
    id: str
    text: str  # how the rule reads in ops/matriz.yaml, with its line
    lane: Lane | None  # the lane whose files it checks (None: an invariant)
    importer_glob: str | None  # invariants: which files it checks
    deny: tuple[str, ...]
    allow: tuple[str, ...] | None


def rules_of(config: LaneConfig) -> list[Rule]:
    """The accepted lane's rule first (its chains are the ones reported), then the other
    lanes', then the invariants."""
    lanes = sorted(config.lanes, key=lambda lane: lane is not config.accepted)
    found = []
    where = config.relpath(config.path)
    for lane in lanes:
        if not lane.deny_from and lane.allow_from is None:
            continue
        text = f"lane {lane.name!r} ({where}:{lane.line})"
        if lane.deny_from:
            text += f": deny_from {', '.join(lane.deny_from)}"
        if lane.allow_from is not None:
            text += f"; allow_from {', '.join(lane.allow_from)}"
        found.append(Rule(f"lane:{lane.name}", text, lane, None, lane.deny_from, lane.allow_from))
    for index, inv in enumerate(config.invariants):
        text = f"invariant {inv.text!r} ({where}:{inv.line}): {inv.rule}"
        found.append(Rule(f"invariant:{index}", text, None, inv.importer, (inv.imported,), None))
    return found


class Matcher:
    """Glob tests, with the common ``dir/**`` form answered by a prefix comparison."""

    def __init__(self) -> None:
        self._cache: dict[str, Callable[[str], bool]] = {}

    def __call__(self, pattern: str, path: str) -> bool:
        test = self._cache.get(pattern)
        if test is None:
            test = self._cache[pattern] = _compile(pattern)
        return test(path)


def _compile(pattern: str) -> Callable[[str], bool]:
    if pattern.strip() == "**":
        return lambda path: True
    match = _PREFIX_GLOB.match(pattern.strip().removeprefix("./"))
    if match is None:
        return lambda path: matches(pattern, path)
    prefix = match.group(1).rstrip("/")
    return lambda path: path == prefix or path.startswith(prefix + "/")


class LaneIndex:
    """``LaneConfig.lane_of`` remembered per directory (lanes are directories)."""

    def __init__(self, config: LaneConfig) -> None:
        self.config = config
        self._by_dir: dict[str, Lane | None] = {}

    def __call__(self, path: str) -> Lane | None:
        directory, _, name = path.rpartition("/")
        if not name.endswith(".py"):
            return self.config.lane_of(path)  # a directory node may itself be a lane root
        if directory not in self._by_dir:
            self._by_dir[directory] = self.config.lane_of(path)
        return self._by_dir[directory]


class Checker:
    """Runs rules over one graph; lanes, forbidden sets and reverse edges are computed once."""

    def __init__(
        self, config: LaneConfig, graph: ImportGraph, lanes: LaneIndex | None = None
    ) -> None:
        self.config = config
        self.graph = graph
        self.lane_index = lanes or LaneIndex(config)
        self.match = Matcher()
        self._lanes: dict[str, Lane | None] = {}
        self._denied: dict[str, dict[str, str]] = {}
        self._importers: dict[str, list[str]] | None = None

    def lane(self, node: str) -> Lane | None:
        if node not in self._lanes:
            self._lanes[node] = self.lane_index(self.graph.lives_at(node))
        return self._lanes[node]

    def _checks(self, rule: Rule, node: str) -> bool:
        if rule.lane is not None:
            return self.lane(node) is rule.lane
        return rule.importer_glob is not None and self.match(
            rule.importer_glob, self.graph.lives_at(node)
        )

    def _forbidden(self, rule: Rule, node: str) -> str | None:
        """Why ``rule`` forbids reaching ``node`` (the glob it matches), or None."""
        place = self.graph.lives_at(node)
        for glob in rule.deny:
            if self.match(glob, place):
                return glob
        if (
            rule.allow is not None
            and self.lane(node) is not rule.lane
            and not any(self.match(glob, place) for glob in rule.allow)
        ):
            return "not in allow_from"
        return None

    @cached_property
    def _groups(self) -> dict[tuple[bool, str], list[str]]:
        """Nodes by what a ``dir/**`` glob or a lane root can tell apart: files by their
        directory, directories by themselves."""
        groups: dict[tuple[bool, str], list[str]] = {}
        for node in self.graph.nodes():
            place = self.graph.lives_at(node)
            is_file = place.endswith(".py")
            key = (is_file, place.rpartition("/")[0] if is_file else place)
            groups.setdefault(key, []).append(node)
        return groups

    def _judge(self, globs: Iterable[str], judge: Callable[[str], str | None]) -> dict[str, str]:
        """``judge(node)`` for every node that it answers; asked once per group when all
        ``globs`` are ``dir/**`` (or ``**``), since then a group shares the answer."""
        per_group = all(_PREFIX_GLOB.match(g) or g.strip() == "**" for g in globs)
        answers: dict[str, str] = {}
        for nodes in self._groups.values():
            if per_group:
                answer = judge(nodes[0])
                if answer is not None:
                    answers.update(dict.fromkeys(nodes, answer))
                continue
            for node in nodes:
                answer = judge(node)
                if answer is not None:
                    answers[node] = answer
        return answers

    def denied(self, rule: Rule) -> dict[str, str]:
        """Every node ``rule`` forbids, with the reason (the glob it matches)."""
        if rule.id not in self._denied:
            globs = (*rule.deny, *(rule.allow or ()))
            self._denied[rule.id] = self._judge(globs, lambda n: self._forbidden(rule, n))
        return self._denied[rule.id]

    def sources(self, rule: Rule) -> list[str]:
        """Scanned files ``rule`` checks (those it forbids excepted), sorted."""
        denied = self.denied(rule)
        globs = () if rule.lane is not None else (rule.importer_glob or "",)
        checked = self._judge(globs, lambda n: "yes" if self._checks(rule, n) else None)
        return sorted(n for n in checked if n in self.graph.files and n not in denied)

    def denials(
        self, rules: Iterable[Rule], importer: str, imported: str
    ) -> list[tuple[Rule, str]]:
        """The rules an import of ``imported`` from ``importer`` breaks, each with why (the
        paths need not exist yet: ``lukhas-gate promote`` asks before it writes)."""
        return [
            (rule, why)
            for rule in rules
            if self._checks(rule, importer)
            and self._forbidden(rule, importer) is None
            and (why := self._forbidden(rule, imported)) is not None
        ]

    def importers(self) -> dict[str, list[str]]:
        if self._importers is None:
            reverse: dict[str, list[str]] = {}
            for importer, targets in self.graph.edges.items():
                for target in targets:
                    reverse.setdefault(target, []).append(importer)
            self._importers = reverse
        return self._importers

    def crossings(self, rule: Rule, within: str | None = None) -> list[Finding]:
        """Edges from ``rule``'s sources (those under ``within`` when given) into forbidden
        files, each once, with its shortest chain."""
        denied = self.denied(rule)
        importers = self.importers()
        edges = self.graph.edges
        waiting = {
            importer
            for target in denied
            for importer in importers.get(target, ())
            if importer not in denied
        }
        if not waiting:
            return []  # nothing imports a forbidden file: no search needed
        sources = [n for n in self.sources(rule) if within is None or _below(n, within)]
        found: list[Finding] = []
        for node in sources:
            if node in waiting:  # a source importing a forbidden file: the chain is one edge
                waiting.discard(node)
                found += self._direct(rule, node, {node: None}, denied)
        parent: dict[str, Edge | None] = dict.fromkeys(sources)
        queue = deque(sources)
        while queue and waiting:
            node = queue.popleft()
            targets = edges.get(node, {})
            if node in waiting:
                waiting.discard(node)
                found += self._direct(rule, node, parent, denied)
            for target, statements in targets.items():
                if target not in parent and target not in denied:
                    parent[target] = statements[0]
                    queue.append(target)
        return found

    def _direct(
        self, rule: Rule, node: str, parent: dict[str, Edge | None], denied: dict[str, str]
    ) -> list[Finding]:
        """Findings for ``node``'s own imports of forbidden files, chained from a source."""
        targets = self.graph.edges.get(node, {})
        found = []
        for target in sorted(t for t in targets if t in denied):
            reported = [e for e in targets[target] if not e.pragma]
            if reported:
                found.append(self._finding(rule, denied[target], _chain(parent, reported[0])))
        return found

    def _finding(self, rule: Rule, why: str, chain: list[Edge]) -> Finding:
        first, crossing = chain[0], chain[-1]
        lane = self.lane(first.importer)
        target_lane = self.lane(crossing.imported)
        kind = {ALIAS: kinds.ALIAS_IMPORT, DYNAMIC: kinds.DYNAMIC_IMPORT}.get(
            crossing.via, kinds.IMPORT
        )
        where = f"the {target_lane.name} lane" if target_lane else crossing.imported
        how = {ALIAS: "alias-imports", DYNAMIC: "dynamically imports"}.get(crossing.via, "imports")
        if len(chain) == 1:
            imported = self.graph.name(crossing.imported)
            message = f"{self.graph.name(first.importer)} {how} {imported} ({where}, {why})"
        else:
            message = (
                f"{self.graph.name(first.importer)} reaches {self.graph.name(crossing.imported)} "
                f"({where}, {why}) through a chain of {len(chain)} imports"
            )
        if crossing.via == ALIAS:
            message += f"; it resolves only if {_lane_root(target_lane)} is on sys.path"
        if crossing.via == TYPE_ONLY:
            message += " (under `if TYPE_CHECKING:`)"
        if crossing.guarded:
            message += " (in try/except ImportError: it fails silently where the lane is absent)"
        return Finding(
            kind=kind,
            severity=Severity.ERROR,
            lane=lane.name if lane else None,
            file=first.importer,
            line=first.line,
            message=message,
            remedy=_remedy(chain, target_lane, self.graph),
            rules=(rule.text,),
            chain=tuple(_hop(edge, self.graph) for edge in chain),
            target=self.graph.lives_at(crossing.imported),
        )


def _chain(parent: dict[str, Edge | None], crossing: Edge) -> list[Edge]:
    chain = [crossing]
    step = parent.get(crossing.importer)
    while step is not None:
        chain.append(step)
        step = parent.get(step.importer)
    return chain[::-1]


def _hop(edge: Edge, graph: ImportGraph) -> Hop:
    return Hop(
        importer=graph.name(edge.importer),
        file=edge.importer,
        line=edge.line,
        text=edge.text,
        via=edge.via,
        imported=graph.name(edge.imported),
        imported_file=graph.lives_at(edge.imported),
    )


def _lane_root(lane: Lane | None) -> str:
    return f"{lane.root}/" if lane is not None and lane.root else "its lane root"


def _remedy(chain: list[Edge], target_lane: Lane | None, graph: ImportGraph) -> str:
    crossing = chain[-1]
    at = f"{crossing.importer}:{crossing.line}"
    if crossing.via == ALIAS:
        return (
            f"import it by its real path, promote the module out of {_lane_root(target_lane)}, "
            f"or remove the import at {at}"
        )
    if len(chain) == 1:
        return (
            f"remove the import at {at} (promote the code, or register it at run time from "
            "outside this lane), or mark it '# lukhas: allow-import(reason)'"
        )
    return (
        f"break the chain: remove the import at {at}, or stop importing "
        f"{graph.name(chain[0].imported)} at {chain[0].importer}:{chain[0].line}"
    )


def _below(path: str, directory: str) -> bool:
    return not directory or path == directory or path.startswith(directory + "/")


def merge(found: Iterable[Finding], accepted: str | None = None) -> list[Finding]:
    """One finding per crossing edge, listing every rule it breaks. Its chain is the
    shortest one from the ``accepted`` lane when there is one, else the shortest."""
    groups: dict[tuple[str, str, str, str | None], list[Finding]] = {}
    for finding in found:
        crossing = finding.chain[-1]
        key = (finding.kind, crossing.file, crossing.imported_file, finding.test)
        groups.setdefault(key, []).append(finding)
    merged = []
    for group in groups.values():
        best = min(group, key=lambda f: (f.lane != accepted, len(f.chain)))
        rules = tuple(dict.fromkeys(rule for f in group for rule in f.rules))
        merged.append(replace(best, rules=rules))
    return merged
