"""One promotion, planned before anything is written: the files to copy (imports rewritten),
the candidate-only dependencies that refuse it, the shim, the ops/matriz.yaml edits and the
smoke test. :mod:`.perform` carries the plan out; ``--dry-run`` prints it."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from ..boundaries.cache import ParseCache
from ..boundaries.check import Built, own_root
from ..boundaries.graph import Edge, ImportGraph, edges_of
from ..boundaries.rules import Checker, Rule, rules_of
from ..boundaries.scan import scan_paths
from ..lanes import Lane
from ..manifests import discover_slices
from ..problems import ConfigError, Problem
from . import smoke
from .changes import FileChange, file_mode
from .pair import LanePair, is_test_file
from .rewrite import Blocked, Move, Retarget, Rewrite, rewrite
from .unit import Unit
from .yaml_edit import EditError, append_item

ALLOW_ONLY = "not in allow_from"


@dataclass(frozen=True)
class Statement:
    file: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.text}"


@dataclass(frozen=True)
class Refusal:
    """Why the promotion cannot go ahead, with the statements that cause it."""

    what: str  # "candidate-only dependency labs.x (labs/x.py)", ...
    why: str
    statements: tuple[Statement, ...] = ()


@dataclass(frozen=True)
class SmokeTest:
    display: str  # repo-relative path of the test file
    path: Path
    module: str  # the dotted name it imports before the promotion
    new_module: str  # and after
    create: FileChange | None  # when it is missing
    point: FileChange | None  # its imports pointed at the accepted copy


@dataclass
class Promotion:
    pair: LanePair
    unit: Unit
    target: str  # where the unit lands
    shim: bool
    copies: list[FileChange] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # copies already in place
    rewrites: dict[str, list[Rewrite]] = field(default_factory=dict)  # by new file
    leftovers: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    refusals: list[Refusal] = field(default_factory=list)
    shims: list[FileChange] = field(default_factory=list)
    config: FileChange | None = None
    config_notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    smoke: SmokeTest | None = None

    @property
    def target_display(self) -> str:
        return self.target + "/" if self.unit.package else self.target

    @property
    def changes(self) -> list[FileChange]:
        """What the promotion writes after the first smoke test passed, in order."""
        return [*self.copies, *self.shims, *([self.config] if self.config else [])]


class _Context:
    """What planning one promotion consults: the lanes, the import graph, the rules."""

    def __init__(self, pair: LanePair, built: Built, unit: Unit) -> None:
        self.pair, self.built, self.unit = pair, built, unit
        self.graph = built.graph
        # judges imports not written yet
        self.checker = Checker(pair.config, ImportGraph({}, roots=pair.roots))
        self.rules = rules_of(pair.config)
        self.promoted = functools.cache(pair.is_promoted)
        self.retarget = Retarget(pair, built.resolver, self.moved)

    def moved(self, target: str) -> bool:
        """Whether an import of ``target`` must name its accepted copy after the promotion."""
        place = self.graph.lives_at(target)
        return self.unit.holds(place) or (self.pair.in_source(place) and self.promoted(place))


def plan(pair: LanePair, built: Built, unit: Unit, *, shim: bool) -> Promotion:
    """Everything the promotion of ``unit`` would do; raises :class:`ConfigError` when the
    accepted copy exists already (identical, or different)."""
    ctx = _Context(pair, built, unit)
    promotion = Promotion(pair, unit, pair.mirror(unit.path), shim)
    _copies(ctx, promotion)
    _dependencies(ctx, promotion)
    allow = _rule_edits(ctx, promotion)
    if shim:
        allow += _shims(ctx, promotion)
    _config(ctx, promotion, allow)
    promotion.smoke = _smoke_test(ctx, promotion)
    return promotion


def _copies(ctx: _Context, promotion: Promotion) -> None:
    pair, unit = ctx.pair, ctx.unit
    conflicts = []
    for source in unit.files:
        new = pair.mirror(source)
        data = (pair.repo / source).read_bytes()
        if source.endswith(".py"):
            data = _rewritten(ctx, promotion, source, data)
        change = _change(pair, new, data, file_mode(pair.repo / source))
        if change is None:
            promotion.unchanged.append(new)
        elif change.before is not None and not _stub(change.before, new):
            conflicts.append(new)
        else:
            promotion.copies.append(change)
    if conflicts:
        more = f" (+{len(conflicts) - 5} more)" if len(conflicts) > 5 else ""
        message = (
            "the accepted copy exists and differs from what promotion would write: "
            + ", ".join(conflicts[:5])
            + more
        )
        hint = (
            "promotion never overwrites accepted code: compare the two, and remove the "
            "accepted copy to promote again"
        )
        raise ConfigError([Problem(promotion.target_display, message, hint=hint)])
    if not promotion.copies:
        message = f"already promoted: {unit.display} is in place in the {pair.target.name} lane"
        hint = "nothing to do; `lukhas-gate plan` lists what is left to promote"
        raise ConfigError([Problem(promotion.target_display, message, hint=hint)])
    promotion.copies[:0] = _parent_packages(pair, promotion)


def _rewritten(ctx: _Context, promotion: Promotion, source: str, data: bytes) -> bytes:
    """The source file's bytes with its imports pointed at the accepted lane."""
    scanned = ctx.graph.files.get(source)
    dynamic = scanned.parse[2] if scanned is not None and scanned.error is None else ()
    new = ctx.pair.mirror(source)
    result = rewrite(
        data, Move(source, new, own_root(ctx.built.lanes, source), dynamic), ctx.retarget
    )
    if result.rewrites:
        promotion.rewrites[new] = result.rewrites
    if result.leftovers:
        promotion.leftovers[new] = result.leftovers
    for blocked in result.blocked:
        promotion.refusals.append(_blocked(source, blocked))
    return result.data


def _blocked(source: str, blocked: Blocked) -> Refusal:
    return Refusal(
        f"an import in {source} cannot be rewritten",
        blocked.reason,
        (Statement(source, blocked.line, blocked.text),),
    )


def _change(pair: LanePair, relpath: str, data: bytes, mode: int | None) -> FileChange | None:
    """The change writing ``data`` to ``relpath``; None when it is there already."""
    path = pair.repo / relpath
    before = path.read_bytes() if path.is_file() else None
    return None if before == data else FileChange(path, relpath, before, data, mode)


def _stub(before: bytes, relpath: str) -> bool:
    """An empty ``__init__.py`` (made for a promoted submodule) may be replaced."""
    return relpath.endswith("__init__.py") and not before.strip()


def _parent_packages(pair: LanePair, promotion: Promotion) -> list[FileChange]:
    """Empty ``__init__.py`` files for missing packages above the copy, where the source
    lane has packages too (the copy's own ``__init__.py`` files are copied)."""
    made = {c.display for c in promotion.copies}
    parts = promotion.target.split("/")[:-1]
    root_depth = len(pair.target.root.split("/")) if pair.target.root else 0
    found = []
    for depth in range(root_depth + 1, len(parts) + 1):
        directory = "/".join(parts[:depth])
        init = f"{directory}/__init__.py"
        if (pair.repo / directory).exists() or init in made:
            continue
        if (pair.repo / pair.origin(init)).is_file():
            found.append(FileChange(pair.repo / init, init, None, b""))
    return found


def _dependencies(ctx: _Context, promotion: Promotion) -> None:
    """Candidate-only dependencies and files the scan could not read refuse the promotion;
    imports criterion 2 will judge in the accepted lane are warned about."""
    pair, graph = ctx.pair, ctx.graph
    waiting: dict[str, list[Edge]] = {}
    for source in ctx.unit.python:
        scanned = graph.files.get(source)
        if scanned is None or scanned.error is not None:
            kind, message, line = scanned.error if scanned else ("unscanned", "not scanned", None)
            where = (Statement(source, line, ""),) if line else ()
            promotion.refusals.append(Refusal(f"{source} cannot be read ({kind})", message, where))
            continue
        for target, edges in graph.edges.get(source, {}).items():
            place = graph.lives_at(target)
            if not ctx.moved(target) and pair.in_source(place):
                waiting.setdefault(place, []).extend(edges)
        _error, _imports, dynamic, changes, pragmas = scanned.parse
        allowed = {line for line, reason in pragmas if reason}
        new = pair.mirror(source)
        for line, _end, function, _kind, target, text in dynamic:
            if target is None and line not in allowed and line - 1 not in allowed:
                promotion.warnings.append(
                    f"{new}:{line}: {function}() with a target computed at run time: criterion "
                    f"2 reports it in the {pair.target.name} lane ({text})"
                )
        for line, _end, what, _text in changes:
            promotion.warnings.append(
                f"{new}:{line}: changes the import path ({what}): criterion 2 reports it"
            )
    for place, edges in sorted(waiting.items()):
        promotion.refusals.append(
            Refusal(
                f"candidate-only dependency {pair.dotted(place)} ({place})",
                f"not promoted yet: promote it first (`lukhas-gate promote {place}`), or "
                "remove the import",
                _statements(edges),
            )
        )


def _statements(edges: list[Edge]) -> tuple[Statement, ...]:
    unique = {(e.importer, e.line): e for e in edges}
    return tuple(Statement(e.importer, e.line, e.text) for _k, e in sorted(unique.items()))


def _rule_edits(ctx: _Context, promotion: Promotion) -> list[tuple[Lane, str, str]]:
    """Imports of the copy from other lanes, as the accepted lane's rules judge them: a
    denied one refuses the promotion; one that only ``allow_from`` lacks becomes an allow
    rule to add (the source lane's own files are the unit, copies, or refused already)."""
    pair, graph = ctx.pair, ctx.graph
    allow: list[tuple[Lane, str, str]] = []
    for source in ctx.unit.python:
        new = pair.mirror(source)
        for target, edges in graph.edges.get(source, {}).items():
            place = graph.lives_at(target)
            reported = [e for e in edges if not e.pragma]
            if pair.in_source(place) or not reported:
                continue
            denials = ctx.checker.denials(ctx.rules, new, place)
            if lanes := _allow_lanes(denials):
                allow += [
                    (lane, _allow_glob(pair, place), f"{new} imports {place}") for lane in lanes
                ]
            elif denials:
                promotion.refusals.append(
                    Refusal(
                        f"{pair.dotted(place)} ({place}) is denied to the copy",
                        "; ".join(f"{rule.text} ({why})" for rule, why in denials),
                        _statements(reported),
                    )
                )
    return allow


def _allow_lanes(denials: list[tuple[Rule, str]]) -> list[Lane]:
    """The lanes whose allow-lists alone deny an import (an added glob mends them); empty
    when nothing denies it or a deny rule does."""
    lanes = [rule.lane for rule, why in denials if rule.lane is not None and why == ALLOW_ONLY]
    return lanes if len(lanes) == len(denials) else []


def _allow_glob(pair: LanePair, place: str) -> str:
    lane = pair.config.lane_of(place)
    if lane is not None and lane.root:
        return f"{lane.root}/**"
    top, slash, _rest = place.partition("/")
    return f"{top}/**" if slash else place


def _shims(ctx: _Context, promotion: Promotion) -> list[tuple[Lane, str, str]]:
    """A module at each old path (tests excepted) forwarding to its accepted copy. Rules of
    the source lane that deny the shim's import: an allow rule when only ``allow_from``
    lacks it, else the import carries an allow-import pragma (a deny has no exception)."""
    pair = ctx.pair
    allow: list[tuple[Lane, str, str]] = []
    glob = promotion.target + "/**" if ctx.unit.package else promotion.target
    for source in ctx.unit.python:
        if is_test_file(source):
            continue
        new = pair.mirror(source)
        denials = ctx.checker.denials(ctx.rules, source, new)
        pragma = ""
        if lanes := _allow_lanes(denials):
            allow += [(lane, glob, f"the shim {source} imports {new}") for lane in lanes]
        elif denials:
            pragma = f"  # lukhas: allow-import(shim of the promotion of {pair.dotted(source)})"
        text = _shim_source(pair.dotted(source), pair.dotted(new), pragma)
        before = (pair.repo / source).read_bytes()
        promotion.shims.append(FileChange(pair.repo / source, source, before, text.encode()))
    return allow


SHIM = '''\
"""Shim written by lukhas-gate promote: this module was promoted.

old path: {old}
new path: {new}

Code that still imports the old path gets the promoted module's names. Remove this file
when nothing does; the code lives on at the new path.
"""

import {new} as _promoted{pragma}

__all__ = getattr(_promoted, "__all__", [n for n in dir(_promoted) if not n.startswith("_")])


def __getattr__(name: str) -> object:
    return getattr(_promoted, name)


def __dir__() -> list[str]:
    return dir(_promoted)
'''


def _shim_source(old: str, new: str, pragma: str) -> str:
    return SHIM.format(old=old, new=new, pragma=pragma)


def _config(ctx: _Context, promotion: Promotion, allow: list[tuple[Lane, str, str]]) -> None:
    """ops/matriz.yaml: the allow rules the lanes need, and the promoted path recorded in
    the accepted lane's ``promotion.promoted`` (the gate holds it to the six criteria)."""
    config = ctx.pair.config
    display = config.relpath(config.path)
    before = config.path.read_bytes()
    text = before.decode("utf-8")
    lanes = list(config.lanes)
    record = promotion.target_display
    target = ctx.pair.target
    edits = [
        (("lanes", lanes.index(lane), "import_rules", "allow_from"), glob, False,
         f"lane {lane.name!r} allow_from gains {glob!r}: {why}")
        for lane, glob, why in dict.fromkeys(allow)
    ]  # fmt: skip
    holder = next(
        (
            slice_
            for slice_ in discover_slices(config)
            if slice_.promoted_from is None and slice_.holds(promotion.target)
        ),
        None,
    )
    why = (
        f"it is part of the slice {holder.relpath}, which the gate holds to the six criteria"
        if holder is not None
        else "the gate holds it to the six criteria until a manifest makes it a slice"
    )
    edits.append((
        ("lanes", lanes.index(target), "promotion", "promoted"), record, True,
        f"lane {target.name!r} promotion.promoted gains {record!r}: {why}",
    ))  # fmt: skip
    for path, item, create, note in edits:
        try:
            edited = append_item(text, path, item, create=create)
        except EditError as exc:
            hint = f"add {item!r} by hand ({note})"
            problem = Problem(display, f"cannot update it safely: {exc}", hint=hint)
            raise ConfigError([problem]) from None
        if edited is not None and edited != text:
            text = edited
            promotion.config_notes.append(note)
    if text.encode() != before:
        promotion.config = FileChange(config.path, display, before, text.encode())


def _smoke_test(ctx: _Context, promotion: Promotion) -> SmokeTest:
    pair, unit = ctx.pair, ctx.unit
    directory = smoke.smoke_dir(pair)
    module, new_module = pair.dotted(unit.path), pair.dotted(promotion.target)
    existing = _existing_smoke_test(ctx, directory)
    if existing is not None:
        display, dynamic = existing
        path = pair.repo / display
        text = path.read_bytes()
        create = None
    else:
        rest = unit.path[len(pair.source.root) + 1 :] if pair.source.root else unit.path
        name = rest.removesuffix(".py").replace("/", "_")
        display = f"{directory}/test_{name}.py"
        if (pair.repo / display).exists():
            display = f"{directory}/test_{name}_promotion.py"
        path = pair.repo / display
        text = smoke.smoke_test_source(module, name).encode()
        create = FileChange(path, display, None, text)
        dynamic = ()
    pointed = rewrite(text, Move(display, display, None, dynamic), ctx.retarget)
    for blocked in pointed.blocked:
        promotion.refusals.append(_blocked(display, blocked))
    point = FileChange(path, display, text, pointed.data) if pointed.data != text else None
    return SmokeTest(display, path, module, new_module, create, point)


def _existing_smoke_test(ctx: _Context, directory: str) -> tuple[str, tuple] | None:
    """The first test file under the smoke directory that imports the unit, and the scan's
    dynamic-import records of it."""
    folder = ctx.pair.repo / directory
    if not folder.is_dir():
        return None
    files = sorted(ctx.pair.config.relpath(p) for p in folder.rglob("test*.py"))
    store = ParseCache(None)
    scanned = scan_paths(ctx.pair.config, store, files, max_file_bytes=5 * 1024 * 1024)
    for relpath in files:
        found = scanned.get(relpath)
        if found is None or found.error is not None:
            continue
        if any(ctx.unit.holds(e.imported) for e in edges_of(found, ctx.built.resolver, None)):
            return relpath, found.parse[2]
    return None
