"""Which file an import would load: the repository's import roots first, then the standard
library and installed distributions, then (the alias case) a lane root put on sys.path.

``from core.x import y`` written in the accepted lane, where only ``candidate/core/x.py``
exists, resolves through no import root, is not stdlib or installed, but would load
``candidate/core/x.py`` if ``candidate/`` were on sys.path: that is an alias import of the
candidate lane. Nothing is imported to find out: installed packages are looked up with
``importlib.util.find_spec`` on the top-level name only.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ..lanes import LaneConfig
from .scan import Listing, is_repo_code, listing_of

INIT = "__init__.py"
MAIN = "__main__"  # never loaded from sys.path, whatever file of that name a root holds
# via
STATIC, ALIAS = "import", "alias"


class Resolver:
    def __init__(
        self,
        config: LaneConfig,
        extra_roots: Sequence[str] = (),
        listings: dict[str, Listing] | None = None,  # directories already listed, by relpath
    ) -> None:
        self.repo = Path(os.path.realpath(config.repo_root))
        self.roots = import_roots(config, extra_roots)
        lane_roots = [lane.root for lane in config.lanes if lane.root not in self.roots]
        self.alias_roots = tuple(dict.fromkeys(lane_roots))
        self._listings: dict[str, Listing] = dict(listings or {})
        self._asked: set[str] = set()  # the directories resolution looked into
        self._absolute: dict[tuple[str, ...], tuple[str | None, int, str]] = {}
        self._external: dict[str, bool] = {}
        self._targets: dict[
            tuple[str | None, str, tuple[str, ...], int], list[tuple[str, str]]
        ] = {}

    def listing(self, directory: str) -> Listing:
        self._asked.add(directory)
        known = self._listings.get(directory)
        if known is not None:
            return known
        try:
            with os.scandir(self.repo / directory if directory else self.repo) as entries:
                listing = listing_of(entries)
        except OSError:
            listing = (frozenset(), frozenset())
        self._listings[directory] = listing
        return listing

    def consulted(self) -> tuple[dict[str, Listing], dict[str, bool]]:
        """The directory listings and installed-or-not answers resolution relied on."""
        return {d: self._listings[d] for d in self._asked}, dict(self._external)

    def locate(self, base: str, parts: Sequence[str]) -> tuple[str | None, int]:
        """The deepest module ``parts`` names below directory ``base``: (relpath, parts used).

        A regular package wins over a module of the same name, which wins over a namespace
        directory; a namespace package is returned as its directory.
        """
        found: str | None = None
        used = 0
        if not parts:
            return found, used
        directory = base
        modules, dirs = self.listing(directory)
        for part in parts:
            child = f"{directory}/{part}" if directory else part
            if part in dirs:  # the directory's listing serves the next part too
                child_modules, child_dirs = self.listing(child)
                if "__init__" in child_modules:
                    found = f"{child}/{INIT}"
                elif part in modules:
                    return f"{child}.py", used + 1
                else:
                    found = child
                used += 1
                directory, modules, dirs = child, child_modules, child_dirs
            elif part in modules:
                return f"{child}.py", used + 1
            else:
                break
        return found, used

    def absolute(
        self, parts: tuple[str, ...], importer_root: str | None
    ) -> tuple[str | None, int, str]:
        """(target, parts used, via) for an absolute dotted name; target None: not in the repo."""
        key = (*parts, "\0", importer_root or "")
        known = self._absolute.get(key)
        if known is not None:
            return known
        result: tuple[str | None, int, str] = (None, 0, STATIC)
        if parts[0] == MAIN:  # the running program, in sys.modules from the start
            self._absolute[key] = result
            return result
        for root in self.roots:
            target, used = self.locate(root, parts)
            if target is not None and not self._namespace_loses(root, parts[0]):
                result = (target, used, STATIC)
                break
        else:
            if not self.is_external(parts[0]):
                result = self._alias(parts, importer_root)
        self._absolute[key] = result
        return result

    def _alias(
        self, parts: tuple[str, ...], importer_root: str | None
    ) -> tuple[str | None, int, str]:
        """The lane root where the whole dotted name resolves, the importer's own first; a
        root holding only its first parts (``core/`` without ``x``) does not stop the search,
        and is the answer only when no root holds the whole name."""
        partial: tuple[str | None, int, str] = (None, 0, STATIC)
        for root in sorted(self.alias_roots, key=lambda r: r != importer_root):
            target, used = self.locate(root, parts)
            if target is not None and used == len(parts):
                return target, used, ALIAS
            if target is not None and partial[0] is None:
                partial = (target, used, ALIAS)
        return partial

    def _namespace_loses(self, root: str, top: str) -> bool:
        """A directory without ``__init__.py`` named like an installed or standard module
        (``test/``, ``types/``) is only a namespace portion: the real module wins."""
        modules, _dirs = self.listing(root)
        child = f"{root}/{top}" if root else top
        if top in modules or "__init__" in self.listing(child)[0]:
            return False
        return self.is_external(top)

    def is_external(self, top: str) -> bool:
        """Standard library, or installed outside this repository."""
        known = self._external.get(top)
        if known is None:
            known = top in sys.stdlib_module_names or top in sys.builtin_module_names
            if not known:
                known = self._installed_elsewhere(top)
            self._external[top] = known
        return known

    def _installed_elsewhere(self, top: str) -> bool:
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError, AttributeError):
            return False
        except Exception:  # a broken third-party finder must not stop the gate
            return False
        if spec is None:
            return False
        places = [spec.origin] if spec.origin and spec.has_location else []
        places += list(spec.submodule_search_locations or [])
        if not places:
            return True  # builtin or frozen
        return not any(self._inside_repo(p) for p in places)

    def _inside_repo(self, place: str) -> bool:
        """Repository code, not a package installed in a virtual environment inside it."""
        try:
            relative = Path(os.path.realpath(place)).relative_to(self.repo)
        except ValueError:
            return False
        return is_repo_code(relative.as_posix())

    def targets(
        self,
        importer: str,
        own_root: str | None,
        module: str,
        names: tuple[str, ...],
        level: int,
    ) -> list[tuple[str, str]]:
        """(file, via) for each file an import statement loads: the module, or each
        imported submodule. Memoised: most statements import what others import too."""
        anchor = self.relative_base(importer, level) if level else own_root
        if level and anchor is None:
            return []
        key = (anchor, module, names, level)
        known = self._targets.get(key)
        if known is None:
            known = self._targets[key] = self._resolve(anchor or "", module, names, level)
        return known

    def _resolve(
        self, anchor: str, module: str, names: tuple[str, ...], level: int
    ) -> list[tuple[str, str]]:
        parts = tuple(module.split(".")) if module else ()
        if level:
            if parts:
                target, used = self.locate(anchor, parts)
                if used < len(parts):
                    return []  # `from .missing import x`: nothing in the repository
            else:
                target = self._package(anchor)
            how = STATIC

            def lookup(name: str) -> tuple[str | None, int]:
                return self.locate(anchor, (*parts, name))
        else:
            target, used, how = self.absolute(parts, anchor)
            inside = _own_folder(target) if used == len(parts) else None

            def lookup(name: str) -> tuple[str | None, int]:
                if inside is not None:  # `from pkg import name`: pkg's folder, or an attribute
                    sub, sub_used = self.locate(inside, (name,)) if inside else (None, 0)
                    return sub, len(parts) + sub_used
                return self.absolute((*parts, name), anchor)[:2]

        if target is None:
            return []
        found: dict[str, str] = {}
        if not names:
            found[target] = how
        for name in names:
            sub, sub_used = lookup(name)
            found[sub if sub is not None and sub_used == len(parts) + 1 else target] = how
        return list(found.items())

    def _package(self, directory: str) -> str | None:
        modules, _dirs = self.listing(directory)
        return f"{directory}/{INIT}" if "__init__" in modules else directory or None

    def relative_base(self, importer: str, level: int) -> str | None:
        """The directory a relative import of ``level`` dots starts from."""
        parts = importer.split("/")[:-1]
        if level - 1 > len(parts):
            return None
        return "/".join(parts[: len(parts) - (level - 1)])

    def path_target(self, importer: str, written: str) -> str | None:
        """A file or directory literal of a path-based loader, when it is in the repository."""
        for candidate in (written, f"{importer.rsplit('/', 1)[0]}/{written}"):
            path = Path(candidate) if Path(candidate).is_absolute() else self.repo / candidate
            try:
                relative = Path(os.path.realpath(path)).relative_to(self.repo)
            except ValueError:
                continue
            if path.exists():
                return relative.as_posix()
        return None


def _own_folder(target: str | None) -> str | None:
    """Where Python looks for the submodules of a resolved module: a regular package's own
    folder ("" for a plain module, which has none); None for a namespace package, whose
    portions may lie in several roots."""
    if target is None or not target.endswith(".py"):
        return None
    return target.removesuffix(INIT).rstrip("/") if target.endswith(f"/{INIT}") else ""


def import_roots(config: LaneConfig, extra: Sequence[str] = ()) -> tuple[str, ...]:
    """The sys.path entries the repository's code is written against: the repository root,
    the directory holding each lane root's top package (``src/`` for ``src/app/``), and any
    configured extra roots."""
    roots = [""]
    for lane in config.lanes:
        directory = lane.root
        if not directory or not (config.repo_root / directory / INIT).is_file():
            continue
        while directory and (config.repo_root / directory / INIT).is_file():
            directory = directory.rpartition("/")[0]
        roots.append(directory)
    roots += [r.strip("/") for r in extra]
    return tuple(dict.fromkeys(roots))


def dotted_name(relpath: str, roots: Sequence[str]) -> str:
    """The dotted name code imports a repo-relative file or package directory by, from the
    deepest import root holding it: ``src/app/x.py`` with root ``src`` -> ``app.x``."""
    name = relpath.removesuffix(".py").removesuffix("/__init__")
    if name == "__init__":
        name = ""
    holding = [r for r in roots if not r or name.startswith(r + "/")]
    root = max(holding, key=len, default="")
    return (name[len(root) + 1 :] if root else name).replace("/", ".")
