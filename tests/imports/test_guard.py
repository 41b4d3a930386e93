"""The runtime guard as a unit: judging, nesting, and what it leaves behind."""

from __future__ import annotations

import builtins
import importlib
import sys

from pytest_lukhas.boundaries import guard as guard_module
from pytest_lukhas.boundaries.guard import Guard
from pytest_lukhas.lanes import load_lanes
from tests.imports.conftest import make_repo


def test_guards_nest_and_restore_what_they_replaced(repo):
    config = load_lanes(repo / "ops" / "matriz.yaml", repo)
    before = guard_module._ACTIVE, builtins.__import__, importlib.import_module
    outer = Guard(config).install()
    inner = Guard(config).install()
    inner.uninstall()
    assert guard_module._ACTIVE is outer
    assert builtins.__import__ is guard_module._guarded_import
    outer.uninstall()
    assert (guard_module._ACTIVE, builtins.__import__, importlib.import_module) == before


def test_one_finding_per_module_not_per_package_it_ran(tmp_path):
    repo = make_repo(tmp_path, {
        "prod/billing/api.py": "def load():\n    import labs.core.x\n    return labs.core.x\n",
    })  # fmt: skip
    config = load_lanes(repo / "ops" / "matriz.yaml", repo)
    sys.path.insert(0, str(repo))
    guard = Guard(config).install()
    try:
        guard.current = "test_load"
        importlib.import_module("prod.billing.api").load()
    finally:
        guard.uninstall()
        sys.path.remove(str(repo))
        for name in [n for n in sys.modules if n.split(".")[0] in {"prod", "labs"}]:
            del sys.modules[name]
    found = guard.findings()
    assert [(f.file, f.line, f.target, f.test) for f in found] == [
        ("prod/billing/api.py", 2, "labs/core/x.py", "test_load")
    ]
    assert found[0].rules and "deny_from labs/**" in found[0].rules[0]


def test_packages_installed_in_a_venv_inside_the_repository_are_not_lane_code(tmp_path):
    site = "venv/lib/python3.11/site-packages"
    repo = make_repo(tmp_path, {
        f"{site}/fakepkg/__init__.py": "",
        "prod/billing/api.py": "import fakepkg\n",
    })  # fmt: skip
    config = load_lanes(repo / "ops" / "matriz.yaml", repo)
    guard = Guard(config)
    assert guard.place(str(repo / site / "fakepkg" / "__init__.py")) is None
    assert guard.place(str(repo / "labs" / "engine.py")) == "labs/engine.py"
    sys.path.insert(0, str(repo / site))
    try:
        from pytest_lukhas.boundaries.check import check_imports

        assert check_imports(config).findings == []
    finally:
        sys.path.remove(str(repo / site))
