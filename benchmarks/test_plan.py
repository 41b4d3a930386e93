"""``lukhas-gate plan`` on the 10,000-module synthetic monorepo, against the import check
on the same repository in the same run, and what its smoke imports cost on a repository
whose 1,000 modules import cleanly (in one and in two processes at a time).

Run: ``pytest benchmarks/test_plan.py --benchmark-only -p no:randomly``. Ratios are printed
at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.conftest import record
from benchmarks.synthetic_repo import SyntheticRepo

BIN = Path(sys.executable).parent
# Bytecode caching on for the interpreters themselves, as on a developer's machine; the
# smoke imports never write bytecode into the repository whatever this says.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
TREE_MODULES = 1000


def gate(repo: Path, *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "lukhas-gate"), *args, "--root", str(repo)],
        cwd=repo,
        capture_output=True,
        text=True,
        env=ENV,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def _clear(repo: Path) -> None:
    shutil.rmtree(repo / ".lukhas-cache", ignore_errors=True)


PLAN = ("plan", "--no-smoke", "--format", "json")


def test_plan_waves_follow_the_dependencies(monorepo: SyntheticRepo):
    """On the big graph: a module's wave (an import cycle's, for its members) is one more
    than its latest dependency outside the cycle, and wave 0 outside cycles waits for none."""
    data = json.loads(gate(monorepo.root, *PLAN))
    modules = {m["path"]: m for m in data["modules"]}
    assert data["counts"]["modules"] == len(modules) > 4000
    groups: dict[object, list[dict]] = {}
    for module in modules.values():
        groups.setdefault(module["cycle"] or module["path"], []).append(module)
    for members in groups.values():
        cycle = members[0]["cycle"]
        waves = [
            modules[d["path"]]["wave"] + 1
            for member in members
            for d in member["dependencies"]
            if d["path"] in modules and (cycle is None or modules[d["path"]]["cycle"] != cycle)
        ]
        assert {m["wave"] for m in members} == {max(waves, default=0)}
        if cycle is None and not waves:
            assert members[0]["status"] == "ready"


def test_plan_cold(benchmark, monorepo: SyntheticRepo):
    setup = lambda: _clear(monorepo.root)  # noqa: E731
    benchmark.pedantic(gate, args=(monorepo.root, *PLAN), setup=setup, rounds=3)
    record("plan_cold", benchmark)


def test_imports_cold_same_repo(benchmark, monorepo: SyntheticRepo):
    args = (monorepo.root, "imports", "--format", "json")
    benchmark.pedantic(gate, args=args, setup=lambda: _clear(monorepo.root), rounds=3)
    record("plan_imports_cold", benchmark)


def test_plan_warm(benchmark, monorepo: SyntheticRepo):
    gate(monorepo.root, *PLAN)
    benchmark.pedantic(gate, args=(monorepo.root, *PLAN), rounds=5, iterations=1)
    record("plan_warm", benchmark)


def test_imports_warm_same_repo(benchmark, monorepo: SyntheticRepo):
    args = (monorepo.root, "imports", "--format", "json")
    gate(*args)
    benchmark.pedantic(gate, args=args, rounds=5, iterations=1)
    record("plan_imports_warm", benchmark)


TREE_CONFIG = """\
lanes:
  - name: prod
    root: prod/
    import_rules: {deny_from: ["labs/**"]}
    promotion: {from: labs}
  - name: labs
    root: labs/
"""


@pytest.fixture(scope="module")
def clean_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,000 modules in labs/ that import cleanly: each imports the standard library and
    its parent in a 4-ary tree (so an import loads about five modules of the lane)."""
    root = tmp_path_factory.mktemp("clean_tree")
    (root / "ops").mkdir()
    (root / "ops" / "matriz.yaml").write_text(TREE_CONFIG)
    for lane in ("prod", "labs"):
        (root / lane).mkdir()
        (root / lane / "__init__.py").write_text("")
    for i in range(TREE_MODULES):
        parent = f"from labs import t{(i - 1) // 4}\n" if i else ""
        body = (
            f"import json\nimport os\n{parent}\nVALUE = {i}\n\n\ndef value():\n    return VALUE\n"
        )
        (root / "labs" / f"t{i}.py").write_text(body)
    gate(root, *PLAN)  # a warm scan cache: the rows below differ only by the smoke imports
    return root


def test_plan_clean_tree_no_smoke(benchmark, clean_tree: Path):
    benchmark.pedantic(gate, args=(clean_tree, *PLAN), rounds=3, iterations=1)
    record("plan_tree_no_smoke", benchmark)


@pytest.mark.parametrize("jobs", [1, 2])
def test_plan_clean_tree_smoke(benchmark, clean_tree: Path, jobs: int):
    args = (clean_tree, "plan", "--format", "json", "--jobs", str(jobs))
    output = benchmark.pedantic(gate, args=args, rounds=3, iterations=1)
    counts = json.loads(output)["counts"]
    assert (counts["ready"], counts["smoke_failed"]) == (1, 0)  # t0; the rest wait for it
    assert not list(clean_tree.rglob("__pycache__"))
    record(f"plan_tree_smoke_{jobs}", benchmark)
