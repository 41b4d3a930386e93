"""The import check against import-linter on a 10,000-module monorepo, cold and warm, and
the cost of parallel parsing and of the runtime import guard.

Run: ``pytest benchmarks/test_imports.py --benchmark-only -p no:randomly`` (needs the
``bench`` extra: ``pip install -e '.[dev,bench]'``). Ratios are printed at the end.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.conftest import CPU, record
from benchmarks.synthetic_repo import SyntheticRepo
from pytest_lukhas.lanes import load_lanes
from pytest_lukhas.problems import Severity

BIN = Path(sys.executable).parent
CACHES = (".lukhas-cache", ".import_linter_cache")


# Both tools run with bytecode caching on, as on a developer's machine (some CI images set
# PYTHONDONTWRITEBYTECODE, which makes every process compile its own sources again).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


ROUND_CPU: list[float] = []  # CPU time of each command run, for record_cpu()


def _run(command: list[str], cwd: Path, ok: tuple[int, ...] = (0, 1)) -> str:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, env=ENV)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    ROUND_CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    assert done.returncode in ok, done.stdout + done.stderr
    return done.stdout


def record_both(name: str, benchmark) -> None:
    """The fastest round, and the least CPU time of the rounds (less moved by other load
    on a shared machine than wall time, but blind to parallelism)."""
    record(name, benchmark)
    CPU[name] = min(ROUND_CPU)
    ROUND_CPU.clear()


def lukhas(repo: Path) -> str:
    return _run(
        [str(BIN / "lukhas-gate"), "imports", "--root", str(repo), "--format", "json"], repo
    )


def import_linter(repo: Path, *args: str) -> str:
    return _run([str(BIN / "lint-imports"), "--no-logo", *args], repo)


needs_import_linter = pytest.mark.skipif(
    not (BIN / "lint-imports").exists(),
    reason="the baseline needs import-linter: pip install -e '.[bench]'",
)


def _clear(repo: Path) -> None:
    for name in CACHES:
        shutil.rmtree(repo / name, ignore_errors=True)


def test_lukhas_finds_every_planted_violation(monorepo: SyntheticRepo):
    report = json.loads(lukhas(monorepo.root))
    errors = {
        (f["kind"], f["chain"][-1]["file"] if f["chain"] else f["file"],
         f["chain"][-1]["line"] if f["chain"] else f["line"], f["target"])
        for f in report["findings"] if f["severity"] == str(Severity.ERROR)
    }  # fmt: skip
    assert errors == {(p.kind, p.file, p.line, p.target) for p in monorepo.planted}
    warnings = {f["file"] for f in report["findings"] if f["severity"] == "warning"}
    assert warnings == set(monorepo.broken)


def importlinter_cold(benchmark, repo: Path, name: str, rounds: int) -> None:
    """``lint-imports --no-cache`` on ``repo``, recorded as ``name``."""
    ROUND_CPU.clear()
    benchmark.pedantic(import_linter, args=(repo, "--no-cache"), rounds=rounds, iterations=1)
    record_both(name, benchmark)


def lukhas_cold(benchmark, repo: Path, name: str, rounds: int) -> None:
    """``lukhas-gate imports`` on ``repo`` with its cache removed, recorded as ``name``."""
    ROUND_CPU.clear()
    benchmark.pedantic(lukhas, args=(repo,), setup=lambda: _clear(repo), rounds=rounds)
    record_both(name, benchmark)


@needs_import_linter
def test_importlinter_cold(benchmark, parseable: Path):
    importlinter_cold(benchmark, parseable, "importlinter_cold", rounds=5)


def test_lukhas_cold(benchmark, parseable: Path):
    lukhas_cold(benchmark, parseable, "lukhas_cold", rounds=5)


@needs_import_linter
def test_importlinter_warm(benchmark, parseable: Path):
    import_linter(parseable)
    ROUND_CPU.clear()
    benchmark.pedantic(import_linter, args=(parseable,), rounds=8, iterations=1)
    record_both("importlinter_warm", benchmark)


def test_lukhas_warm(benchmark, parseable: Path):
    lukhas(parseable)
    ROUND_CPU.clear()
    benchmark.pedantic(lukhas, args=(parseable,), rounds=8, iterations=1)
    record_both("lukhas_warm", benchmark)


def _fresh_checkout(repo: Path) -> None:
    """Same bytes, new modification times: what a CI checkout with a restored cache sees."""
    for path in repo.rglob("*.py"):
        os.utime(path, ns=(1, 1))


def test_lukhas_warm_after_fresh_checkout(benchmark, parseable: Path):
    lukhas(parseable)
    ROUND_CPU.clear()
    benchmark.pedantic(
        lukhas, args=(parseable,), setup=lambda: _fresh_checkout(parseable), rounds=3
    )
    record_both("lukhas_checkout", benchmark)


# In a fresh interpreter: worker processes forked after grimp was loaded (as in this one,
# once any scan ran here) cannot use its parser and fall back to CPython's.
SCAN = """
import sys
from pathlib import Path
from pytest_lukhas.boundaries.cache import ParseCache
from pytest_lukhas.boundaries.scan import scan
from pytest_lukhas.lanes import load_lanes
root = Path(sys.argv[1])
scan(load_lanes(root / "ops" / "matriz.yaml", root), ParseCache(None), workers=int(sys.argv[2]))
"""


@pytest.mark.parametrize("workers", [0, 2], ids=["one_process", "processes"])
def test_scan_parallel(benchmark, monorepo: SyntheticRepo, workers: int):
    command = [sys.executable, "-c", SCAN, str(monorepo.root), str(workers)]
    benchmark.pedantic(lambda: _run(command, monorepo.root, ok=(0,)), rounds=3)
    record_both(f"scan_{'one_process' if workers == 0 else 'processes'}", benchmark)


GUARD_MODULES = 500
GUARD_CONFIG = """\
lanes:
  - name: prod
    root: prod/
    import_rules: {deny_from: ["labs/**"]}
    promotion: {from: labs}
  - name: shared
    root: shared/
  - name: labs
    root: labs/
"""


@pytest.fixture(scope="module")
def guarded_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """500 accepted-lane modules, each importing up to four others, the stdlib and a shared
    lane module (so the guard's check of already-loaded modules is active)."""
    root = tmp_path_factory.mktemp("guarded")
    (root / "ops").mkdir()
    (root / "ops" / "matriz.yaml").write_text(GUARD_CONFIG)
    for package in ("prod", "shared", "labs"):
        (root / package).mkdir()
        (root / package / "__init__.py").write_text("")
    (root / "shared" / "util.py").write_text("VALUE = 1\n")
    for i in range(GUARD_MODULES):
        children = [c for c in range(4 * i + 1, 4 * i + 5) if c < GUARD_MODULES]  # a 4-ary tree
        others = "\n".join(f"import prod.g{c}" for c in children)
        body = f"import json\nimport os\nfrom shared import util\n{others}\n\nX = {i}\n"
        (root / "prod" / f"g{i}.py").write_text(body)
    return root


def _import_tree(root: Path) -> None:
    for i in range(GUARD_MODULES):
        __import__(f"prod.g{i}")


def _forget(root: Path) -> None:
    for name in [n for n in sys.modules if n == "prod" or n.startswith(("prod.", "shared"))]:
        del sys.modules[name]


@pytest.mark.parametrize("guarded", [False, True], ids=["guard_off", "guard_on"])
def test_guard_import_overhead(benchmark, guarded_tree: Path, guarded: bool):
    from pytest_lukhas.boundaries.guard import Guard

    sys.path.insert(0, str(guarded_tree))
    config = load_lanes(guarded_tree / "ops" / "matriz.yaml", guarded_tree)
    guard = Guard(config)
    writes, sys.dont_write_bytecode = sys.dont_write_bytecode, False
    _import_tree(guarded_tree)  # compile once: every round imports from .pyc, as usual
    sys.dont_write_bytecode = writes
    try:
        if guarded:
            guard.install()
        benchmark.pedantic(
            _import_tree, args=(guarded_tree,), setup=lambda: _forget(guarded_tree), rounds=15
        )
    finally:
        guard.uninstall()
        _forget(guarded_tree)
        sys.path.remove(str(guarded_tree))
    assert not guard.records  # nothing denied was loaded
    record("guard_on" if guarded else "guard_off", benchmark)
