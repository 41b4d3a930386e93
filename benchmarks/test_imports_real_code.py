"""The import check against import-linter on real code: packages installed in this
environment (scipy, numpy, pip, pygments, libcst, setuptools, hypothesis, rich, _pytest,
those present), copied into a repository where each is a lane.

Run: ``pytest benchmarks/test_imports_real_code.py --benchmark-only -p no:randomly``
(needs the ``bench`` extra). Unlike the synthetic monorepo, real files hold f-strings,
``except`` clauses, ``TYPE_CHECKING`` blocks and dynamic imports, so this measures how
much of the fast path (ruff's parser through grimp) real code can use.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from benchmarks.test_imports import importlinter_cold, lukhas, lukhas_cold, needs_import_linter

PACKAGES = (
    "scipy", "numpy", "pip", "pygments", "libcst", "setuptools", "hypothesis", "rich",
    "_pytest",
)  # fmt: skip
ACCEPTED = "rich"  # its rule denies the two largest lanes, which it never imports


def _installed(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@pytest.fixture(scope="session")
def real_code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("real") / "repo"
    found = {name: path for name in PACKAGES if (path := _installed(name))}
    if ACCEPTED not in found or len(found) < 3:
        pytest.skip(f"needs {ACCEPTED} and two more of {', '.join(PACKAGES)} installed")
    for name, path in found.items():
        shutil.copytree(path, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    denied = [n for n in ("scipy", "numpy", "pip") if n in found and n != ACCEPTED][:2]
    lanes = [
        f"  - name: accepted\n    root: {ACCEPTED}/\n    import_rules:\n"
        f"      deny_from: [{', '.join(f'{chr(34)}{n}/**{chr(34)}' for n in denied)}]"
    ]
    lanes += [f"  - {{name: {n.strip('_')}, root: {n}/}}" for n in found if n != ACCEPTED]
    (root / "ops").mkdir()
    (root / "ops" / "matriz.yaml").write_text("version: 1\nlanes:\n" + "\n".join(lanes) + "\n")
    contract = "\n".join(f"    {n}" for n in denied)
    packages = "\n".join(f"    {n}" for n in found)
    (root / ".importlinter").write_text(
        f"[importlinter]\nroot_packages =\n{packages}\n\n[importlinter:contract:1]\n"
        f"name = {ACCEPTED} does not import {', '.join(denied)}\ntype = forbidden\n"
        f"source_modules = {ACCEPTED}\nforbidden_modules =\n{contract}\n"
    )  # fmt: skip
    return root


def test_lukhas_reads_real_code_without_parse_errors(real_code: Path):
    report = json.loads(lukhas(real_code))
    assert report["counts"]["files"] > 1000
    assert not [f for f in report["findings"] if f["kind"] == "syntax-error"]


@needs_import_linter
def test_importlinter_cold_real_code(benchmark, real_code: Path):
    importlinter_cold(benchmark, real_code, "importlinter_real_cold", rounds=3)


def test_lukhas_cold_real_code(benchmark, real_code: Path):
    lukhas_cold(benchmark, real_code, "lukhas_real_cold", rounds=3)
