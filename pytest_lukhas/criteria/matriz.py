"""Criterion 3: the slice's capabilities are instrumented and its emit points were seen.

- Each capability resolves to a public function carrying ``__matriz_emit_point__`` (set
  by the emitter's decorator), whose ``"TYPE:label"`` the manifest declares (or equals
  the capability's own ``emit_point``).
- Each declared emit point was emitted by at least one passing test of the run.
- The slice's code emitted no point its manifest does not declare (drift) and no node
  the schema refuses. A node is the slice's when its ``provenance.producer`` lies in the
  slice's module, and not in a slice nested inside it nor in the slice's tests.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..capture_session import EVIDENCE_KEY
from ..evidence import Evidence, TestRecord
from ..lanes import LaneConfig
from ..manifests import MANIFEST_NAME, Capability, Manifest, Slice
from ..verdicts import Criterion, Status, Verdict

_MISSING = object()
_NO_MANIFEST = (
    "no valid manifest: no capability or emit point is declared, so nothing vouches for the "
    "instrumentation"
)


@dataclass(frozen=True)
class Finding:
    reason: str
    where: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {"reason": self.reason, "where": self.where}


def evaluate(slice_: Slice, config: LaneConfig, evidence: Evidence) -> Verdict:
    manifest_path = slice_.manifest_path
    if slice_.manifest is None:
        return _fail([Finding(_NO_MANIFEST, manifest_path)])
    records = [r for r in evidence.tests.values() if EVIDENCE_KEY in r.data]
    unavailable = next((u for r in records if (u := r.data[EVIDENCE_KEY].get("unavailable"))), None)
    if unavailable:
        return _fail([Finding(f"MATRIZ nodes were not captured: {unavailable}")])
    if not records:
        return _fail([Finding("no test ran under the gate, so no emit point was seen")])

    capabilities, findings = _capability_findings(slice_, config)
    coverage = Coverage.of(slice_, records)
    findings += coverage.findings(manifest_path)
    details = {"capabilities": capabilities, **coverage.to_json()}
    if findings:
        return _fail(findings, details)
    return Verdict(Criterion.MATRIZ, Status.PASS, details=details)


def _fail(findings: list[Finding], details: dict[str, Any] | None = None) -> Verdict:
    first = findings[0]
    more = f" (+{len(findings) - 1} more)" if len(findings) > 1 else ""
    return Verdict(
        Criterion.MATRIZ,
        Status.FAIL,
        first.reason + more,
        where=first.where,
        details={**(details or {}), "findings": [f.to_json() for f in findings]},
    )


def declared_points(manifest: Manifest) -> list[str]:
    """``matriz_emit_points`` plus any capability's own ``emit_point``, in order."""
    own = [c.emit_point for c in manifest.capabilities if c.emit_point]
    return list(dict.fromkeys([*manifest.emit_points, *own]))


# --- capabilities ------------------------------------------------------------------------


def _capability_findings(
    slice_: Slice, config: LaneConfig
) -> tuple[dict[str, str | None], list[Finding]]:
    """Each capability's emit point (None when it has none), and what is wrong with them."""
    manifest = slice_.manifest
    assert manifest is not None
    points: dict[str, str | None] = {}
    findings: list[Finding] = []
    with _importable(slice_):
        for capability in manifest.capabilities:
            point, finding = _check_capability(capability, manifest, slice_, config)
            points[capability.name] = point
            if finding:
                findings.append(finding)
    return points, findings


def _check_capability(
    capability: Capability, manifest: Manifest, slice_: Slice, config: LaneConfig
) -> tuple[str | None, Finding | None]:
    target = capability.entry_point or f"{manifest.module}:{capability.name}"
    name = f"capability {capability.name!r} ({target})"
    manifest_path = f"{slice_.relpath}/{MANIFEST_NAME}"
    func, problem = _resolve(target)
    if problem:
        return None, Finding(f"{name}: {problem}", manifest_path)
    where = _source_of(func, config) or manifest_path
    if target.partition(":")[2].rsplit(".", 1)[-1].startswith("_") or not callable(func):
        return None, Finding(f"{name} is not a public function", where)
    point = getattr(func, "__matriz_emit_point__", None)
    allowed = [capability.emit_point] if capability.emit_point else list(manifest.emit_points)
    if not isinstance(point, str):
        return None, Finding(
            f"{name} is not instrumented: decorate it so it emits one of {', '.join(allowed)}",
            where,
        )
    if point not in allowed:
        declared_by = "its capability's emit_point" if capability.emit_point else "the manifest"
        return point, Finding(
            f"{name} emits {point!r}, which {declared_by} does not declare "
            f"(declared: {', '.join(allowed)})",
            where,
        )
    return point, None


def _resolve(target: str) -> tuple[Any, str | None]:
    """The object ``"pkg.mod:attr.attr"`` names, or a sentence saying why there is none."""
    module_name, _, attributes = target.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
    except (Exception, SystemExit) as exc:  # the slice's own import error, never a traceback
        return None, f"cannot import {module_name!r}: {type(exc).__name__}: {exc}"
    for attribute in attributes.split("."):
        obj = getattr(obj, attribute, _MISSING)
        if obj is _MISSING:
            return None, f"{module_name!r} has no {attributes!r}"
    return obj, None


@contextmanager
def _importable(slice_: Slice) -> Iterator[None]:
    """Let the slice's package be imported from the folder its dotted name starts in.

    Under pytest-xdist the controller collects nothing, so test collection has not put
    that folder on ``sys.path``.
    """
    parts = slice_.manifest.module.split(".") if slice_.manifest else []
    directory = slice_.directory
    root = directory.parents[len(parts) - 1] if parts else None
    if root is None or list(directory.parts[-len(parts) :]) != parts or str(root) in sys.path:
        yield
        return
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        yield
    finally:
        sys.path.remove(str(root))


def _source_of(func: Any, config: LaneConfig) -> str | None:
    """``path:line`` of ``func``'s definition, repository-relative, when it can be found."""
    try:
        unwrapped = inspect.unwrap(func)
        path = inspect.getsourcefile(unwrapped)
        line = unwrapped.__code__.co_firstlineno
    except (TypeError, ValueError, AttributeError):
        return None
    return f"{config.relpath(Path(path))}:{line}" if path else None


# --- what the tests emitted ----------------------------------------------------------------


@dataclass
class Coverage:
    """Emit points the run saw, as the gate judges them for one slice."""

    declared: list[str]
    passing: Counter[str] = field(default_factory=Counter)  # any producer, passing tests
    not_passing: dict[str, str] = field(default_factory=dict)  # point -> a test that emitted it
    undeclared: Counter[str] = field(default_factory=Counter)  # the slice's own nodes
    undeclared_by: dict[str, str] = field(default_factory=dict)  # point -> a producer
    invalid: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, slice_: Slice, records: list[TestRecord]) -> Coverage:
        assert slice_.manifest is not None
        coverage = cls(declared_points(slice_.manifest))
        owns = _Ownership(slice_, records)
        for record in records:
            coverage._add(record, owns)
        return coverage

    def _add(self, record: TestRecord, owns: _Ownership) -> None:
        data = record.data[EVIDENCE_KEY]
        for entry in data.get("emitted", []):
            point, count, producer = entry["point"], entry["count"], entry["producer"]
            if record.passed:
                self.passing[point] += count
            else:
                self.not_passing.setdefault(point, f"{record.nodeid} {record.outcome}")
            if point not in self.declared and owns(producer):
                self.undeclared[point] += count
                self.undeclared_by.setdefault(point, producer)
        for entry in data.get("invalid", []):
            if owns(entry.get("producer")) or owns.test(record):
                self.invalid.append({**entry, "test": record.nodeid})

    def findings(self, manifest_path: str) -> list[Finding]:
        found = [
            Finding(
                f"emitted a MATRIZ node the schema refuses, at "
                f"{bad['pointer'] or 'the top level'}: {bad['message']} "
                f"({bad['point'] or 'no type or label'} from {bad['producer'] or '?'})",
                bad["test"],
            )
            for bad in self.invalid
        ]
        for index, point in enumerate(self.declared):
            if self.passing[point]:
                continue
            where = f"{manifest_path} at /matriz_emit_points/{index}"
            if point in self.not_passing:
                reason = f"{point!r} was emitted only by tests that did not pass: "
                found.append(Finding(reason + self.not_passing[point], where))
            else:
                found.append(Finding(f"no passing test emitted {point!r}", where))
        found += [
            Finding(
                f"emitted {point or 'a node without a label'!r}, which the manifest does not "
                f"declare (by {self.undeclared_by[point]}): declare it in matriz_emit_points "
                "or fix the emit point",
                f"{manifest_path} at /matriz_emit_points",
            )
            for point in self.undeclared
        ]
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "declared": self.declared,
            "emitted": {p: self.passing[p] for p in self.declared if self.passing[p]},
            "missing": [p for p in self.declared if not self.passing[p]],
            "undeclared": dict(self.undeclared),
            "invalid": self.invalid,
        }


class _Ownership:
    """Whether a node's producer (or a test) is the slice's own code.

    The producer's module must lie in the slice's package, but not in a slice nested in
    it, nor in a test module or conftest.py (a helper a test instruments is not the slice).
    """

    def __init__(self, slice_: Slice, records: list[TestRecord]) -> None:
        assert slice_.manifest is not None
        self.module = slice_.manifest.module
        self.slice = slice_
        self._test_files = {record.path for record in records}
        self._known: dict[str, bool] = {}

    def __call__(self, producer: object) -> bool:
        if not isinstance(producer, str):
            return False
        if producer not in self._known:
            inside = producer == self.module or producer.startswith(self.module + ".")
            self._known[producer] = inside and self._slice_code(producer)
        return self._known[producer]

    def test(self, record: TestRecord) -> bool:
        return self.slice.holds(record.path)

    def _slice_code(self, producer: str) -> bool:
        """Follow the producer's dotted path down the slice's folders to its module file."""
        directory = self.slice.directory
        for part in producer[len(self.module) + 1 :].split("."):
            if (directory / part / MANIFEST_NAME).is_file():
                return False  # a nested slice's code
            module_file = directory / f"{part}.py"
            if module_file.is_file():
                inner = module_file.relative_to(self.slice.directory).as_posix()
                relpath = f"{self.slice.relpath}/{inner}"
                return part != "conftest" and relpath not in self._test_files
            directory = directory / part
            if not directory.is_dir():
                break
        return True
