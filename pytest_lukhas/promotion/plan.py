"""``lukhas-gate plan``: which modules of the lane promoted from to promote first.

Per module (or package, with ``depth``) of the source lane, from the import graph: how many
files of the lane import it (fan-in), how many other modules wait for it, directly or
through others (blocks), the dependencies it still has on modules not promoted yet, and
its wave: 0 when nothing blocks it, else one more than its latest dependency. Modules in an
import cycle share a wave and are promoted together, as their package. Ranked by wave, then
what they unblock: dependency roots first.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..boundaries.graph import Edge, ImportGraph
from ..manifests import discover_slices
from . import smoke as smoke_checks
from .pair import LanePair, is_test_file
from .promote import Statement
from .smoke import SmokeResult

FORMAT_VERSION = 1


@dataclass
class Candidate:
    """One module or package of the source lane."""

    path: str  # a file, or a package directory with depth
    name: str  # dotted
    target: str  # where promotion puts it
    listed: bool = True  # tests and the lane's own package are never promoted alone
    promoted: bool = False
    importers: set[str] = field(default_factory=set)  # source-lane files outside it
    imports: int = 0  # import statements of those files
    depends: dict[str, list[Edge]] = field(default_factory=dict)  # unpromoted unit -> edges
    blocks: int = 0
    wave: int = 0
    cycle: int | None = None  # the number of its import cycle (see Plan.cycles)
    smoke: SmokeResult | None = None

    @property
    def status(self) -> str:
        if self.promoted:
            return "promoted"
        if self.cycle is not None:
            return "cycle"
        if self.depends:
            return "blocked"
        if self.smoke is not None and not self.smoke.ok:
            return f"smoke-{self.smoke.status}"
        return "ready"


@dataclass
class Plan:
    pair: LanePair
    depth: int
    units: dict[str, Candidate]
    cycles: list[list[str]] = field(default_factory=list)  # unit paths; cycle n is [n - 1]
    seconds: float = 0.0
    smoke_seconds: float | None = None  # None: smoke imports were not run

    def ranked(self) -> list[Candidate]:
        waiting = [u for u in self.units.values() if u.listed and not u.promoted]
        return sorted(waiting, key=_rank_key)

    def promoted(self) -> list[Candidate]:
        done = (u for u in self.units.values() if u.promoted and u.listed)
        return sorted(done, key=lambda u: u.path)


_READINESS = {"ready": 0, "smoke-failed": 1, "smoke-timeout": 1, "cycle": 2, "blocked": 3}


def _rank_key(unit: Candidate) -> tuple[Any, ...]:
    """Dependency roots first; within a wave the ready ones, then those unblocking most."""
    readiness = _READINESS[unit.status]
    return (unit.wave, readiness, -unit.blocks, -len(unit.importers), -unit.imports, unit.path)


def rank(pair: LanePair, graph: ImportGraph, *, depth: int = 0) -> Plan:
    started = time.perf_counter()
    units: dict[str, Candidate] = {}
    unit_of: dict[str, str] = {}
    for relpath, scanned in graph.files.items():
        if scanned.lives_at != relpath or not pair.in_source(relpath):
            continue  # a symlink's own file is counted where it lives
        path = _unit_path(pair, relpath, depth)
        unit_of[relpath] = path
        if path not in units:
            listed = not (path == relpath and is_test_file(relpath)) and not pair.is_lane_package(
                path
            )
            units[path] = Candidate(path, pair.dotted(path), pair.mirror(path), listed)
    promoted_files = {f for f in unit_of if pair.is_promoted(f)}
    waiting = {u for f, u in unit_of.items() if f not in promoted_files}
    for path, unit in units.items():
        unit.promoted = path not in waiting  # every file of it has its accepted copy
    for importer, targets in graph.edges.items():
        source = unit_of.get(importer)
        if source is None:
            continue
        for target, edges in targets.items():
            place = graph.lives_at(target)
            dependency = unit_of.get(place)
            if dependency is None or dependency == source:
                continue
            if units[source].listed or depth:
                units[dependency].importers.add(importer)
                units[dependency].imports += len(edges)
            if place not in promoted_files and not units[source].promoted:
                units[source].depends.setdefault(dependency, []).extend(edges)
    cycles = _order(units)
    return Plan(pair, depth, units, cycles, time.perf_counter() - started)


def _unit_path(pair: LanePair, relpath: str, depth: int) -> str:
    if depth <= 0:
        return relpath
    root = pair.source.root
    parts = (relpath[len(root) + 1 :] if root else relpath).split("/")
    if len(parts) <= depth:
        return relpath
    return "/".join(p for p in (root, *parts[:depth]) if p)


def _order(units: dict[str, Candidate]) -> list[list[str]]:
    """Waves, cycles and how many listed units each one blocks (transitively): strongly
    connected components, then one pass each way over them with bitsets. The answer lists
    the import cycles."""
    waiting = [p for p, u in units.items() if not u.promoted]
    components = _components(waiting, {p: list(units[p].depends) for p in waiting})
    index = {p: i for i, p in enumerate(waiting)}
    component_of = {p: c for c, members in enumerate(components) for p in members}
    members = [sum(1 << index[p] for p in ms) for ms in components]
    listed = sum(1 << index[p] for p in waiting if units[p].listed)
    waves = [0] * len(components)
    for c, ms in enumerate(components):  # dependencies come first
        outside = {component_of[d] for p in ms for d in units[p].depends} - {c}
        waves[c] = max((waves[d] + 1 for d in outside), default=0)
    dependants = [0] * len(components)
    for c in reversed(range(len(components))):  # dependants come first
        for d in {component_of[d] for p in components[c] for d in units[p].depends} - {c}:
            dependants[d] |= dependants[c] | members[c]
    cycles: list[list[str]] = []
    for c, ms in enumerate(components):
        if len(ms) > 1:
            cycles.append(ms)
        for p in ms:
            unit = units[p]
            unit.wave = waves[c]
            unit.blocks = ((dependants[c] | members[c]) & listed & ~(1 << index[p])).bit_count()
            unit.cycle = len(cycles) if len(ms) > 1 else None
    return cycles


def _components(nodes: list[str], edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively; each component comes after
    every component it reaches (dependencies first)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                found.append(sorted(component))
    return found


def smoke(plan: Plan, *, timeout: float, jobs: int, pycache: Path | None) -> None:
    """Import every ranked unit in a fresh process (in parallel) and record the outcome;
    ``pycache`` keeps the compiled bytecode between imports and runs."""
    started = time.perf_counter()
    waiting = plan.ranked()
    names = [u.name for u in waiting]
    results = smoke_checks.import_modules(
        plan.pair, names, timeout=timeout, jobs=jobs, pycache=pycache
    )
    for unit in waiting:
        unit.smoke = results.get(unit.name)
    plan.smoke_seconds = time.perf_counter() - started


def to_json(plan: Plan) -> str:
    pair = plan.pair
    ranked = plan.ranked()
    data = {
        "version": FORMAT_VERSION,
        "config": pair.config.relpath(pair.config.path),
        "from_lane": {"name": pair.source.name, "root": pair.source.root},
        "to_lane": {"name": pair.target.name, "root": pair.target.root},
        "depth": plan.depth,
        "smoke": {"ran": plan.smoke_seconds is not None, "seconds": _round(plan.smoke_seconds)},
        "seconds": _round(plan.seconds),
        "counts": _counts(plan, ranked),
        "modules": [_unit_json(plan, rank, unit) for rank, unit in enumerate(ranked, start=1)],
        "cycles": [
            {"cycle": n, "size": len(paths), "modules": [plan.units[p].name for p in paths]}
            for n, paths in enumerate(plan.cycles, start=1)
        ],
        "promoted": [_promoted_json(plan, unit) for unit in plan.promoted()],
    }
    return json.dumps(data)  # compact: the C encoder; indenting 10,000 entries costs seconds


def _counts(plan: Plan, ranked: list[Candidate]) -> dict[str, int]:
    statuses = [u.status for u in ranked]
    return {
        "modules": len(ranked),
        "promoted": len(plan.promoted()),
        "ready": statuses.count("ready"),
        "blocked": statuses.count("blocked") + statuses.count("cycle"),
        "smoke_failed": sum(1 for s in statuses if s.startswith("smoke-")),
    }


def _unit_json(plan: Plan, rank: int, unit: Candidate) -> dict[str, Any]:
    return {
        "rank": rank,
        "module": unit.name,
        "path": unit.path,
        "target": unit.target,
        "status": unit.status,
        "wave": unit.wave,
        "blocks": unit.blocks,
        "fan_in": {"files": len(unit.importers), "imports": unit.imports},
        "dependencies": [
            {
                "module": plan.units[path].name,
                "path": path,
                "imports": [
                    {"file": s.file, "line": s.line, "text": s.text} for s in _statements(edges)
                ],
            }
            for path, edges in sorted(unit.depends.items())
        ],
        "cycle": unit.cycle,
        "smoke": unit.smoke.to_json() if unit.smoke else {"status": "not-run"},
        "promote": f"lukhas-gate promote {unit.path}",
    }


def _promoted_json(plan: Plan, unit: Candidate) -> dict[str, Any]:
    return {"module": unit.name, "path": unit.path, "target": unit.target}


def _statements(edges: list[Edge]) -> list[Statement]:
    unique = {(e.importer, e.line): e for e in edges}
    return [Statement(e.importer, e.line, e.text) for _key, e in sorted(unique.items())]


def _round(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 3)


def render(plan: Plan, top: int = 0) -> str:
    pair = plan.pair
    ranked = plan.ranked()
    counts = _counts(plan, ranked)
    lines = [
        f"promotion plan: lane {pair.source.name} ({pair.source.root}/) -> lane "
        f"{pair.target.name} ({pair.target.root}/): {counts['modules']} to promote, "
        f"{counts['ready']} ready, {counts['blocked']} blocked, "
        f"{counts['smoke_failed']} failing their smoke import, {counts['promoted']} promoted"
    ]
    if plan.smoke_seconds is None:
        lines.append("smoke imports not run (--no-smoke)")
    shown = ranked[:top] if top else ranked
    width = max([len(u.name) for u in shown] + [6])
    lines.append(
        f"{'rank':>4}  {'module':<{width}}  {'wave':>4}  {'blocks':>6}  {'fan-in':>6}  "
        f"{'smoke':<8}  waits for"
    )
    for rank, unit in enumerate(shown, start=1):
        result = unit.smoke.status if unit.smoke else "-"
        waits = [plan.units[p].name for p in sorted(unit.depends)]
        if unit.cycle is not None:
            peers = set(plan.cycles[unit.cycle - 1])
            waits = [f"cycle {unit.cycle} ({len(peers)} modules)"]
            waits += [plan.units[p].name for p in sorted(unit.depends) if p not in peers]
        shown_waits = ", ".join(waits[:3]) + (f" (+{len(waits) - 3})" if len(waits) > 3 else "")
        lines.append(
            f"{rank:>4}  {unit.name:<{width}}  {unit.wave:>4}  {unit.blocks:>6}  "
            f"{len(unit.importers):>6}  {result:<8}  {shown_waits or '-'}"
        )
        if unit.smoke is not None and not unit.smoke.ok:
            lines.append(f"{'':>4}  {'':<{width}}  smoke: {unit.smoke.error}")
    if top and len(ranked) > top:
        lines.append(f"... {len(ranked) - top} more (--top 0 shows all)")
    lines += _unfinished(plan)
    first = next((u for u in ranked if u.status == "ready"), None)
    if first is not None:
        lines.append(f"next: lukhas-gate promote {first.path}")
    return "\n".join(lines)


def _unfinished(plan: Plan) -> list[str]:
    """Promoted code the gate holds to the six criteria that has no manifest yet."""
    pending = [s for s in discover_slices(plan.pair.config) if s.promoted_from]
    if not pending:
        return []
    lines = ["promoted, not slices yet (the gate reports each red until its manifest exists):"]
    lines += [f"  {s.relpath}: {s.problems[0].message}" for s in pending if s.problems]
    return lines
