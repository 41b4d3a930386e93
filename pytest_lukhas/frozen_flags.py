"""Frozen flags: feature flags read from the environment while a module is imported.

Such a value is fixed for the life of the process, so one test run cannot see both flag
states. This is a static check: it reads the code that runs at import (the module body,
class bodies, decorators and default values, not function bodies) for ``os.getenv(F)``,
``os.environ[F]``, ``os.environ.get(F)``, ``F in os.environ`` (also through ``from os
import environ, getenv`` and aliases), where ``F`` is a declared flag written as a string
literal or a module constant (defined in the file, or imported from a file of the repo).
"""

from __future__ import annotations

import ast
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

_SKIP_DIRS = frozenset({"__pycache__", ".venv", "venv", "node_modules"})


@dataclass(frozen=True)
class FrozenRead:
    path: str  # repo-relative
    line: int
    flag: str
    code: str  # the expression that reads it

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def scan(directory: Path, repo_root: Path, flags: Iterable[str]) -> list[FrozenRead]:
    """Every import-time read of ``flags`` in the Python files under ``directory``.

    Files that cannot be read or parsed are skipped: another check reports them.
    """
    wanted = frozenset(flags)
    found: list[FrozenRead] = []
    for path in sorted(_python_files(directory)):
        tree = _parse(path)
        if tree is None:
            continue
        relpath = Path(os.path.relpath(path, repo_root)).as_posix()

        def imported(module: str, name: str, level: int, here: Path = path) -> str | None:
            return _imported_constant(module, name, level, here, repo_root)

        for line, flag, code in reads(tree, wanted, imported):
            found.append(FrozenRead(relpath, line, flag, code))
    return found


ImportedConstant = Callable[[str, str, int], str | None]


def reads(
    tree: ast.Module, flags: frozenset[str], imported: ImportedConstant | None = None
) -> list[tuple[int, str, str]]:
    """``(line, flag, code)`` of each read of ``flags`` in the code ``tree`` runs at import."""
    finder = _Finder(tree, flags, imported)
    finder.visit_import_time(tree)
    return sorted(finder.found)


class _Finder:
    def __init__(
        self, tree: ast.Module, flags: frozenset[str], imported: ImportedConstant | None
    ) -> None:
        self.flags = flags
        self.constants = string_constants(tree)
        self.os_names: set[str] = set()
        self.environ_names: set[str] = set()
        self.getenv_names: set[str] = set()
        self.from_imports: dict[str, tuple[str, str, int]] = {}
        self.imported = imported
        self.found: list[tuple[int, str, str]] = []

    def visit_import_time(self, node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
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
        self._note_import(node)
        self._check(node)
        for child in ast.iter_child_nodes(node):
            self.visit_import_time(child)

    def _note_import(self, node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "os":
                    self.os_names.add(alias.asname or "os")
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                bound = alias.asname or alias.name
                if node.module == "os" and node.level == 0 and alias.name == "environ":
                    self.environ_names.add(bound)
                elif node.module == "os" and node.level == 0 and alias.name == "getenv":
                    self.getenv_names.add(bound)
                else:
                    self.from_imports[bound] = (node.module or "", alias.name, node.level)

    def _check(self, node: ast.AST) -> None:
        key: ast.expr | None = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if self._is_getenv(func) or (
                isinstance(func, ast.Attribute)
                and func.attr in ("get", "setdefault")
                and self._is_environ(func.value)
            ):
                key = node.args[0]
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and self._is_environ(node.value)
        ):
            key = node.slice
        elif (
            isinstance(node, ast.Compare)
            and len(node.ops) == 1
            and isinstance(node.ops[0], ast.In | ast.NotIn)
            and self._is_environ(node.comparators[0])
        ):
            key = node.left
        flag = self._flag_named(key)
        if flag is not None:
            self.found.append((node.lineno, flag, _short(ast.unparse(node))))

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

    def _flag_named(self, key: ast.expr | None) -> str | None:
        value = None
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            value = key.value
        elif isinstance(key, ast.Name):
            value = self.constants.get(key.id)
            if value is None and key.id in self.from_imports and self.imported is not None:
                value = self.imported(*self.from_imports[key.id])
        return value if value in self.flags else None


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


def _imported_constant(
    module: str, name: str, level: int, importer: Path, repo_root: Path
) -> str | None:
    """The string constant ``name`` of the repository module ``from module import name``."""
    base = importer.parent
    for _ in range(level - 1):
        base = base.parent
    root = base if level else repo_root
    target = root.joinpath(*module.split(".")) if module else root
    for candidate in (target.with_suffix(".py"), target / "__init__.py"):
        if candidate.is_file():
            tree = _parse(candidate)
            return string_constants(tree).get(name) if tree else None
    return None


def _parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_bytes(), str(path))
    except (OSError, SyntaxError, ValueError):
        return None


def _python_files(directory: Path) -> list[Path]:
    found = []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".")]
        found += [Path(dirpath) / f for f in filenames if f.endswith(".py")]
    return found


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
