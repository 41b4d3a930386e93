"""Criterion 3 on generated repositories: green, and red for each way it can fail."""

from __future__ import annotations

import fnmatch
import json

import pytest

from pytest_lukhas.verdicts import Status
from tests.conftest import gate_table
from tests.matriz_repo import (
    API,
    FAKE_EMITTER,
    MANIFEST,
    POINT,
    TESTS,
    gate_result,
    gate_verdict,
    make_repo,
)

UNINSTRUMENTED = """\
def charge(amount):
    return amount
"""

WITH_HELPER = (
    API
    + """

@instrument("COMPUTATION", label="billing:round")
def round_amount(amount):
    return amount
"""
)


def test_green_when_instrumented_declared_and_emitted(pytester):
    _, verdict = gate_verdict(make_repo(pytester))
    assert verdict.status is Status.PASS, verdict.reason
    assert verdict.details == {
        "capabilities": {"charge": POINT},
        "declared": [POINT],
        "emitted": {POINT: 1},
        "missing": [],
        "undeclared": {},
        "invalid": [],
    }


def test_the_table_shows_matriz_green(pytester):
    result = make_repo(pytester).runpytest("--lukhas-gate")
    assert gate_table(result)["billing"]["matriz"] == "pass"


def test_uninstrumented_capability_is_red_at_its_definition(pytester):
    _, verdict = gate_verdict(make_repo(pytester, api=UNINSTRUMENTED))
    assert verdict.status is Status.FAIL
    assert verdict.reason.startswith(
        "capability 'charge' (prod.billing:charge) is not instrumented: decorate it so it "
        f"emits one of {POINT}"
    )
    assert verdict.where == "prod/billing/api.py:1"


def test_capability_emitting_an_undeclared_point_is_red(pytester):
    api = API.replace('label="billing:charge"', 'label="billing:pay"')
    _, verdict = gate_verdict(make_repo(pytester, api=api))
    findings = [f["reason"] for f in verdict.details["findings"]]
    assert findings[0] == (
        "capability 'charge' (prod.billing:charge) emits 'DECISION:billing:pay', which the "
        f"manifest does not declare (declared: {POINT})"
    )
    assert f"no passing test emitted {POINT!r}" in findings
    assert verdict.details["undeclared"] == {"DECISION:billing:pay": 1}


def test_a_capability_own_emit_point_must_match(pytester):
    manifest = {
        **MANIFEST,
        "capabilities": [{"name": "charge", "emit_point": "DECISION:billing:other"}],
    }
    _, verdict = gate_verdict(make_repo(pytester, manifest=manifest))
    assert verdict.reason.startswith(
        f"capability 'charge' (prod.billing:charge) emits {POINT!r}, which its capability's "
        "emit_point does not declare (declared: DECISION:billing:other)"
    )
    assert verdict.details["declared"] == [POINT, "DECISION:billing:other"]


def test_a_declared_point_never_emitted_is_red_at_its_manifest_entry(pytester):
    manifest = {**MANIFEST, "matriz_emit_points": [POINT, "DECISION:billing:refund"]}
    _, verdict = gate_verdict(make_repo(pytester, manifest=manifest))
    assert verdict.reason == "no passing test emitted 'DECISION:billing:refund'"
    assert verdict.where == "prod/billing/MODULE_MANIFEST.json at /matriz_emit_points/1"
    assert verdict.details["missing"] == ["DECISION:billing:refund"]
    assert verdict.details["emitted"] == {POINT: 1}


def test_a_point_emitted_only_by_a_failing_test_is_red(pytester):
    tests = TESTS.replace("assert charge(3) == 3", "assert charge(3) == 4")
    _, verdict = gate_verdict(make_repo(pytester, tests=tests))
    assert verdict.reason == (
        f"{POINT!r} was emitted only by tests that did not pass: "
        "prod/billing/tests/test_api.py::test_charge failed"
    )


def test_a_point_emitted_by_a_passing_test_elsewhere_counts(pytester):
    repo = make_repo(pytester, tests="def test_nothing():\n    pass\n")
    repo.makepyfile(test_elsewhere="from prod.billing import charge\n\n"
                    "def test_it():\n    charge(1)\n")  # fmt: skip
    _, verdict = gate_verdict(repo)
    assert verdict.status is Status.PASS, verdict.reason


def test_drift_an_undeclared_point_from_the_slice_code_is_red(pytester):
    tests = TESTS + "\n\ndef test_round():\n    from prod.billing.api import round_amount\n" \
        "    round_amount(1)\n"  # fmt: skip
    _, verdict = gate_verdict(make_repo(pytester, api=WITH_HELPER, tests=tests))
    assert verdict.reason == (
        "emitted 'COMPUTATION:billing:round', which the manifest does not declare (by "
        "prod.billing.api.round_amount): declare it in matriz_emit_points or fix the emit point"
    )
    assert verdict.where == "prod/billing/MODULE_MANIFEST.json at /matriz_emit_points"
    assert verdict.details["undeclared"] == {"COMPUTATION:billing:round": 1}


def test_points_emitted_by_other_code_are_not_the_slice_drift(pytester):
    repo = make_repo(pytester, tests=TESTS + "\n\n" + OTHER_CODE)
    _, verdict = gate_verdict(repo)
    assert verdict.status is Status.PASS, verdict.reason


OTHER_CODE = """\
from lukhas.observability import instrument


@instrument("MEMORY", label="tests:helper")
def helper():
    pass


def test_helper():
    helper()
"""


def test_a_nested_slice_owns_its_own_points(pytester):
    nested = {**MANIFEST, "module": "prod.billing.refunds", "capabilities": ["refund"],
              "matriz_emit_points": ["DECISION:refunds:refund"]}  # fmt: skip
    refunds_api = API.replace("billing:charge", "refunds:refund").replace("charge", "refund")
    tests = TESTS + "\n\ndef test_refund():\n    from prod.billing.refunds import refund\n" \
        "    refund(1)\n"  # fmt: skip
    files = {
        "prod/billing/refunds/__init__.py": "from prod.billing.refunds.api import *  # noqa\n",
        "prod/billing/refunds/api.py": refunds_api,
        "prod/billing/refunds/MODULE_MANIFEST.json": json.dumps(nested),
    }
    recorder = make_repo(pytester, tests=tests, files=files).inline_run("--lukhas-gate")
    verdicts = {row.slice.name: row.get("matriz") for row in gate_result(recorder).slices}
    assert {name: v.status for name, v in verdicts.items()} == {
        "prod.billing": Status.PASS,
        "prod.billing.refunds": Status.PASS,
    }, [v.reason for v in verdicts.values()]


@pytest.mark.parametrize(
    ("capability", "reason"),
    [
        ({"name": "charge", "entry_point": "prod.billing.missing:charge"},
         "capability 'charge' (prod.billing.missing:charge): cannot import "
         "'prod.billing.missing': ModuleNotFoundError: No module named 'prod.billing.missing'"),
        ({"name": "charge", "entry_point": "prod.billing.api:charges"},
         "capability 'charge' (prod.billing.api:charges): 'prod.billing.api' has no 'charges'"),
        ({"name": "annotate"},
         "capability 'annotate' (prod.billing:annotate) is not instrumented*"),
        ({"name": "_private", "entry_point": "prod.billing.api:_private"},
         "capability '_private' (prod.billing.api:_private) is not a public function"),
        ({"name": "broken", "entry_point": "prod.billing.broken:run"},
         "capability 'broken' (prod.billing.broken:run): cannot import 'prod.billing.broken': "
         "ZeroDivisionError: division by zero"),
    ],
)  # fmt: skip
def test_capabilities_that_do_not_resolve_are_red_without_a_traceback(pytester, capability, reason):
    manifest = {**MANIFEST, "capabilities": ["charge", capability]}
    files = {"prod/billing/broken.py": "1 / 0\n"}
    repo = make_repo(pytester, manifest=manifest, api=API + "\n\ndef _private():\n    pass\n",
                     files=files)  # fmt: skip
    _, verdict = gate_verdict(repo)
    assert verdict.status is Status.FAIL
    assert fnmatch.fnmatchcase(verdict.reason, reason), verdict.reason
    result = repo.runpytest("--lukhas-gate")
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


INVALID_API = """\
import fake_emitter


@fake_emitter.instrument("DECISION:billing:charge", state__salience=3)
def charge(amount):
    return amount
"""


def test_an_invalid_node_from_the_slice_is_red_with_its_pointer(pytester):
    repo = make_repo(pytester, api=INVALID_API, files={"fake_emitter.py": FAKE_EMITTER})
    repo.makeini("[pytest]\nlukhas_matriz_emitter = fake_emitter\npythonpath = .\n")
    recorder, verdict = gate_verdict(repo)
    recorder.assertoutcome(failed=1)  # the test itself fails on the invalid node
    assert verdict.reason.startswith(
        "emitted a MATRIZ node the schema refuses, at /state/salience: 3 is greater than the "
        f"maximum of 1 ({POINT} from prod.billing.api.charge)"
    )
    assert verdict.where == "prod/billing/tests/test_api.py::test_charge"
    [invalid] = verdict.details["invalid"]
    assert invalid["pointer"] == "/state/salience"


def test_a_custom_emitter_with_valid_nodes_is_green(pytester):
    api = INVALID_API.replace(", state__salience=3", "")
    repo = make_repo(pytester, api=api, files={"fake_emitter.py": FAKE_EMITTER})
    repo.makeini("[pytest]\nlukhas_matriz_emitter = fake_emitter\npythonpath = .\n")
    _, verdict = gate_verdict(repo)
    assert verdict.status is Status.PASS, verdict.reason


def test_emitter_missing_fails_closed_naming_the_ini_key(pytester):
    repo = make_repo(pytester)
    repo.makeini("[pytest]\nlukhas_matriz_emitter = not_installed_here\n")
    recorder, verdict = gate_verdict(repo)
    recorder.assertoutcome(passed=1)  # tests that do not ask for capture still run
    assert verdict.reason.startswith(
        "MATRIZ nodes were not captured: cannot import the MATRIZ emitter 'not_installed_here' "
        "(ini lukhas_matriz_emitter): ModuleNotFoundError"
    )


def test_no_test_at_all_fails_closed(pytester):
    repo = make_repo(pytester, tests="")
    _, verdict = gate_verdict(repo)
    assert verdict.reason == "no test ran under the gate, so no emit point was seen"


def test_an_invalid_manifest_is_red_here_too(pytester):
    repo = make_repo(pytester, manifest={**MANIFEST, "matriz_emit_points": []})
    _, verdict = gate_verdict(repo)
    assert verdict.reason.startswith("no valid manifest: no capability or emit point is declared")


XDIST_TESTS = """\
import pytest

from lukhas.observability import instrument
from prod.billing import charge


@pytest.mark.parametrize("n", range(12))
def test_charge(n):
    for _ in range(n):
        charge(n)


def test_fails():
    charge(0)
    assert False


@instrument("MEMORY", label="tests:other")
def other():
    pass


@pytest.mark.parametrize("n", range(5))
def test_other(n):
    other()
"""


def test_emit_coverage_under_xdist_equals_the_serial_run(pytester):
    repo = make_repo(pytester, tests=XDIST_TESTS)
    _, serial = gate_verdict(repo)
    _, parallel = gate_verdict(repo, "-p", "xdist", "-n", "2")
    assert serial.details["emitted"] == {POINT: sum(range(12))}
    assert parallel.details == serial.details
    assert parallel.status is serial.status is Status.PASS
