"""Every route into a denied lane, through `pytest --lukhas-gate` (pytester): red with the
right chain, green when clean. The project's lanes are prod (accepted), shared, labs, attic."""

from __future__ import annotations

import pytest

from tests.imports.conftest import make_repo

API = "prod/billing/api.py"
# Plugins the inner runs do not need: each in-process run would import them afresh.
QUIET = (
    "-p",
    "no:cacheprovider",
    "-p",
    "no:benchmark",
    "-p",
    "no:hypothesispytest",
    "-p",
    "no:xdist",
)


def lines(*patterns: str) -> list[str]:
    """fnmatch patterns with literal square brackets (finding kinds are written [kind])."""
    return [("*" + p.lstrip() if p[:1] == " " else p).replace("[", "[[]") for p in patterns]


def gate(pytester: pytest.Pytester, changes: dict[str, str | None], *args: str):
    make_repo(pytester.path, changes)
    result = pytester.runpytest("--lukhas-gate", *QUIET, *args)
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output and "INTERNALERROR" not in output, output
    return result


RED = {
    "direct": (
        {API: "from labs import engine\n"},
        ["prod/billing/api.py:1: error: [import] prod.billing.api imports labs.engine (the labs lane, labs/**)"],
    ),
    "transitive-depth-2": (
        {API: "import shared.util\n", "shared/util.py": "from labs.engine import VALUE\n"},
        ["prod/billing/api.py:1: error: [import] prod.billing.api reaches labs.engine (the labs lane, labs/**) through a chain of 2 imports",
         "      prod/billing/api.py:1: import shared.util",
         "    -> shared/util.py:1: from labs.engine import VALUE",
         "    fix: break the chain: remove the import at shared/util.py:1, or stop importing shared.util at prod/billing/api.py:1"],
    ),
    "transitive-depth-3": (
        {API: "from shared import a\n", "shared/a.py": "from . import b\n", "shared/b.py": "import attic.old\n"},
        ["*prod.billing.api reaches attic.old (the attic lane, attic/**) through a chain of 3 imports",
         "      prod/billing/api.py:1: from shared import a",
         "    -> shared/a.py:1: from . import b",
         "    -> shared/b.py:1: import attic.old"],
    ),
    "importlib.import_module": (
        {API: "import importlib\n\n\ndef load():\n    return importlib.import_module('labs.engine')\n"},
        ["prod/billing/api.py:5: error: [dynamic-import] prod.billing.api dynamically imports labs.engine*"],
    ),
    "import_module-aliased-relative": (
        {API: "import importlib as il\n\n\ndef load():\n    return il.import_module('.engine', package='labs')\n"},
        ["prod/billing/api.py:5: error: [dynamic-import]*labs.engine*"],
    ),
    "__import__": (
        {API: "def load():\n    return __import__('labs.engine')\n"},
        ["prod/billing/api.py:2: error: [dynamic-import]*labs.engine*"],
    ),
    "spec_from_file_location": (
        {API: "import importlib.util\n\n\ndef load():\n    return importlib.util.spec_from_file_location('e', 'labs/engine.py')\n"},
        ["prod/billing/api.py:5: error: [dynamic-import]*labs.engine*"],
    ),
    "runpy.run_module": (
        {API: "import runpy\n\n\ndef load():\n    return runpy.run_module('labs.engine')\n"},
        ["prod/billing/api.py:5: error: [dynamic-import]*labs.engine*"],
    ),
    "runpy.run_path": (
        {API: "from runpy import run_path\n\n\ndef load():\n    return run_path('labs/engine.py')\n"},
        ["prod/billing/api.py:5: error: [dynamic-import]*labs.engine*"],
    ),
    "pkgutil.resolve_name": (
        {API: "import pkgutil\n\n\ndef load():\n    return pkgutil.resolve_name('labs.engine:VALUE')\n"},
        ["prod/billing/api.py:5: error: [dynamic-import]*labs.engine*"],
    ),
    "non-literal-dynamic": (
        {API: "import importlib\n\n\ndef load(name):\n    return importlib.import_module(name)\n"},
        ["prod/billing/api.py:5: error: [unverifiable-dynamic-import] importlib.import_module() with a target computed at run time*"],
    ),
    "sys.path": (
        {API: "import sys\n\nsys.path.insert(0, 'labs')\n"},
        ["prod/billing/api.py:3: error: [sys-path-change] prod.billing.api changes the import path (sys.path.insert(...))*"],
    ),
    "site.addsitedir": (
        {API: "import site\n\nsite.addsitedir('labs')\n"},
        ["prod/billing/api.py:3: error: [sys-path-change]*(site.addsitedir(...))*"],
    ),
    "PYTHONPATH": (
        {API: "import os\n\nos.environ['PYTHONPATH'] = 'labs'\n"},
        ["prod/billing/api.py:3: error: [sys-path-change]*os.environ[\"PYTHONPATH\"] =*"],
    ),
    "alias": (
        {API: "from core.x import y\n"},
        ["prod/billing/api.py:1: error: [alias-import] prod.billing.api alias-imports labs.core.x (the labs lane, labs/**); it resolves only if labs/ is on sys.path"],
    ),
    "alias-past-a-same-named-package-in-its-own-lane": (
        {API: "from core.x import y\n", "prod/core/__init__.py": ""},
        ["prod/billing/api.py:1: error: [alias-import] prod.billing.api alias-imports labs.core.x (the labs lane, labs/**); it resolves only if labs/ is on sys.path"],
    ),
    "alias-in-try-except-ImportError": (
        {API: "try:\n    from core.x import y\nexcept ImportError:\n    y = None\n"},
        ["prod/billing/api.py:2: error: [alias-import]*labs.core.x*(in try/except ImportError: it fails silently where the lane is absent)"],
    ),
    "type-checking": (
        {API: "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from labs.engine import VALUE\n"},
        ["prod/billing/api.py:4: error: [import] prod.billing.api imports labs.engine*(under `if TYPE_CHECKING:`)"],
    ),
    "syntax-error-in-accepted-lane": (
        {"prod/billing/broken.py": "def broken(:\n    pass\n"},
        ["prod/billing/broken.py:1: error: [syntax-error] does not parse: *"],
    ),
    "pragma-without-reason": (
        {API: "from labs import engine  # lukhas: allow-import\n"},
        ["prod/billing/api.py:1: error: [import] prod.billing.api imports labs.engine*",
         "prod/billing/api.py:1: error: [pragma-without-reason] allow-import pragma without a reason; it allows nothing"],
    ),
}  # fmt: skip


@pytest.mark.parametrize(("changes", "expected"), RED.values(), ids=RED.keys())
def test_route_is_red_with_its_chain(pytester, changes, expected):
    result = gate(pytester, changes)
    result.stdout.fnmatch_lines(lines(*expected))
    result.stdout.fnmatch_lines(lines("billing *pass *FAIL*", "FAILED prod/billing::imports*"))
    assert result.ret == pytest.ExitCode.TESTS_FAILED


GREEN = {
    "clean": {},
    "stdlib-and-installed-imports": {API: "import json\nimport pytest\n\n\ndef charge():\n    return 1\n"},
    "allowed-lane": {API: "from shared.util import helper\n"},
    "pragma-with-reason": {API: "from labs import engine  # lukhas: allow-import(bridge until 2.0)\n"},
    "pragma-on-line-above": {API: "# lukhas: allow-import(legacy loader)\nimport importlib\nx = importlib.import_module\n"},
    "syntax-error-in-experimental-lane": {"labs/broken.py": "def broken(:\n"},
    "latin-1-with-coding-cookie": {API: "# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n"},
    "empty-file": {"prod/billing/empty.py": ""},
    "alias-resolving-fully-in-its-own-lane": {
        API: "from core.x import y\n", "prod/core/__init__.py": "", "prod/core/x.py": "y = 1\n",
    },
    "name-from-a-same-named-package-in-its-own-lane": {
        API: "from core import x\n", "prod/core/__init__.py": "x = 1\n",
    },
    "archive-imports-itself": {"attic/other.py": "from attic import old\n"},
    "labs-imports-prod": {"labs/engine.py": "from prod.billing import api\n"},
    # __main__ is the running program, never loaded from sys.path: not labs/__main__.py
    "main-module": {API: "import __main__\nfrom __main__ import x\n", "labs/__main__.py": "x = 1\n"},
}  # fmt: skip


@pytest.mark.parametrize("changes", GREEN.values(), ids=GREEN.keys())
def test_clean_repo_is_green(pytester, changes):
    result = gate(pytester, changes)
    result.stdout.fnmatch_lines(["billing *pass *pass*"])
    result.assert_outcomes(passed=5)  # the slice's test, three rule items, the slice item


def test_config_can_exempt_type_checking_and_soften_unverifiable_imports(pytester):
    changes = {
        API: "import importlib\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
        "    from labs.engine import VALUE\n\n\ndef load(name):\n"
        "    return importlib.import_module(name)\n",
        "ops/matriz.yaml": make_config(
            "imports:\n  type_checking_imports: ignore\n  unverifiable_dynamic: warning\n"
        ),
    }
    result = gate(pytester, changes)
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(["billing *pass *pass*"])


def make_config(extra: str) -> str:
    from tests.imports.conftest import CONFIG

    return CONFIG + extra


def test_broken_file_in_the_experimental_lane_never_stops_the_gate(pytester):
    changes = {
        "labs/broken.py": "def broken(:\n",
        "labs/bad_bytes.py": None,
        API: "import shared.util\n",
        "shared/util.py": "import labs.engine\n",
    }
    make_repo(pytester.path, changes)
    (pytester.path / "labs" / "bad_bytes.py").write_bytes(b"x = '\xff\xfe'\n")
    result = pytester.runpytest("--lukhas-gate", *QUIET)
    result.stdout.fnmatch_lines(["*shared/util.py:1: import labs.engine*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_undecodable_file_in_the_accepted_lane_is_red(pytester):
    make_repo(pytester.path)
    (pytester.path / "prod/billing/latin.py").write_bytes(b"NAME = 'caf\xe9'\n")
    result = pytester.runpytest("--lukhas-gate", *QUIET)
    result.stdout.fnmatch_lines(lines("prod/billing/latin.py: error: [undecodable] cannot decode*"))
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_other_lanes_rules_are_repo_wide_findings(pytester):
    result = gate(pytester, {"labs/engine.py": "import attic.old\n"})
    result.stdout.fnmatch_lines(lines(
        "*repo imports: [import] labs.engine imports attic.old (the attic lane, attic/**)*",
        "FAILED ops/matriz.yaml::imports[lane:labs]*",
    ))  # fmt: skip
    result.stdout.fnmatch_lines(["billing *pass *pass*"])  # the slice itself is clean


RUNTIME_API = "import importlib\n\n\ndef load(name):\n    return importlib.import_module(name)\n"
RUNTIME_TEST = (
    "from prod.billing.api import load\n\n\n"
    "def test_loads_a_plugin():\n    assert load('labs.' + 'engine').VALUE == 1\n"
)


def test_runtime_guard_names_the_test_that_loaded_a_denied_module(pytester):
    changes = {
        API: RUNTIME_API,
        "prod/billing/tests/test_api.py": RUNTIME_TEST,
        "ops/matriz.yaml": make_config("imports:\n  unverifiable_dynamic: ignore\n"),
    }
    result = gate(pytester, changes)
    result.stdout.fnmatch_lines(lines(
        "runtime import guard: 1 denied module(s) loaded by accepted-lane code",
        "prod/billing/api.py:5: error: [runtime-import] labs.engine (the labs lane) loaded at run time by prod.billing.api; no static import leads there: a dynamic route",
        "    triggered by test prod/billing/tests/test_api.py::test_loads_a_plugin",
        "billing *pass *FAIL*",  # the gate table comes last, after the details
        "*billing imports: [runtime-import] labs.engine (the labs lane) loaded at run time by prod.bi*",
        "*at test prod/billing/tests/test_api.py::test_loads_a_plugin",
    ))  # fmt: skip


def test_runtime_guard_sees_modules_loaded_before_it_started(pytester):
    """labs.engine is imported as a plugin (before the guard), then by prod code from
    sys.modules, which no finder sees again."""
    changes = {
        API: RUNTIME_API,
        "prod/billing/tests/test_api.py": RUNTIME_TEST,
        "ops/matriz.yaml": make_config("imports:\n  unverifiable_dynamic: ignore\n"),
    }
    make_repo(pytester.path, changes)
    pytester.syspathinsert()
    result = pytester.runpytest("--lukhas-gate", *QUIET, "-p", "labs.engine")
    result.stdout.fnmatch_lines(lines(
        "prod/billing/api.py:5: error: [runtime-import] labs.engine (the labs lane) loaded at run time*",
        "    triggered by test prod/billing/tests/test_api.py::test_loads_a_plugin",
    ))  # fmt: skip


def test_runtime_guard_ignores_allowed_code_and_pragmas(pytester):
    changes = {
        API: "import importlib\n\n\ndef load(name):\n"
        "    return importlib.import_module(name)  # lukhas: allow-import(plugin registry)\n",
        "prod/billing/tests/test_api.py": RUNTIME_TEST,
        "shared/util.py": "import labs.engine\n",
        "conftest.py": "import shared.util\n",
    }
    result = gate(pytester, changes)
    result.stdout.fnmatch_lines(["billing *pass *pass*"])
    assert "runtime import guard" not in result.stdout.str()


def test_under_xdist_workers_send_runtime_findings_to_the_controller(pytester):
    changes = {
        API: RUNTIME_API,
        "prod/billing/tests/test_api.py": RUNTIME_TEST,
        "ops/matriz.yaml": make_config("imports:\n  unverifiable_dynamic: ignore\n"),
    }
    make_repo(pytester.path, changes)
    result = pytester.runpytest_subprocess("--lukhas-gate", "-p", "no:cacheprovider", "-n", "2")
    result.stdout.fnmatch_lines(lines(
        "billing *pass *FAIL*",
        "*at test prod/billing/tests/test_api.py::test_loads_a_plugin",
    ))  # fmt: skip
    result.assert_outcomes(passed=5)


def test_runtime_finding_says_when_the_static_scan_sees_the_route_too(pytester):
    changes = {
        API: "def load():\n    from labs import engine\n    return engine\n",
        "prod/billing/tests/test_api.py": (
            "from prod.billing.api import load\n\n\ndef test_load():\n    assert load().VALUE\n"
        ),
    }
    result = gate(pytester, changes)
    result.stdout.fnmatch_lines(lines(
        "prod/billing/api.py:2: error: [runtime-import] labs.engine (the labs lane) loaded at run time by prod.billing.api; the static scan sees it too: prod.billing.api -> labs.engine",
    ))  # fmt: skip
