"""Where import statements start, per file, from grimp's Rust import scanner (ruff's parser).

``grimp._rustgrimp.scan_for_imports`` parses files in parallel threads without the GIL and
resolves each import against a set of known modules. Only the line numbers of its answer
are used here (its resolution is grimp's, not ours); :mod:`.importline` reads each line
back. One call fails as a whole on the first file it cannot read or parse (or on a panic in
grimp), so a failing batch is split in halves until each failing file stands alone: those
files are returned as None, for CPython to judge.

grimp's threads (a rayon pool, started on first use) do not survive ``fork``: a forked child
that calls it again waits forever. The fast path is therefore off in any process forked
after grimp's native module was loaded (:func:`usable`); a process forked before that may
use it (:func:`forked_children_may_use`).

Every file is named to grimp as one module of a single package rooted at the repository,
``<32 placeholders>.<path parts>``: the placeholders keep grimp's resolution of relative
imports (up to 30 levels, see :mod:`.prefilter`) inside the name.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any, NamedTuple

_PACKAGE = ".".join(["_"] * 32)
_SWAP = threading.Lock()
_NATIVE = "grimp._rustgrimp"
_FORKED_AFTER_LOAD: list[bool] = []  # one entry in a process forked after grimp was loaded


def usable() -> bool:
    """Whether grimp's scanner may be called in this process."""
    return not _FORKED_AFTER_LOAD


def forked_children_may_use() -> bool:
    """Whether a process forked from this one now could call grimp's scanner."""
    return usable() and _NATIVE not in sys.modules


def _after_fork_in_child() -> None:
    if _NATIVE in sys.modules:
        _FORKED_AFTER_LOAD.append(True)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class _Module(NamedTuple):
    name: str


class _ModuleFile(NamedTuple):
    module: _Module
    mtime: float


class _Package(NamedTuple):
    name: str
    directory: str
    module_files: frozenset[_ModuleFile]
    namespace_packages: frozenset[str]


def scannable(relpath: str) -> bool:
    """Whether grimp can be told where the file is: each part a plain name."""
    parts = relpath.removesuffix(".py").split("/")
    return relpath.endswith(".py") and all(p and "." not in p for p in parts)


def import_lines(
    repo: str, relpaths: Sequence[str], sources: Mapping[str, bytes] | None = None
) -> dict[str, set[int] | None]:
    """The lines where import statements start in each file (``relpath`` below ``repo``,
    each :func:`scannable`), or None for a file ruff could not read or parse.

    grimp reports a relative import only when it knows the module imported; ``sources``
    (the files' bytes) lets it know what each file's relative imports name (see
    :func:`relative_targets`), so they are not left out."""
    known: set[str] = set()
    for relpath, data in (sources or {}).items():
        known |= relative_targets(relpath, data)
    return _import_lines(repo, relpaths, known)


def _import_lines(
    repo: str, relpaths: Sequence[str], known: set[str]
) -> dict[str, set[int] | None]:
    if not relpaths:
        return {}
    names = {f"{_PACKAGE}.{p.removesuffix('.py').replace('/', '.')}": p for p in relpaths}
    try:
        found = _scan(repo, list(names), known)
    except Exception:  # a syntax error, an unreadable file, or a panic in grimp
        if len(relpaths) == 1:
            return {relpaths[0]: None}
        half = len(relpaths) // 2
        return {
            **_import_lines(repo, relpaths[:half], known),
            **_import_lines(repo, relpaths[half:], known),
        }
    return {
        names[getattr(module, "name", module)]: {getattr(i, "line_number", i) for i in imports}
        for module, imports in found.items()
    }


_RELATIVE = re.compile(rb"from[ \t]*(\.+)[ \t]*(?!import\b)([A-Za-z_][A-Za-z0-9_.]*)?")


def relative_targets(relpath: str, data: bytes) -> set[str]:
    """The module names (as grimp is told them) that what looks like a relative import in
    ``data`` may name: its package and the module after the dots. A docstring may add a
    name no file has; that only makes grimp resolve more, and only its lines are used."""
    if b"from" not in data or b"." not in data:
        return set()
    module = [_PACKAGE, *relpath.removesuffix(".py").split("/")]
    # grimp resolves from the package a file is in; it takes an __init__.py for its package
    package = module if module[-1] == "__init__" else module[:-1]
    found = set()
    for match in _RELATIVE.finditer(data):
        dots = len(match[1])
        if dots - 1 >= len(package):
            continue
        base = package[: len(package) - (dots - 1)]
        found.add(".".join(base))
        if match[2]:
            found.add(".".join([*base, match[2].decode().rstrip(".")]))
    return found


def _line_number(**direct_import: Any) -> int:
    return direct_import["line_number"]


@contextmanager
def _plain_results() -> Iterator[None]:
    """grimp builds its answer from the classes in ``grimp.domain.valueobjects``, looked up
    at each call: a Module and a DirectImport dataclass per import cost about a third of
    the call. While our call runs they are swapped for ``str`` and a function returning the
    line number (what this module reads either way), under a lock, and always restored."""
    from grimp.domain import valueobjects

    with _SWAP:
        saved = valueobjects.Module, valueobjects.DirectImport
        valueobjects.Module, valueobjects.DirectImport = str, _line_number  # type: ignore[misc]
        try:
            yield
        finally:
            valueobjects.Module, valueobjects.DirectImport = saved  # type: ignore[misc]


def _scan(repo: str, names: list[str], known: set[str]) -> dict[Any, set[Any]]:
    files = frozenset(_ModuleFile(_Module(name), 0.0) for name in names)
    more = frozenset(_ModuleFile(_Module(name), 0.0) for name in known.difference(names))
    package = _Package(_PACKAGE, repo, files | more, frozenset())
    rust = _rustgrimp()
    try:
        with _plain_results():
            return rust.scan_for_imports(
                module_files=tuple(files),
                found_packages={package},
                include_external_packages=True,  # every import statement, resolved or not
                exclude_type_checking_imports=False,
                file_system=rust.RealBasicFileSystem(),
            )
    except BaseException as exc:  # pyo3 raises a Rust panic as PanicException(BaseException)
        if type(exc).__name__ == "PanicException":
            raise RuntimeError(str(exc)) from None
        raise


@cache
def _rustgrimp() -> Any:
    from grimp import _rustgrimp  # type: ignore[attr-defined]

    return _rustgrimp
