"""One Python file -> what it imports, as plain tuples (cheap to cache and to pass between
processes).

Each file's result is ``(error, imports, dynamic, path_changes, pragmas)``:

* ``error``: None, or ``(kind, message, line)`` when the file cannot be decoded or parsed;
* ``imports``: ``(line, end_line, module, names, level, flags, text)`` per imported name
  group; ``module`` is the dotted name written (``""`` for ``from . import x``), ``names``
  the names after ``import`` in a from-import (``()`` for ``import a.b``);
* ``dynamic``: ``(line, end_line, function, target_kind, target, text)`` for importlib,
  ``__import__``, runpy and pkgutil loading (see :mod:`.dynamic`);
* ``path_changes``: ``(line, end_line, what, text)`` for sys.path / site / PYTHONPATH changes;
* ``pragmas``: ``(line, reason)`` for each ``# lukhas: allow-import(reason)`` comment
  (``reason`` is ``""`` when none was given).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings
from typing import Any

from . import dynamic, importline

# Import flags: under `if TYPE_CHECKING:`, inside try/except ImportError.
IN_TYPE_CHECKING, GUARDED = 1, 2

PRAGMA = re.compile(r"#\s*lukhas:\s*allow-import\b(?:\(([^)]*)\))?")
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})

FileParse = tuple[Any, ...]
_NEWLINE = re.compile("\r\n|\r|\n")  # CPython's line ends (str.splitlines() knows more)
_LOOPS_AND_BLOCKS = (ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.ClassDef)


def decode(data: bytes) -> str:
    """Source bytes -> text, honouring a BOM or PEP 263 coding cookie.

    Raises SyntaxError (bad cookie, unknown encoding) or UnicodeDecodeError.
    """
    head = data[:400]
    if b"coding" not in head:  # no cookie in the first two lines: UTF-8, maybe with a BOM
        return data.decode("utf-8-sig")
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


def parse_source(data: bytes) -> FileParse:
    """Everything the boundary rules need from one file's bytes; never raises."""
    try:
        text = decode(data)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return (("undecodable", f"cannot decode the file: {exc}", None), (), (), (), ())
    try:
        with warnings.catch_warnings():  # a verdict that does not depend on -W options
            warnings.simplefilter("ignore")
            tree = compile(text, "<scan>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        return (("syntax-error", f"does not parse: {exc.msg}", exc.lineno), (), (), (), ())
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        return (("syntax-error", f"does not parse: {exc}", None), (), (), (), ())
    lines = source_lines(text)
    imports: list[tuple[Any, ...]] = []
    _collect(tree.body, 0, imports, lines)
    calls = dynamic.find_calls(tree, imports, text, lines)
    return (None, tuple(imports), calls[0], calls[1], pragmas_of(text))


def parse_import_lines(
    data: bytes, starts: set[int], statements: int | None = None
) -> FileParse | None:
    """The fast path: what :func:`parse_source` gives for a file that parses and needs
    nothing from the AST but its imports (see :mod:`.prefilter`), given the lines ``starts``
    where ruff found import statements, every import's flags 0. None unless each statement
    is one this module reads back whole (:func:`.importline.statement_records`) and there
    are ``statements`` of them (by default, as many as the file holds the word ``import``):
    ruff's answer leaves out imports grimp cannot place, such as a relative import of a
    module it does not know."""
    if (data.count(b"import") if statements is None else statements) != len(starts):
        return None
    lines = data.split(b"\n")
    imports: list[tuple[Any, ...]] = []
    for line in sorted(starts):
        found = importline.statement_records(line, lines)
        if found is None:
            return None
        imports += found[0]
    return (None, tuple(imports), (), (), ())


def source_lines(text: str) -> list[str]:
    """The lines as CPython numbers them."""
    return _NEWLINE.split(text) if "\r" in text else text.split("\n")


def line_text(lines: list[str], line: int) -> str:
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def _collect(
    body: list[ast.stmt], flags: int, out: list[tuple[Any, ...]], lines: list[str]
) -> None:
    """Import statements anywhere in ``body`` (statements only: imports are never expressions)."""
    for node in body:
        kind = type(node)
        if kind is ast.Import:
            for alias in node.names:
                out.append(_record(node, alias.name, (), 0, flags=flags, lines=lines))
        elif kind is ast.ImportFrom:
            names = tuple(alias.name for alias in node.names)
            out.append(
                _record(node, node.module or "", names, node.level, flags=flags, lines=lines)
            )
        elif kind is ast.If:
            inner = flags | IN_TYPE_CHECKING if _is_type_checking(node.test) else flags
            _collect(node.body, inner, out, lines)
            _collect(node.orelse, flags, out, lines)
        elif kind is ast.Try or kind is ast.TryStar:
            guarded = flags | GUARDED if _catches_import_error(node) else flags
            _collect(node.body, guarded, out, lines)
            for handler in node.handlers:
                _collect(handler.body, flags, out, lines)
            _collect(node.orelse, flags, out, lines)
            _collect(node.finalbody, flags, out, lines)
        elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            _collect(node.body, flags, out, lines)
        elif kind is ast.Match:
            for case in node.cases:
                _collect(case.body, flags, out, lines)
        elif kind in _LOOPS_AND_BLOCKS:
            _collect(node.body, flags, out, lines)  # type: ignore[attr-defined]
            _collect(getattr(node, "orelse", ()), flags, out, lines)


def _record(
    node: ast.stmt,
    module: str,
    names: tuple[str, ...],
    level: int,
    *,
    flags: int,
    lines: list[str],
) -> tuple[Any, ...]:
    end = node.end_lineno or node.lineno
    return (node.lineno, end, module, names, level, flags, line_text(lines, node.lineno))


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _catches_import_error(node: ast.Try | ast.TryStar) -> bool:
    for handler in node.handlers:
        if handler.type is None:
            return True
        caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        for expr in caught:
            name = expr.id if isinstance(expr, ast.Name) else getattr(expr, "attr", None)
            if name in _IMPORT_ERRORS:
                return True
    return False


def pragmas_of(text: str) -> tuple[tuple[int, str], ...]:
    if "allow-import" not in text:
        return ()
    found = []
    for number, line in enumerate(source_lines(text), start=1):
        match = PRAGMA.search(line)
        if match:
            found.append((number, (match.group(1) or "").strip()))
    return tuple(found)
