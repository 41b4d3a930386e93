"""The runtime import guard: while the tests run, every module whose file lies in a lane
the accepted lane may not import, loaded (or imported again from ``sys.modules``) by code
in the accepted lane, becomes a finding that names the test that triggered it.

Three hooks see every route:

* an audit hook on ``exec`` sees each module body as it runs, however it was loaded
  (import statement, importlib, ``spec_from_file_location``, runpy, pkgutil); the importer is
  the first frame outside the import machinery;
* a wrapper of ``builtins.__import__`` and ``importlib.import_module`` sees imports of
  modules already in ``sys.modules`` (loaded before the guard started, or earlier in the
  session by code that may load them); it only looks further when such a module exists.

Audit hooks cannot be removed, so one process-wide hook forwards to the active guard.
"""

from __future__ import annotations

import builtins
import importlib
import linecache
import os
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

from ..lanes import LaneConfig
from ..problems import Severity
from . import findings as kinds
from .findings import Finding, Hop
from .graph import ImportGraph
from .parse import PRAGMA
from .resolve import import_roots
from .rules import Checker, Rule, rules_of
from .scan import is_repo_code

_STDLIB = sysconfig.get_paths()["stdlib"]
_MACHINERY = tuple(
    str(Path(_STDLIB, name)) for name in ("importlib", "runpy.py", "pkgutil.py", "imp.py")
)
_ACTIVE: Guard | None = None
_HOOKED = False
_original_import = builtins.__import__
_original_import_module = importlib.import_module


@dataclass(frozen=True)
class Record:
    module: str
    target: str  # repo-relative file of the loaded module
    importer: str  # repo-relative file of the importing code
    line: int
    test: str
    rules: tuple[str, ...]


class Guard:
    def __init__(self, config: LaneConfig) -> None:
        self.config = config
        self.repo = os.path.realpath(config.repo_root) + os.sep
        self.checker = Checker(config, ImportGraph({}, roots=import_roots(config)))
        self.rules = rules_of(config)
        self.current = "(before the first test: plugins and conftest files)"
        self.records: dict[tuple[str, str, int, str], Record] = {}
        self.watching = False  # set once a repo module outside the accepted root is loaded
        self.outside: dict[str, str | None] = {}  # module name -> its file when it is watched
        self._places: dict[str, str | None] = {}
        self._previous: tuple[Any, ...] | None = None  # what install replaced (guards nest)
        self._forbids: dict[tuple[str, str], tuple[str, ...]] = {}

    # -- installation ---------------------------------------------------------------
    def install(self) -> Guard:
        global _ACTIVE, _HOOKED  # noqa: PLW0603 - one guard per process, like the audit hook
        if not _HOOKED:
            sys.addaudithook(_audit)
            _HOOKED = True
        self._previous = (_ACTIVE, builtins.__import__, importlib.import_module)
        _ACTIVE = self
        builtins.__import__ = _guarded_import
        importlib.import_module = _guarded_import_module
        self.watching = any(map(self.outside_accepted, list(sys.modules.values())))
        return self

    def uninstall(self) -> None:
        """Put back what :meth:`install` replaced (an outer session's guard, if any)."""
        global _ACTIVE
        if _ACTIVE is self and self._previous is not None:
            _ACTIVE, builtins.__import__, importlib.import_module = self._previous
            self._previous = None

    # -- judging --------------------------------------------------------------------
    def place(self, filename: str | None) -> str | None:
        """Repo-relative path of a source file, or None outside the repository."""
        if not filename or filename[0] == "<":
            return None
        known = self._places.get(filename, "")
        if known != "":
            return known
        real = os.path.realpath(filename)
        place = real[len(self.repo) :].replace(os.sep, "/") if real.startswith(self.repo) else None
        if place is not None and not is_repo_code(place):
            place = None  # a virtual environment inside the repository: installed code
        self._places[filename] = place
        return place

    def forbidding(self, importer: str, target: str) -> tuple[str, ...]:
        """Texts of the rules that forbid ``importer`` (accepted lane) to load ``target``."""
        key = (importer, target)
        if key not in self._forbids:
            self._forbids[key] = tuple(
                rule.text
                for rule in self.rules
                if self._applies(rule, importer) and self.checker._forbidden(rule, target)
            )
        return self._forbids[key]

    def _applies(self, rule: Rule, importer: str) -> bool:
        if rule.lane is not None:
            return self.checker.lane(importer) is rule.lane
        return self.checker.match(rule.importer_glob or "", importer) and not any(
            self.checker.match(g, importer) for g in rule.deny
        )

    def outside_accepted(self, module: ModuleType | None) -> str | None:
        """The module's repo-relative file when it is in the repository but not in the
        accepted lane's root."""
        place = self.place(getattr(module, "__file__", None))
        return place if place is not None and not self.config.accepted.holds(place) else None

    def saw(self, name: str, target: str, frame: FrameType | None) -> None:
        """``target`` (module ``name``) was loaded or imported; judge the importing frame."""
        importer_frame = _importer(frame)
        if importer_frame is None:
            return
        importer = self.place(importer_frame.f_code.co_filename)
        if importer is None or not self.config.accepted.holds(importer):
            return
        rules = self.forbidding(importer, target)
        line = importer_frame.f_lineno or 0
        if not rules or _has_pragma(importer_frame.f_code.co_filename, line):
            return
        key = (importer, name, line, self.current)
        self.records.setdefault(key, Record(name, target, importer, line, self.current, rules))

    def findings(self) -> list[Finding]:
        """One finding per module loaded, not also one per package its import ran."""
        records = list(self.records.values())
        packages = {
            (r.importer, r.line, r.test, r.target.removesuffix("__init__.py"))
            for r in records
            if r.target.endswith("/__init__.py")
        }
        deeper = {
            (r.importer, r.line, r.test, r.target[: i + 1])
            for r in records
            for i, char in enumerate(r.target)
            if char == "/" and not r.target.endswith("/__init__.py")
        }
        hidden = packages & deeper
        return [
            to_finding(r, self.checker)
            for r in records
            if (r.importer, r.line, r.test, r.target.removesuffix("__init__.py")) not in hidden
        ]


def to_finding(record: Record, checker: Checker) -> Finding:
    lane = checker.lane(record.importer)
    target_lane = checker.lane(record.target)
    text = linecache.getline(str(checker.config.repo_root / record.importer), record.line)
    importer = checker.graph.name(record.importer)
    hop = Hop(importer, record.importer, record.line, text.strip(),
              "runtime", record.module, record.target)  # fmt: skip
    where = f"the {target_lane.name} lane" if target_lane else record.target
    return Finding(
        kind=kinds.RUNTIME_IMPORT,
        severity=Severity.ERROR,
        lane=lane.name if lane else None,
        file=record.importer,
        line=record.line,
        message=f"{record.module} ({where}) loaded at run time by {importer}",
        remedy=f"remove the import at {record.importer}:{record.line}; register the provider "
        "at run time from outside the accepted lane instead",
        rules=record.rules,
        chain=(hop,),
        target=record.target,
        test=record.test,
    )


def _importer(frame: FrameType | None) -> FrameType | None:
    """The first frame outside the import machinery (and outside this module)."""
    while frame is not None:
        filename = frame.f_code.co_filename
        if not (
            filename.startswith("<frozen")
            or filename.startswith(_MACHINERY)
            or filename == __file__
        ):
            return frame
        frame = frame.f_back
    return None


def _has_pragma(filename: str, line: int) -> bool:
    for number in (line, line - 1):
        match = PRAGMA.search(linecache.getline(filename, number))
        if match and (match.group(1) or "").strip():
            return True
    return False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event != "exec" or _ACTIVE is None:
        return
    code = args[0]
    if getattr(code, "co_name", None) != "<module>":
        return
    guard = _ACTIVE
    target = guard.place(code.co_filename)
    if target is None or guard.config.accepted.holds(target):
        return
    guard.watching = True
    guard.saw(guard.checker.graph.name(target), target, sys._getframe(1))


def _guarded_import(
    name: str,
    globals: dict[str, Any] | None = None,
    locals: dict[str, Any] | None = None,
    fromlist: Any = (),
    level: int = 0,
) -> ModuleType:
    __tracebackhide__ = True  # pytest: an ImportError is the importer's, not the guard's
    module = _original_import(name, globals, locals, fromlist, level)
    guard = _ACTIVE
    if guard is not None and guard.watching:
        if not level and not fromlist and guard.outside.get(name, "") is None:
            return module  # the common case: a module already known not to be watched
        absolute = name
        if level:
            package = (globals or {}).get("__package__") or ""
            try:
                absolute = importlib.util.resolve_name("." * level + name, package)
            except (ImportError, ValueError):
                return module
        _check_cached(guard, absolute, fromlist, sys._getframe(1))
    return module


def _guarded_import_module(name: str, package: str | None = None) -> ModuleType:
    __tracebackhide__ = True
    module = _original_import_module(name, package)
    guard = _ACTIVE
    if guard is not None and guard.watching:
        _check_cached(guard, module.__name__, (), sys._getframe(1))
    return module


def _check_cached(guard: Guard, absolute: str, fromlist: Any, frame: FrameType) -> None:
    names = [absolute]
    if fromlist:
        names += [f"{absolute}.{item}" for item in fromlist if isinstance(item, str)]
    for name in names:
        target = guard.outside.get(name, "")
        if target == "":
            module = sys.modules.get(name)
            target = guard.outside_accepted(module)
            if module is not None:
                guard.outside[name] = target
        if target:
            guard.saw(name, target, frame)
