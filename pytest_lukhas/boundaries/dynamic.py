"""Imports a static import linter cannot see: importlib, ``__import__``, runpy, pkgutil,
loaders from file paths, and changes of ``sys.path``, import hooks and ``PYTHONPATH``.

Calls are recognised by their qualified name after the file's own import aliases
(``import importlib as il; il.import_module(...)``, ``from sys import path``). A target
written as a string literal (or a concatenation of literals) is resolved like any import; a
target computed at run time cannot be checked statically and is reported as
"unverifiable" when it comes from the accepted lane.
"""

from __future__ import annotations

import ast
import bisect
import re
import unicodedata
from collections.abc import Iterator
from functools import cache
from typing import Any

# function -> (target kind, positional index, keyword) of the argument naming the target
MODULE, PATH = "module", "path"
LOADERS: dict[str, tuple[str, int, str]] = {
    "importlib.import_module": (MODULE, 0, "name"),
    "importlib.__import__": (MODULE, 0, "name"),
    "__import__": (MODULE, 0, "name"),
    "builtins.__import__": (MODULE, 0, "name"),
    "importlib.util.find_spec": (MODULE, 0, "name"),
    "runpy.run_module": (MODULE, 0, "mod_name"),
    "pkgutil.get_loader": (MODULE, 0, "module_or_name"),
    "pkgutil.find_loader": (MODULE, 0, "fullname"),
    "pkgutil.resolve_name": (MODULE, 0, "name"),
    "importlib.util.spec_from_file_location": (PATH, 1, "location"),
    "importlib.machinery.SourceFileLoader": (PATH, 1, "path"),
    "importlib.machinery.SourcelessFileLoader": (PATH, 1, "path"),
    "imp.load_source": (PATH, 1, "pathname"),
    "runpy.run_path": (PATH, 0, "path_name"),
    "pkgutil.walk_packages": (PATH, 0, "path"),
}
_SYS_LISTS = ("sys.path", "sys.meta_path", "sys.path_hooks")
_MUTATORS = frozenset(
    {"insert", "append", "extend", "remove", "pop", "clear", "__setitem__", "__iadd__"}
)
_ENV_SETTERS = frozenset({"os.environ.setdefault", "os.environ.update", "os.putenv"})
# The first part of every qualified name looked for: a call or assignment can only match
# when its expression starts with one of these, or with a local name bound to one.
_HEADS = frozenset(
    name.split(".")[0]
    for name in (*LOADERS, *_SYS_LISTS, *_ENV_SETTERS, "os.environ", "site.addsitedir")
)


def marked_lines(imports: list[tuple[Any, ...]], text: str, lines: list[str]) -> list[int]:
    """The lines that name a head (:data:`_HEADS`) or a local alias of one (``imports``
    gives the aliases): only statements spanning them can load a module or change the
    import path."""
    aliases = _aliases(imports)
    names = _HEADS | {local for local, name in aliases.items() if name.split(".")[0] in _HEADS}
    return _lines_naming(names, text, lines)


# The last part of every name whose call or assignment find_calls reports: a statement
# that reports something names one of these, or a local alias of one.
_EFFECTS = frozenset(
    {name.rsplit(".", 1)[-1] for name in LOADERS}
    | {"path", "meta_path", "path_hooks", "addsitedir", "environ", "putenv", "PYTHONPATH"}
)


def effect_lines(imports: list[tuple[Any, ...]], text: str, lines: list[str]) -> list[int]:
    """The lines that name what :func:`find_calls` can report (a loader, an import path
    list, PYTHONPATH) or a local alias of one: fewer than :func:`marked_lines`, which
    follow every use of ``os`` and ``sys``."""
    aliases = _aliases(imports)
    names = _EFFECTS | {
        local for local, name in aliases.items() if name.rsplit(".", 1)[-1] in _EFFECTS
    }
    return _lines_naming(names, text, lines)


def find_calls(
    tree: ast.Module, imports: list[tuple[Any, ...]], text: str, lines: list[str]
) -> tuple[tuple[tuple[Any, ...], ...], tuple[tuple[Any, ...], ...]]:
    """(dynamic loads, import path changes) in ``tree`` of ``text``; ``imports`` gives the
    aliases. Only statements spanning :func:`marked_lines` are walked: walking every node
    of a large module costs more than parsing it."""
    aliases = _aliases(imports)
    marked = marked_lines(imports, text, lines)
    loads: list[tuple[Any, ...]] = []
    changes: list[tuple[Any, ...]] = []
    for node in _nodes_on(tree, marked) if marked else ():
        if isinstance(node, ast.Call):
            name = qualified(node.func, aliases)
            if name is None:
                continue
            if name in LOADERS:
                loads.append(_load(node, name, lines))
            elif _changes_path(node, name):
                line, end, source = _where(node, lines)
                changes.append((line, end, f"{name}(...)", source))
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            for target in targets:
                what = _assigned_path(target, aliases)
                if what:
                    line, end, source = _where(node, lines)
                    changes.append((line, end, what, source))
    return tuple(sorted(loads)), tuple(sorted(changes))


def _lines_naming(names: frozenset[str] | set[str], text: str, lines: list[str]) -> list[int]:
    """The numbers of the lines holding one of ``names`` as a word, ascending. Identifiers
    are read in their NFKC form, as CPython reads them (normalizing never adds or removes
    a line end)."""
    if "\r" in text:  # CPython also ends a line at a lone carriage return
        text = "\n".join(lines)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    marked: list[int] = []
    line, counted = 1, 0
    starts = sorted(match.start() for name in names for match in _word(name).finditer(text))
    for start in starts:
        line += text.count("\n", counted, start)
        counted = start
        if not marked or marked[-1] != line:
            marked.append(line)
    return marked


@cache
def _word(name: str) -> re.Pattern[str]:
    """``name`` as a whole word. One pattern per name, starting with the name itself: a
    search skips fastest to a literal (an alternation of names is four times slower)."""
    escaped = re.escape(name)
    return re.compile(rf"{escaped}\b(?<!\w{escaped})")


def _nodes_on(tree: ast.Module, marked: list[int]) -> Iterator[ast.AST]:
    """Every node of ``tree`` but the statements (with all they hold) whose lines, from
    the first decorator to the end, include none of ``marked``."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.stmt):
            first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
            at = bisect.bisect_left(marked, first)
            if at == len(marked) or marked[at] > (node.end_lineno or node.lineno):
                continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def qualified(expr: ast.expr, aliases: dict[str, str]) -> str | None:
    """``il.import_module`` -> ``importlib.import_module`` given ``import importlib as il``."""
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    parts.append(aliases.get(expr.id, expr.id))
    return ".".join(reversed(parts))


def literal(expr: ast.expr | None) -> str | None:
    """The string an expression always evaluates to, when it is written as literals."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        left, right = literal(expr.left), literal(expr.right)
        return left + right if left is not None and right is not None else None
    if isinstance(expr, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in expr.values):
        return "".join(str(v.value) for v in expr.values)  # type: ignore[attr-defined]
    return None


def _aliases(imports: list[tuple[Any, ...]]) -> dict[str, str]:
    """Local names bound by the file's imports, as qualified names (aliases are not kept by
    the import records, so ``import x as y`` is recovered from the statement text)."""
    aliases: dict[str, str] = {}
    for _line, _end, module, names, level, _flags, text in imports:
        if level:
            continue
        if not names:
            as_name = _as_name(text, module)
            aliases[as_name or module.split(".")[0]] = module if as_name else module.split(".")[0]
        else:
            for name in names:
                aliases[_as_name(text, name) or name] = f"{module}.{name}"
    return aliases


def _as_name(text: str, name: str) -> str | None:
    marker = f"{name} as "
    start = text.find(marker)
    if start < 0:
        return None
    rest = text[start + len(marker) :].lstrip()
    end = 0
    while end < len(rest) and (rest[end].isalnum() or rest[end] == "_"):
        end += 1
    return rest[:end] or None


def _where(node: ast.AST, lines: list[str]) -> tuple[int, int, str]:
    line = node.lineno  # type: ignore[attr-defined]
    end = node.end_lineno or line  # type: ignore[attr-defined]
    text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return line, end, text


def _argument(call: ast.Call, index: int, keyword: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    positional = [a for a in call.args if not isinstance(a, ast.Starred)]
    return positional[index] if index < len(positional) else None


def _load(call: ast.Call, name: str, lines: list[str]) -> tuple[Any, ...]:
    kind, index, keyword = LOADERS[name]
    line, end, text = _where(call, lines)
    expr = _argument(call, index, keyword)
    target: str | None
    if name == "pkgutil.walk_packages":
        target = _literal_list(expr) if expr is not None else None
    else:
        target = literal(expr)
    if target is not None and kind == MODULE:
        target = _absolute(call, name, target)
    return (line, end, name, kind, target, text)


def _literal_list(expr: ast.expr) -> str | None:
    """``["plugins"]`` -> ``"plugins"`` (several directories are joined with os.pathsep)."""
    if isinstance(expr, ast.List | ast.Tuple):
        items = [literal(e) for e in expr.elts]
        if items and all(i is not None for i in items):
            return ":".join(items)  # type: ignore[arg-type]
    return None


def _absolute(call: ast.Call, name: str, target: str) -> str | None:
    """Module targets made absolute; a relative one needs a literal ``package``."""
    if name == "pkgutil.resolve_name":
        target = target.split(":", 1)[0]
    if name in ("__import__", "builtins.__import__", "importlib.__import__"):
        level = _argument(call, 4, "level")
        if isinstance(level, ast.Constant) and level.value:
            return None  # relative __import__: the package comes from globals at run time
        fromlist = _argument(call, 3, "fromlist")
        names = _literal_names(fromlist)
        return target + (":" + ",".join(names) if names else "")
    if not target.startswith("."):
        return target
    package = literal(_argument(call, 1, "package"))
    if package is None:
        return None
    dots = len(target) - len(target.lstrip("."))
    base = package.split(".")
    if dots - 1 >= len(base):
        return None
    base = base[: len(base) - (dots - 1)]
    rest = target[dots:]
    return ".".join([*base, rest] if rest else base)


def _literal_names(expr: ast.expr | None) -> list[str]:
    if isinstance(expr, ast.List | ast.Tuple):
        return [v for v in (literal(e) for e in expr.elts) if v and v != "*"]
    return []


def _changes_path(call: ast.Call, name: str) -> bool:
    owner, _, method = name.rpartition(".")
    if owner in _SYS_LISTS and method in _MUTATORS:
        return True
    if name == "site.addsitedir":
        return True
    if name in _ENV_SETTERS:
        keys = [literal(a) for a in call.args[:1]] + [kw.arg for kw in call.keywords]
        if call.args and isinstance(call.args[0], ast.Dict):
            keys += [literal(k) for k in call.args[0].keys if k is not None]
        return "PYTHONPATH" in keys
    return False


def _assigned_path(target: ast.expr, aliases: dict[str, str]) -> str | None:
    """``sys.path = ...``, ``sys.path[0:0] = ...``, ``os.environ["PYTHONPATH"] = ...``."""
    if isinstance(target, ast.Subscript):
        owner = qualified(target.value, aliases)
        if owner in _SYS_LISTS:
            return f"{owner}[...] ="
        if owner == "os.environ" and literal(target.slice) == "PYTHONPATH":
            return 'os.environ["PYTHONPATH"] ='
        return None
    owner = qualified(target, aliases)
    return f"{owner} =" if owner in _SYS_LISTS else None
