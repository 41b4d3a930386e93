"""A synthetic monorepo with lanes, and the import violations planted in it.

``generate`` writes a repository laid out like the LUKHAS monorepo (an accepted lane that
may import a shared ``core`` lane, an experimental lane, and two lanes nothing may import),
with a dense import graph, and plants violations whose findings it returns:

* static chains from the accepted lane into the experimental lane at depths 1 to 5 (the
  intermediate hops are private ``core`` modules, so the shortest chain has that depth);
* invariant violations (experimental code importing ``archive``/``quarantine``);
* dynamic imports with literal targets, non-literal dynamic imports, ``sys.path`` changes;
* alias imports (``from pkg.mod import x`` that only resolves with ``candidate/`` on sys.path),
  plain and inside ``try/except ImportError``;
* files with syntax errors in the experimental lane (warnings, not violations).

The tests run it small to assert every planted finding is found and nothing else; the
benchmark runs it at 10,000 modules against import-linter.
"""

from __future__ import annotations

import itertools
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

CONFIG = """\
version: 1
lanes:
  - name: accepted
    root: lukhas/
    import_rules:
      deny_from: ["candidate/**", "quarantine/**", "archive/**"]
  - name: core
    root: core/
    import_rules:
      deny_from: ["quarantine/**", "archive/**"]
  - name: candidate
    root: candidate/
    import_rules:
      deny_from: ["quarantine/**", "archive/**"]
    promotion: {to: accepted}
  - name: quarantine
    root: quarantine/
  - name: archive
    root: archive/
invariants:
  imports:
    - rule: "nothing imports quarantine/ or archive/"
      deny: ["quarantine/** -> **", "archive/** -> **"]
"""

# import-linter contracts with the same meaning as CONFIG (its forbidden contracts are
# transitive by default).
IMPORTLINTER = """\
[importlinter]
root_packages =
    lukhas
    core
    candidate
    quarantine
    archive

[importlinter:contract:accepted]
name = accepted lane
type = forbidden
source_modules = lukhas
forbidden_modules =
    candidate
    quarantine
    archive

[importlinter:contract:core]
name = core lane
type = forbidden
source_modules = core
forbidden_modules =
    quarantine
    archive

[importlinter:contract:candidate]
name = candidate lane
type = forbidden
source_modules = candidate
forbidden_modules =
    quarantine
    archive

[importlinter:contract:quarantine]
name = nothing imports archive
type = forbidden
source_modules = quarantine
forbidden_modules = archive

[importlinter:contract:archive]
name = nothing imports quarantine
type = forbidden
source_modules = archive
forbidden_modules = quarantine
"""

SHARES = {"lukhas": 0.30, "core": 0.15, "candidate": 0.45, "quarantine": 0.05, "archive": 0.05}
# Which lanes each lane's ordinary modules import, with weights.
TARGETS = {
    "lukhas": {"lukhas": 0.7, "core": 0.3},
    "core": {"core": 1.0},
    "candidate": {"candidate": 0.6, "lukhas": 0.2, "core": 0.2},
    "quarantine": {"quarantine": 1.0},
    "archive": {"archive": 1.0},
}
# Package names differ per lane, so ``c012.m03`` can only mean candidate/c012/m03.py.
PREFIX = {"lukhas": "l", "core": "k", "candidate": "c", "quarantine": "q", "archive": "a"}
MODULES_PER_PACKAGE = 40
BODY = '''

def {name}_run(value: int) -> int:
    """Synthetic work so the file parses like real code."""
    total = 0
    for index in range(value):
        if index % 3 == 0:
            total += index * 2
        else:
            total -= 1
    return total


class {cls}:
    limit = {number}

    def check(self, value: int) -> bool:
        return value < self.limit
'''


@dataclass(frozen=True)
class Planted:
    """One expected finding: its kind, the importing file and line, the denied file."""

    kind: str
    file: str
    line: int
    target: str | None = None
    depth: int = 1


@dataclass
class SyntheticRepo:
    root: Path
    modules: list[str] = field(default_factory=list)  # repo-relative file paths
    imports: int = 0
    planted: list[Planted] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)  # files with syntax errors


def _dotted(relpath: str) -> str:
    return relpath.removesuffix(".py").replace("/", ".")


def generate(
    root: Path,
    modules: int = 10_000,
    imports: int = 60_000,
    seed: int = 3,
    per_kind: int = 4,
    fan_in: int = 25,
) -> SyntheticRepo:
    """Write the repository under ``root`` (created) and return what was planted."""
    rng = random.Random(seed)
    repo = SyntheticRepo(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / "ops").mkdir(exist_ok=True)
    (root / "ops" / "matriz.yaml").write_text(CONFIG)
    (root / ".importlinter").write_text(IMPORTLINTER)
    by_lane: dict[str, list[str]] = {}
    for lane, share in SHARES.items():
        count = max(MODULES_PER_PACKAGE, int(modules * share))
        files = [
            f"{lane}/{PREFIX[lane]}{i // MODULES_PER_PACKAGE:03d}/m{i % MODULES_PER_PACKAGE:02d}.py"
            for i in range(count)
        ]
        by_lane[lane] = files
        repo.modules += files
    imports_each = max(1, round(imports / len(repo.modules)))
    lines: dict[str, list[str]] = {}
    for lane, files in by_lane.items():
        lanes, weights = zip(*TARGETS[lane].items(), strict=True)
        for path in files:
            chosen = set()
            for _ in range(imports_each):
                target_lane = rng.choices(lanes, weights)[0]
                target = rng.choice(by_lane[target_lane])
                if target != path:
                    chosen.add(target)
            lines[path] = [_import_line(path, target, rng) for target in sorted(chosen)]
            repo.imports += len(chosen)
    _plant(repo, by_lane, lines, rng, per_kind, fan_in)
    for path, body in lines.items():
        _write(root, path, body, rng)
    packages = {p.rsplit("/", 1)[0] for p in repo.modules if "/broken/" not in p}
    for directory in packages | set(SHARES):
        (root / directory / "__init__.py").touch()
    return repo


def _import_line(importer: str, target: str, rng: random.Random) -> str:
    dotted = _dotted(target)
    package, name = dotted.rsplit(".", 1)
    style = rng.random()
    if importer.rsplit("/", 1)[0] == target.rsplit("/", 1)[0] and style < 0.3:
        return f"from . import {name}"
    if style < 0.5:
        return f"import {dotted}"
    if style < 0.8:
        return f"from {package} import {name}"
    return f"from {dotted} import {name}_run"


def _write(root: Path, relpath: str, import_lines: list[str], rng: random.Random) -> None:
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    name = relpath.rsplit("/", 1)[1].removesuffix(".py")
    text = f'"""Module {_dotted(relpath)}."""\n\n' + "\n".join(import_lines) + "\n"
    text += BODY.format(name=name, cls=name.upper(), number=rng.randint(1, 99))
    path.write_text(text)


def _plant(
    repo: SyntheticRepo,
    by_lane: dict[str, list[str]],
    lines: dict[str, list[str]],
    rng: random.Random,
    per_kind: int,
    fan_in: int,
) -> None:
    accepted = iter(rng.sample(by_lane["lukhas"], len(by_lane["lukhas"])))
    candidate = by_lane["candidate"]

    def add(path: str, line: str) -> int:
        """Append ``line`` to ``path``'s import block; return its line number in the file."""
        lines.setdefault(path, []).append(line)
        return 2 + len(lines[path])

    for depth in range(1, 6):
        for k in range(per_kind):
            origin = next(accepted)
            target = rng.choice(candidate)
            hops = [f"core/chains/d{depth}_{k}_{j}.py" for j in range(1, depth)]
            path = [origin, *hops]
            for importer, imported in itertools.pairwise(path):
                add(importer, f"import {_dotted(imported)}")
            line = add(path[-1], f"import {_dotted(target)}")
            repo.planted.append(Planted("import", path[-1], line, target, depth))
            repo.modules += hops
            if hops:  # a popular shared module: more accepted modules import the chain's head
                for importer in rng.sample(by_lane["lukhas"], fan_in):
                    add(importer, f"import {_dotted(hops[0])}")
    for k in range(per_kind):
        importer = rng.choice(candidate)
        target = rng.choice(by_lane["archive" if k % 2 else "quarantine"])
        line = add(importer, f"from {_dotted(target).rsplit('.', 1)[0]} import {target[-6:-3]}")
        repo.planted.append(Planted("import", importer, line, target))
    for k in range(per_kind):
        target = rng.choice(candidate)
        dotted = _dotted(target)
        forms = [
            ("import importlib", f'importlib.import_module("{dotted}")'),
            ("", f'__import__("{dotted}")'),
            ("import runpy", f'runpy.run_module("{dotted}")'),
            ("import importlib.util", f'importlib.util.spec_from_file_location("x", "{target}")'),
        ]
        setup, call = forms[k % len(forms)]
        origin = next(accepted)
        if setup:
            add(origin, setup)
        line = add(origin, f"_loaded = {call}")
        repo.planted.append(Planted("dynamic-import", origin, line, target))
    for _ in range(per_kind):
        origin = next(accepted)
        add(origin, "import importlib")
        line = add(origin, "_plugin = importlib.import_module(__name__ + '.plugin')")
        repo.planted.append(Planted("unverifiable-dynamic-import", origin, line))
        origin = next(accepted)
        add(origin, "import sys")
        line = add(origin, 'sys.path.insert(0, "candidate")')
        repo.planted.append(Planted("sys-path-change", origin, line))
    for k in range(per_kind):
        target = rng.choice(candidate)
        alias = _dotted(target).split(".", 1)[1]  # "cNNN.mNN": only candidate/ resolves it
        package, name = alias.rsplit(".", 1)
        origin = next(accepted)
        if k % 2:
            add(origin, "try:")
            line = add(origin, f"    from {package} import {name}")
            add(origin, "except ImportError:")
            add(origin, f"    {name} = None")
        else:
            line = add(origin, f"import {alias}")
        repo.planted.append(Planted("alias-import", origin, line, target))
    for k in range(per_kind):
        path = f"candidate/broken/b{k}.py"
        lines[path] = ["def broken(:"]
        repo.broken.append(path)
        repo.modules.append(path)


def without_syntax_errors(repo: SyntheticRepo, destination: Path) -> Path:
    """A copy of the repository without the broken files (import-linter stops on them)."""
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(repo.root, destination, ignore=shutil.ignore_patterns(".lukhas-cache"))
    for relpath in repo.broken:
        (destination / relpath).unlink()
    return destination
