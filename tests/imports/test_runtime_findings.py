"""The runtime guard's findings in the gate's judgement: the baseline covers them, and they
are counted by module, not by test (pytester runs with lanes prod, shared, labs, attic)."""

from __future__ import annotations

import json

import pytest

from pytest_lukhas.cli import main
from tests.conftest import gate_table
from tests.imports.conftest import make_repo
from tests.imports.test_routes import API, QUIET, make_config

TWO_TESTS = (
    "from prod.billing.api import load\n\n\n"
    "def test_one():\n    assert load('labs.' + 'engine').VALUE == 1\n\n\n"
    "def test_two():\n    assert load('labs.' + 'engine').VALUE == 1\n"
)
DYNAMIC = {
    API: "import importlib\n\n\ndef load(name):\n    return importlib.import_module(name)\n",
    "prod/billing/tests/test_api.py": TWO_TESTS,
    "ops/matriz.yaml": make_config("imports:\n  unverifiable_dynamic: ignore\n"),
}


def gate(pytester: pytest.Pytester) -> tuple[pytest.RunResult, dict]:
    """A gate run writing a bundle: its result and the bundle's imports.json."""
    result = pytester.runpytest("--lukhas-gate", *QUIET, "--lukhas-bundle", "out")
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output and "INTERNALERROR" not in output, output
    (imports,) = (pytester.path / "out").glob("*/imports.json")
    return result, json.loads(imports.read_text())


def runtime(report: dict) -> list[dict]:
    return [f for f in report["findings"] if f["kind"] == "runtime-import"]


def stale(report: dict) -> list[dict]:
    return [f for f in report["findings"] if f["kind"] == "stale-baseline-entry"]


def test_a_baselined_import_is_not_red_again_when_tests_run_it(pytester, capsys):
    make_repo(pytester.path, {
        API: "def load(name):\n    from labs import engine\n    return engine\n",
        "prod/billing/tests/test_api.py": TWO_TESTS,
    })  # fmt: skip
    assert main(["imports", "--root", str(pytester.path), "--write-baseline"]) == 0
    capsys.readouterr()
    result, report = gate(pytester)
    assert gate_table(result)["billing"]["imports"] == "pass"
    assert [f["baselined"] for f in runtime(report)] == [True, True]
    assert stale(report) == [] and report["ok"]
    assert "stale-baseline-entry" not in result.stdout.str()


def test_a_runtime_finding_in_the_baseline_is_covered_in_every_test(pytester):
    make_repo(pytester.path, DYNAMIC)
    result, report = gate(pytester)
    assert gate_table(result)["billing"]["imports"] == "FAIL"
    fingerprints = {f["fingerprint"] for f in runtime(report)}
    assert len(fingerprints) == 1  # the same crossing, seen by two tests
    baseline = {"version": 1, "findings": [{"fingerprint": fp} for fp in fingerprints]}
    (pytester.path / "ops" / "imports-baseline.json").write_text(json.dumps(baseline))
    result, report = gate(pytester)
    assert gate_table(result)["billing"]["imports"] == "pass"
    assert [f["baselined"] for f in runtime(report)] == [True, True]
    assert stale(report) == [] and report["ok"]


def test_an_entry_nothing_matches_is_stale_once(pytester):
    make_repo(pytester.path, DYNAMIC)
    baseline = {"version": 1, "findings": [{"fingerprint": "0" * 20}]}
    (pytester.path / "ops" / "imports-baseline.json").write_text(json.dumps(baseline))
    _result, report = gate(pytester)
    assert [f["message"] for f in stale(report)] == [
        f"baseline entry {'0' * 20} matches no finding any more"
    ]


def test_one_module_loaded_by_two_tests_counts_once_and_names_both(pytester):
    make_repo(pytester.path, DYNAMIC)
    result, report = gate(pytester)
    result.stdout.fnmatch_lines([
        "runtime import guard: 1 denied module(s) loaded by accepted-lane code",
        "    triggered by test prod/billing/tests/test_api.py::test_one",
        "    triggered by test prod/billing/tests/test_api.py::test_two",
    ])  # fmt: skip
    assert [f["test"] for f in runtime(report)] == [
        "prod/billing/tests/test_api.py::test_one",
        "prod/billing/tests/test_api.py::test_two",
    ]
    (gate_json,) = (pytester.path / "out").glob("*/gate.json")
    (billing,) = json.loads(gate_json.read_text())["slices"]
    assert "more" not in billing["criteria"]["imports"]["reason"]
