"""Imports of promoted code pointed at the accepted lane, keeping every other byte.

libcst edits the concrete syntax tree, so formatting and comments stay exactly as written.
Where an import leads is decided by the import scan's resolver (the same resolution the
gate's criterion 2 uses), never by matching names: an import is rewritten only when a file
it loads is ``moved`` (part of the promotion, or promoted before), and then to the dotted
name of the accepted copy. Handled: ``import a.b`` (and the ``a.b.x`` uses in the body),
``import a.b as c``, ``from a.b import c``, relative imports (kept when they still resolve
to the right file from the new place, made absolute otherwise), and literal targets of
``importlib.import_module``/``__import__``/... found by the scan's dynamic-import records.
Whatever cannot be rewritten safely is reported as blocked, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import ImportAssignment, MetadataWrapper, PositionProvider, ScopeProvider

from ..boundaries.dynamic import LOADERS, MODULE
from ..boundaries.resolve import Resolver
from .pair import LanePair


@dataclass(frozen=True)
class Rewrite:
    line: int
    before: str
    after: str


@dataclass(frozen=True)
class Blocked:
    line: int
    text: str
    reason: str


@dataclass
class Rewritten:
    data: bytes  # the new file, in the source's own encoding
    text: str
    rewrites: list[Rewrite] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)
    leftovers: list[tuple[int, str]] = field(default_factory=list)  # old names still written


@dataclass(frozen=True)
class Retarget:
    """How imports are judged: the resolver, the lanes, and which files moved."""

    pair: LanePair
    resolver: Resolver
    moved: Callable[[str], bool]  # a resolved target whose imports must now name its copy

    def new_name(self, module_path: str) -> str:
        return self.pair.dotted(self.pair.mirror(module_path))


@dataclass(frozen=True)
class Move:
    """One file's move: from where, to where; the root its alias imports are looked up in
    and the scan's dynamic-import records of the file."""

    old: str
    new: str
    own_root: str | None = None
    dynamic: tuple[tuple[Any, ...], ...] = ()


def rewrite(source: bytes, move: Move, retarget: Retarget) -> Rewritten:
    """``source`` (the file at ``move.old``) as it must read at ``move.new``."""
    try:
        wrapper = MetadataWrapper(cst.parse_module(source))
    except cst.ParserSyntaxError as exc:
        blocked = Blocked(exc.raw_line, "", f"does not parse: {exc.message}")
        return Rewritten(source, "", blocked=[blocked])
    imports = _Imports(retarget, move)
    wrapper.visit(imports)
    uses = _Uses(imports)
    wrapper.visit(uses)
    replace = {**imports.replace, **uses.replace}
    if not replace:
        return Rewritten(source, wrapper.module.code, blocked=imports.blocked + uses.blocked)
    module = wrapper.module.visit(_Replace(replace))
    result = Rewritten(module.bytes, module.code, imports.rewrites, imports.blocked + uses.blocked)
    result.leftovers = _leftovers(module.code, imports.old_names)
    return result


class _Imports(cst.CSTVisitor):
    """Import statements and dynamic-import calls whose targets moved."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, retarget: Retarget, move: Move) -> None:
        super().__init__()
        self.retarget = retarget
        self.resolver = retarget.resolver
        self.old_path, self.new_path, self.own_root = move.old, move.new, move.own_root
        self.dynamic: dict[int, list[tuple[Any, ...]]] = {}
        for record in move.dynamic:
            if record[4] is not None:
                self.dynamic.setdefault(record[0], []).append(record)
        self.replace: dict[cst.CSTNode, cst.CSTNode] = {}
        self.rewrites: list[Rewrite] = []
        self.blocked: list[Blocked] = []
        self.old_names: set[str] = set()
        self.renamed: dict[str, str] = {}  # plain `import a.b` rewritten: old -> new name
        self.rewritten: set[cst.CSTNode] = set()  # those statements

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def _block(self, node: cst.CSTNode, reason: str) -> bool:
        text = _code(node).splitlines()[0] if _code(node) else ""
        self.blocked.append(Blocked(self._line(node), text, reason))
        return False

    def _swap(self, old: cst.CSTNode, new: cst.CSTNode, statement: cst.CSTNode) -> None:
        self.replace[old] = new
        before = _code(statement)
        after = _code(new) if old is statement else before.replace(_code(old), _code(new), 1)
        self.rewrites.append(Rewrite(self._line(statement), _first(before), _first(after)))

    def _moved(self, targets: list[tuple[str, str]]) -> bool | None:
        """True: every target moved; False: none; None: some did (cannot be rewritten)."""
        flags = {self.retarget.moved(target) for target, _via in targets}
        return None if len(flags) > 1 else flags == {True}

    def _absolute(self, module: str) -> str | None:
        """The accepted copy's dotted name for absolute ``module``, if it names a module."""
        parts = tuple(module.split("."))
        path, used, _via = self.resolver.absolute(parts, self.own_root)
        if path is None or used != len(parts):
            return None
        self.old_names.add(module)
        return self.retarget.new_name(path)

    def visit_Import(self, node: cst.Import) -> bool:
        aliases = []
        for alias in node.names:
            module = get_full_name_for_node(alias.name) or ""
            targets = self.resolver.targets(self.old_path, self.own_root, module, (), 0)
            if not targets or not self._moved(targets):
                aliases.append(alias)
                continue
            new = self._absolute(module)
            if new is None:
                return self._block(node, f"cannot tell which module {module!r} names")
            aliases.append(alias.with_changes(name=cst.parse_expression(new)))
            if alias.asname is None:
                self.renamed[module] = new
        if aliases != list(node.names):
            self._swap(node, node.with_changes(names=aliases), node)
            if any(a.asname is None for a in node.names):
                self.rewritten.add(node)
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        module = get_full_name_for_node(node.module) if node.module else ""
        module = module or ""
        names: tuple[str, ...] = ()
        if not isinstance(node.names, cst.ImportStar):
            names = tuple(get_full_name_for_node(a.name) or "" for a in node.names)
        level = len(node.relative)
        targets = self.resolver.targets(self.old_path, self.own_root, module, names, level)
        if not targets:
            return False
        moved = self._moved(targets)
        if moved is None:
            return self._block(node, "imports promoted and unpromoted modules in one statement")
        if level == 0:
            if moved:
                new = self._absolute(module)
                if new is None:
                    return self._block(node, f"cannot tell which module {module!r} names")
                self._swap(node, node.with_changes(module=cst.parse_expression(new)), node)
            return False
        return self._relative(node, module, level, moved)

    def _relative(self, node: cst.ImportFrom, module: str, level: int, moved: bool) -> bool:
        """Keep a relative import that still reaches the right file from the new place;
        else name the module absolutely."""
        old_base = self.resolver.relative_base(self.old_path, level)
        new_base = self.resolver.relative_base(self.new_path, level)
        if old_base is None:
            return False
        parts = tuple(module.split(".")) if module else ()
        named = old_base
        if parts:
            located, used = self.resolver.locate(old_base, parts)
            if located is None or used < len(parts):
                return False
            named = located
        wanted = self.retarget.pair.mirror(named) if moved else named
        reached = "/".join(p for p in (new_base or "", *parts) if p)
        if new_base is not None and _stem(wanted) == reached:
            return False
        dotted = self.retarget.pair.dotted(wanted)
        if not dotted:
            return self._block(node, "its package would be the repository root")
        if moved:
            self.old_names.add(self.retarget.pair.dotted(named))
        new = node.with_changes(relative=[], module=cst.parse_expression(dotted))
        self._swap(node, new, node)
        return False

    def visit_Call(self, node: cst.Call) -> bool:
        records = self.dynamic.get(self._line(node))
        function = get_full_name_for_node(node.func) or ""
        for record in list(records or ()):
            if function.rsplit(".", 1)[-1] != record[2].rsplit(".", 1)[-1]:
                continue
            records.remove(record)  # type: ignore[union-attr]
            self._dynamic(node, record)
        return True

    def _dynamic(self, call: cst.Call, record: tuple[Any, ...]) -> None:
        _line, _end, function, kind, target, _text = record
        if kind == MODULE:
            module, _, fromlist = target.partition(":")
            names = tuple(n for n in fromlist.split(",") if n)
            targets = self.resolver.targets(self.old_path, self.own_root, module, names, 0)
            written = module
        else:
            found = [self.resolver.path_target(self.old_path, p) for p in target.split(":")]
            targets = [(t, "dynamic") for t in found if t]
            written = targets[0][0] if len(targets) == 1 else ""
        if not targets or self._moved(targets) is False:
            return
        _kind, index, keyword = LOADERS[function]
        arg = _argument(call, index, keyword)
        if not isinstance(arg, cst.SimpleString) or arg.evaluated_value != written:
            self._block(call, "a dynamic import of promoted code whose target is not written "
                        "as one string literal: rewrite it by hand")  # fmt: skip
            return
        if kind == MODULE:
            new = self._absolute(module)
            if new is None:
                self._block(call, f"cannot tell which module {module!r} names")
                return
        else:
            new = self.retarget.pair.mirror(written)
        prefix = arg.value[: arg.value.index(arg.quote)]
        self._swap(arg, arg.with_changes(value=f"{prefix}{arg.quote}{new}{arg.quote}"), call)


class _Uses(cst.CSTVisitor):
    """``a.b.x`` in the body of a module whose ``import a.b`` now imports the copy."""

    METADATA_DEPENDENCIES = (PositionProvider, ScopeProvider)

    def __init__(self, imports: _Imports) -> None:
        super().__init__()
        self.renamed = imports.renamed
        self.rewritten = imports.rewritten
        self.replace: dict[cst.CSTNode, cst.CSTNode] = {}
        self.blocked: list[Blocked] = []

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def _bound(self, name: cst.Name) -> bool | None:
        """Whether ``name`` is bound by a rewritten ``import a.b`` (None: partly)."""
        scope = self.get_metadata(ScopeProvider, name, None)
        if scope is None or not self.renamed:
            return False
        assignments = scope[name.value]
        ours = {
            a for a in assignments if isinstance(a, ImportAssignment) and a.node in self.rewritten
        }
        if not ours:
            return False
        return True if len(ours) == len(assignments) else None

    def _block(self, node: cst.CSTNode, reason: str) -> None:
        line = self.get_metadata(PositionProvider, node).start.line
        self.blocked.append(Blocked(line, _first(_code(node)), reason))

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        chain: list[cst.Attribute] = []
        base: cst.BaseExpression = node
        while isinstance(base, cst.Attribute):
            chain.append(base)
            base = base.value
        if not isinstance(base, cst.Name):
            return True
        bound = self._bound(base)
        if bound is False:
            return False
        full = _code(node)
        for part in reversed(chain):  # shortest prefix first
            name = get_full_name_for_node(part)
            if bound and name in self.renamed:
                self.replace[part] = cst.parse_expression(self.renamed[name])
                return False
        self._block(node, f"uses {full} through a rewritten `import {base.value}...`: "
                    "import what it uses explicitly")  # fmt: skip
        return False

    def visit_Name(self, node: cst.Name) -> bool:
        if self._bound(node) is not False:
            self._block(node, f"uses the name {node.value!r} of a rewritten plain import")
        return False


class _Replace(cst.CSTTransformer):
    def __init__(self, replace: dict[cst.CSTNode, cst.CSTNode]) -> None:
        super().__init__()
        self.nodes = replace

    def on_leave(self, original_node: Any, updated_node: Any) -> Any:
        return self.nodes.get(original_node, updated_node)


def _argument(call: cst.Call, index: int, keyword: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    return positional[index] if index < len(positional) else None


def _leftovers(text: str, names: set[str]) -> list[tuple[int, str]]:
    if not names:
        return []
    pattern = re.compile(
        r"(?<![\w.])(?:" + "|".join(re.escape(n) for n in sorted(names, key=len)[::-1]) + r")\b"
    )
    return [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if pattern.search(line)
    ]


def _stem(path: str) -> str:
    return path.removesuffix(".py").removesuffix("/__init__")


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _first(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""
