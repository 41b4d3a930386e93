"""Frozen flags: feature flags read from the environment while a module is imported.

Such a value is fixed for the life of the process, so one test run cannot see both flag
states. This is a static check: it reads the code that runs at import (the module body,
class bodies, decorators and default values, not function bodies) for

- direct reads: ``os.getenv(F)``, ``os.environ[F]``, ``os.environ.get(F)``,
  ``F in os.environ`` (also through ``from os import environ, getenv`` and aliases);
- calls of the repository's own functions that read ``F`` when called, however deep: the
  project's flag API (``live(FLAG)``, ``dry_run()``), ``F`` passed as an argument or
  fixed inside the function;

where ``F`` is a declared flag written as a string literal or a module constant (defined
in the file, or imported from a file of the repo). :func:`scan` also follows the modules
a scanned file imports at import time into the files ``follow`` accepts (the accepted
lane): their import-time reads run whenever the scanned code is imported.
"""

from __future__ import annotations

import ast
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_SKIP_DIRS = frozenset({"__pycache__", ".venv", "venv", "node_modules"})
_MAX_DEPTH = 8  # re-exports followed to find where a name is defined
_Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class FrozenRead:
    path: str  # repo-relative
    line: int
    flag: str
    code: str  # the expression that reads it
    # For a file outside the scanned folder: the files from the scanned one that imports
    # it at import time down to this one.
    via: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def scan(
    directory: Path,
    repo_root: Path,
    flags: Iterable[str],
    *,
    roots: Sequence[str] = ("",),
    follow: Callable[[str], bool] | None = None,
) -> list[FrozenRead]:
    """Every import-time read of ``flags`` in the Python files under ``directory``, then in
    the repository files they import at import time that ``follow(relpath)`` accepts.

    ``roots`` are the repo-relative folders absolute imports are resolved from. Files that
    cannot be read or parsed are skipped: another check reports them.
    """
    wanted = frozenset(flags)
    repo = _Repo(repo_root, roots)
    own = sorted(_python_files(directory))
    queue: deque[tuple[Path, tuple[str, ...]]] = deque((path, ()) for path in own)
    seen = set(own)
    found: list[FrozenRead] = []
    while queue:
        path, via = queue.popleft()
        module = repo.module(path)
        if module is None:
            continue
        finder = _Finder(repo, module, wanted)
        finder.visit_import_time(module.tree)
        relpath = repo.relpath(path)
        found += [FrozenRead(relpath, *read, via) for read in sorted(set(finder.found))]
        for imported in finder.imported if follow is not None else ():
            other = repo.relpath(imported)
            if imported not in seen and not imported.is_relative_to(directory) and follow(other):
                seen.add(imported)
                queue.append((imported, (*(via or (relpath,)), other)))
    return found


def reads(tree: ast.Module, flags: frozenset[str]) -> list[tuple[int, str, str]]:
    """``(line, flag, code)`` of each read of ``flags`` in the code ``tree`` runs at import
    (calls of functions defined in ``tree`` included)."""
    finder = _Finder(_Repo(None, ()), _Module(None, tree), flags)
    finder.visit_import_time(tree)
    return sorted(set(finder.found))


class _Module:
    """One parsed file and the names it binds, as the checks need them."""

    def __init__(self, path: Path | None, tree: ast.Module) -> None:
        self.path = path
        self.tree = tree
        self.constants = string_constants(tree)
        self.functions = {n.name: n for n in tree.body if isinstance(n, _Function)}
        self.os_names: set[str] = set()
        self.environ_names: set[str] = set()
        self.getenv_names: set[str] = set()
        self.from_imports: dict[str, tuple[str, str, int]] = {}  # bound -> module, name, level
        self.module_imports: dict[str, str] = {}  # bound name -> the module it names
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                self._note_import(node)
            elif isinstance(node, ast.ImportFrom):
                self._note_from_import(node)

    def _note_import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "os" or (alias.name.startswith("os.") and not alias.asname):
                self.os_names.add(alias.asname or "os")
            elif alias.asname:
                self.module_imports[alias.asname] = alias.name
            else:
                head = alias.name.partition(".")[0]
                self.module_imports[head] = head

    def _note_from_import(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            bound = alias.asname or alias.name
            if node.module == "os" and node.level == 0 and alias.name == "environ":
                self.environ_names.add(bound)
            elif node.module == "os" and node.level == 0 and alias.name == "getenv":
                self.getenv_names.add(bound)
            else:
                self.from_imports[bound] = (node.module or "", alias.name, node.level)

    def env_key(self, node: ast.AST) -> ast.expr | None:
        """The key expression when ``node`` reads the environment, else None."""
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if self._is_getenv(func) or (
                isinstance(func, ast.Attribute)
                and func.attr in ("get", "setdefault")
                and self._is_environ(func.value)
            ):
                return node.args[0]
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and self._is_environ(node.value)
        ):
            return node.slice
        elif (
            isinstance(node, ast.Compare)
            and len(node.ops) == 1
            and isinstance(node.ops[0], ast.In | ast.NotIn)
            and self._is_environ(node.comparators[0])
        ):
            return node.left
        return None

    def _is_os(self, node: ast.expr) -> bool:
        return isinstance(node, ast.Name) and node.id in self.os_names

    def _is_environ(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.environ_names
        return (
            isinstance(node, ast.Attribute) and node.attr == "environ" and self._is_os(node.value)
        )

    def _is_getenv(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.getenv_names
        return isinstance(node, ast.Attribute) and node.attr == "getenv" and self._is_os(node.value)


@dataclass(frozen=True)
class _Reader:
    """What calling one function reads from the environment."""

    module: _Module
    positional: tuple[str, ...]  # its positional parameters, in order
    defaults: dict[str, ast.expr]
    fixed: frozenset[str]  # variables read whatever the arguments
    by_param: frozenset[str]  # parameters whose value is read as a variable name

    def argument(self, call: ast.Call, name: str) -> tuple[ast.expr, bool] | None:
        """The expression ``call`` gives parameter ``name``; True when it is the caller's
        (False: the function's own default)."""
        for keyword in call.keywords:
            if keyword.arg == name:
                return keyword.value, True
        if name in self.positional:
            index = self.positional.index(name)
            before = call.args[: index + 1]
            if len(call.args) > index and not any(isinstance(a, ast.Starred) for a in before):
                return call.args[index], True
        default = self.defaults.get(name)
        return (default, False) if default is not None else None


class _Repo:
    """The repository's modules as the checks resolve them, parsed once per scan."""

    def __init__(self, repo_root: Path | None, roots: Sequence[str]) -> None:
        self.root = repo_root
        self.bases = [repo_root / r if r else repo_root for r in roots] if repo_root else []
        self._readers: dict[int, _Reader] = {}

    def relpath(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.root)).as_posix()

    def module(self, path: Path | None) -> _Module | None:
        if path is None:
            return None
        try:
            stat = path.stat()
        except OSError:
            return None
        return _load(str(path), stat.st_mtime_ns, stat.st_size)

    def find(self, dotted: str, level: int, importer: Path | None) -> Path | None:
        """The file of module ``dotted`` (relative ``level`` to ``importer``) in the repo."""
        parts = [p for p in dotted.split(".") if p]
        if level:
            if importer is None:
                return None
            base = importer.parent
            for _ in range(level - 1):
                base = base.parent
            if self.root is not None and not base.is_relative_to(self.root):
                return None  # above the repository: not its code
            bases = [base]
        else:
            bases = self.bases
        for base in bases:
            target = base.joinpath(*parts)
            candidates = [target / "__init__.py"]
            if parts:
                candidates.append(target.with_name(parts[-1] + ".py"))
            for candidate in candidates:
                if candidate.is_file():
                    return candidate
        return None

    def imported_files(self, module: _Module, node: ast.Import | ast.ImportFrom) -> list[Path]:
        """The repository files an import statement runs: packages first, then modules."""
        wanted: list[tuple[str, int]] = []
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                wanted += [(".".join(parts[: i + 1]), 0) for i in range(len(parts))]
        else:
            parts = (node.module or "").split(".") if node.module else []
            wanted += [(".".join(parts[:i]), node.level) for i in range(1, len(parts) + 1)]
            base = node.module or ""
            wanted += [(f"{base}.{a.name}" if base else a.name, node.level) for a in node.names]
        found = [self.find(dotted, level, module.path) for dotted, level in wanted]
        return list(dict.fromkeys(path for path in found if path is not None))

    def origin(self, module: _Module, name: str, depth: int = 0) -> tuple[_Module, str] | None:
        """The module that defines ``name`` as ``module`` binds it, through from-imports."""
        if name in module.functions or name in module.constants:
            return module, name
        if name in module.from_imports and depth < _MAX_DEPTH:
            dotted, original, level = module.from_imports[name]
            target = self.module(self.find(dotted, level, module.path))
            if target is not None:
                return self.origin(target, original, depth + 1)
        return None

    def module_named(self, module: _Module, expr: ast.expr) -> _Module | None:
        """The repository module an expression such as ``flags`` or ``pkg.flags`` names."""
        dotted = _dotted(expr)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        if head in module.module_imports:
            full, level = ".".join(filter(None, (module.module_imports[head], rest))), 0
        elif head in module.from_imports:
            base, name, level = module.from_imports[head]
            full = ".".join(filter(None, (base, name, rest)))
        else:
            return None
        return self.module(self.find(full, level, module.path))

    def _named(self, module: _Module, expr: ast.expr) -> tuple[_Module, str] | None:
        if isinstance(expr, ast.Name):
            return self.origin(module, expr.id)
        if isinstance(expr, ast.Attribute):
            target = self.module_named(module, expr.value)
            return self.origin(target, expr.attr) if target else None
        return None

    def constant(self, module: _Module, expr: ast.expr) -> str | None:
        """The string ``expr`` is: a literal, or a module constant of the repository."""
        if isinstance(expr, ast.Constant):
            return expr.value if isinstance(expr.value, str) else None
        named = self._named(module, expr)
        return named[0].constants.get(named[1]) if named else None

    def call_reads(
        self, module: _Module, call: ast.Call, params: frozenset[str]
    ) -> tuple[set[str], set[str]]:
        """The variables ``call`` reads from the environment, and which of ``params`` (the
        calling function's parameters) it reads as variable names."""
        named = self._named(module, call.func)
        function = named[0].functions.get(named[1]) if named else None
        if named is None or function is None:
            return set(), set()
        reader = self.reader(named[0], function)
        fixed, by_param = set(reader.fixed), set()
        for name in reader.by_param:
            given = reader.argument(call, name)
            if given is None:
                continue
            expr, from_caller = given
            value = self.constant(module if from_caller else reader.module, expr)
            if value is not None:
                fixed.add(value)
            elif from_caller and isinstance(expr, ast.Name) and expr.id in params:
                by_param.add(expr.id)
        return fixed, by_param

    def reader(self, module: _Module, function: _Function) -> _Reader:
        known = self._readers.get(id(function))
        if known is not None:
            return known
        args = function.args
        positional = tuple(a.arg for a in (*args.posonlyargs, *args.args))
        params = frozenset((*positional, *(a.arg for a in args.kwonlyargs)))
        with_default = positional[len(positional) - len(args.defaults) :]
        defaults = dict(zip(with_default, args.defaults, strict=True))
        keyword_only = zip(args.kwonlyargs, args.kw_defaults, strict=True)
        defaults |= {a.arg: d for a, d in keyword_only if d is not None}
        empty = _Reader(module, positional, defaults, frozenset(), frozenset())
        self._readers[id(function)] = empty  # a recursive call reads nothing more
        fixed: set[str] = set()
        by_param: set[str] = set()
        for node in _body_nodes(function):
            key = module.env_key(node)
            if key is not None:
                value = self.constant(module, key)
                if value is not None:
                    fixed.add(value)
                elif isinstance(key, ast.Name) and key.id in params:
                    by_param.add(key.id)
            elif isinstance(node, ast.Call):
                more_fixed, more_by_param = self.call_reads(module, node, params)
                fixed |= more_fixed
                by_param |= more_by_param
        reader = _Reader(module, positional, defaults, frozenset(fixed), frozenset(by_param))
        self._readers[id(function)] = reader
        return reader


class _Finder:
    """The flag reads and the imports of the code one module runs at import."""

    def __init__(self, repo: _Repo, module: _Module, flags: frozenset[str]) -> None:
        self.repo = repo
        self.module = module
        self.flags = flags
        self.found: list[tuple[int, str, str]] = []
        self.imported: list[Path] = []  # repository files its import-time imports run

    def visit_import_time(self, node: ast.AST) -> None:
        if isinstance(node, _Function):
            parts = [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]
            for part in parts:
                if part is not None:
                    self.visit_import_time(part)
            return
        if isinstance(node, ast.Lambda):
            for part in [*node.args.defaults, *node.args.kw_defaults]:
                if part is not None:
                    self.visit_import_time(part)
            return
        if isinstance(node, ast.If) and _is_main_guard(node.test):
            for part in node.orelse:
                self.visit_import_time(part)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            self.imported += self.repo.imported_files(self.module, node)
        self._check(node)
        for child in ast.iter_child_nodes(node):
            self.visit_import_time(child)

    def _check(self, node: ast.AST) -> None:
        key = self.module.env_key(node)
        if key is not None:
            read = {self.repo.constant(self.module, key)}
        elif isinstance(node, ast.Call):
            read, _ = self.repo.call_reads(self.module, node, frozenset())
        else:
            return
        for flag in sorted(self.flags.intersection(read)):
            self.found.append((node.lineno, flag, _short(ast.unparse(node))))


def string_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"`` (and annotated) assignments."""
    constants: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            for target in targets:
                if isinstance(target, ast.Name):
                    constants[target.id] = value.value
    return constants


def _body_nodes(function: _Function) -> Iterator[ast.AST]:
    """The nodes a call of ``function`` runs: its body, not the bodies it defines."""
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, _Function | ast.Lambda):
            stack += ast.iter_child_nodes(node)


def _dotted(expr: ast.expr) -> str | None:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        head = _dotted(expr.value)
        return f"{head}.{expr.attr}" if head else None
    return None


def _is_main_guard(test: ast.expr) -> bool:
    """``if __name__ == "__main__":`` runs only when the file is a script, not on import."""
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


@lru_cache(maxsize=4096)
def _load(path: str, mtime_ns: int, size: int) -> _Module | None:
    """A file parsed once per version (the criterion scans each slice; they share modules)."""
    try:
        tree = ast.parse(Path(path).read_bytes(), path)
    except (OSError, SyntaxError, ValueError):
        return None
    return _Module(Path(path), tree)


def _python_files(directory: Path) -> list[Path]:
    found = []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".")]
        found += [Path(dirpath) / f for f in filenames if f.endswith(".py")]
    return found


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
