"""Criterion 6 per slice: from hand-made evidence, and from gate runs on a generated repo."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from pytest_lukhas.criteria import dry_run
from pytest_lukhas.evidence import Evidence, TestRecord
from pytest_lukhas.flags import settings_for
from pytest_lukhas.lanes import load_lanes
from pytest_lukhas.manifests import discover_slices
from pytest_lukhas.verdicts import Status
from tests.conftest import gate_table, write
from tests.generated_repo import BILLING_MANIFEST, evidence, make_repo, repo_files

TEST_FILE = "prod/billing/tests/test_api.py"
CHARGE = "DECISION:billing:charge"


def node(point: str, *labels: str) -> dict[str, Any]:
    return {
        "point": point,
        "labels": [point.split(":", 1)[1], *labels],
        "outcome": "ok",
        "count": 1,
    }


def record(
    name: str,
    *,
    on: bool = False,
    guarded: bool | None = None,
    nodes: list[dict[str, Any]] | None = None,
    outcome: str = "passed",
    side_effects: list[dict[str, str]] | None = None,
    matriz: bool = True,
    explicit: bool = False,
) -> TestRecord:
    data: dict[str, Any] = {
        "flags": {"FEATURE_BILLING": on, "FEATURE_SHIPPING": False},
        "flag_defaults": [] if on or explicit else ["FEATURE_BILLING", "FEATURE_SHIPPING"],
        "dry_run": (not on) if guarded is None else guarded,
        "side_effects": side_effects or [],
    }
    if matriz:
        data["matriz"] = {"emitted": nodes or [], "invalid": []}
    return TestRecord(f"{TEST_FILE}::{name}", TEST_FILE, outcome, data=data)


OFF = record("test_off", nodes=[node(CHARGE, "provider:null")])
ON = record("test_on", on=True, nodes=[node(CHARGE, "provider:stripe", "mode:live")])
REFUSAL = record(
    "test_refused",
    nodes=[node("DECISION:consent:check", "consent:refused", "scope:billing.charge")],
)


@pytest.fixture
def judge(tmp_path):
    """Judge the billing slice of a fresh repository against a list of test records."""
    for name in [m for m in sys.modules if m == "prod" or m.startswith("prod.")]:
        del sys.modules[name]
    write(tmp_path, repo_files())

    def judge_(*tests: TestRecord, flags: bool = True):
        config = load_lanes(tmp_path / "ops/matriz.yaml", tmp_path)
        slices = discover_slices(config)
        evidence = Evidence(tests={t.nodeid: t for t in tests})
        if flags:
            evidence.flags = settings_for(config, slices, "LUKHAS_DRY_RUN_MODE")
        billing = next(s for s in slices if s.relpath == "prod/billing")
        return dry_run.evaluate(billing, config, evidence)

    judge_.root = tmp_path
    yield judge_
    for name in [m for m in sys.modules if m == "prod" or m.startswith("prod.")]:
        del sys.modules[name]


def test_green_with_both_flag_states_answered_and_a_refusal_seen(judge):
    verdict = judge(OFF, ON, REFUSAL)
    assert verdict.status is Status.PASS, verdict.reason
    assert verdict.details == {
        "flag": "FEATURE_BILLING",
        "off_runs": 1,
        "on_runs": 1,
        "guarded_tests": 2,
        "side_effects": 0,
        "frozen_reads": [],
        "consent_scopes": {"charge": ["billing.charge"]},
        "consent_refusals": 1,
        "providers": {"off": ["null"], "on": ["stripe"]},
    }


@pytest.mark.parametrize(
    ("tests", "reason", "where"),
    [
        (
            [record("test_off", guarded=False, nodes=[node(CHARGE, "provider:null")]), ON, REFUSAL],
            "the tests that ran with FEATURE_BILLING off ran without the dry-run guard; "
            "keep them in prod/billing/ or mark them dry_run",
            f"{TEST_FILE}::test_off",
        ),
        (
            [record("test_off", outcome="failed", nodes=[node(CHARGE, "provider:null")]), ON, REFUSAL],
            "no passing test ran with FEATURE_BILLING off and emitted the slice's points "
            "(DECISION:billing:charge)",
            "prod/billing/",
        ),
        (
            [record("test_off"), ON, REFUSAL],
            "no passing test ran with FEATURE_BILLING off and emitted the slice's points",
            "prod/billing/",
        ),
        (
            [record("test_off", nodes=[node(CHARGE, "provider:stripe")]), ON, REFUSAL],
            "with FEATURE_BILLING off, provider:stripe answered",
            f"{TEST_FILE}::test_off",
        ),
        (
            [record("test_off", nodes=[node(CHARGE)]), ON, REFUSAL],
            "with FEATURE_BILLING off the slice's nodes carry no provider: label",
            f"{TEST_FILE}::test_off",
        ),
        (
            [record("test_off", explicit=True, nodes=[node(CHARGE, "provider:null")]), ON, REFUSAL],
            "every flag-off run set FEATURE_BILLING explicitly, so its default was never tested",
            f"{TEST_FILE}::test_off",
        ),
        (
            [OFF, REFUSAL],
            "no passing test ran with FEATURE_BILLING on; use "
            '@pytest.mark.feature_matrix("FEATURE_BILLING") or feature_flags.set(FEATURE_BILLING=True)',
            "prod/billing/",
        ),
        (
            [OFF, record("test_on", on=True, nodes=[node(CHARGE, "provider:null")]), REFUSAL],
            "with FEATURE_BILLING on only the null provider answered",
            f"{TEST_FILE}::test_on",
        ),
        (
            [OFF, record("test_on", on=True), REFUSAL],
            "1 test(s) ran with FEATURE_BILLING on, but none emitted the slice's points",
            f"{TEST_FILE}::test_on",
        ),
        (
            [OFF, ON],
            "no passing test saw the consent gate refuse scope 'billing.charge'",
            "prod/billing/",
        ),
        (
            [OFF, ON, record("test_refused", outcome="failed", nodes=REFUSAL.data["matriz"]["emitted"])],
            "no passing test saw the consent gate refuse scope 'billing.charge'",
            "prod/billing/",
        ),
        (
            [record(n, matriz=False) for n in ("test_off", "test_on")],
            "no MATRIZ nodes were captured in this run",
            None,
        ),
    ],
)  # fmt: skip
def test_red_names_the_missing_part_and_where_to_look(judge, tests, reason, where):
    verdict = judge(*tests)
    assert verdict.status is Status.FAIL
    assert verdict.reason.startswith(reason), verdict.reason
    assert verdict.where == where


@pytest.mark.parametrize("outcome", ["passed", "failed"])
def test_any_flag_off_test_answered_by_a_real_provider_is_red(judge, outcome):
    """One null-answered flag-off test is not enough: every flag-off call must get null."""
    unsafe = record("test_unsafe", outcome=outcome, nodes=[node(CHARGE, "provider:stripe")])
    verdict = judge(OFF, ON, REFUSAL, unsafe)
    assert verdict.status is Status.FAIL
    assert verdict.reason == (
        "with FEATURE_BILLING off, provider:stripe answered "
        f"{TEST_FILE}::test_unsafe: the null provider (the safe built-in one) must answer "
        "every flag-off call; choose the provider when called, from the flag"
    )
    assert verdict.where == f"{TEST_FILE}::test_unsafe"


def test_a_test_that_turned_the_flag_on_for_a_while_is_no_flag_off_test(judge):
    """monkeypatch.setenv(flag, "true") ... setenv(flag, "false"): the flag ended off."""
    flipped = record(
        "test_flip", nodes=[node(CHARGE, "provider:null"), node(CHARGE, "provider:stripe")]
    )
    flipped.data["flags_seen_on"] = ["FEATURE_BILLING"]
    verdict = judge(OFF, ON, REFUSAL, flipped)
    assert verdict.status is Status.PASS, verdict.reason


def test_a_side_effect_of_a_dry_run_test_is_red_at_its_line(judge):
    effect = {
        "kind": "open",
        "detail": "open 'out.txt' for writing",
        "where": "prod/billing/api.py:9",
    }
    failed = record("test_write", outcome="failed", side_effects=[effect])
    verdict = judge(OFF, ON, REFUSAL, failed)
    assert verdict.reason == (
        f"a dry-run test caused a side effect (open: open 'out.txt' for writing) in "
        f"{TEST_FILE}::test_write"
    )
    assert verdict.where == "prod/billing/api.py:9"
    assert verdict.details["side_effects"] == 1


def test_a_flag_read_at_import_is_red_with_its_line(judge):
    write(
        judge.root, {"prod/billing/settings.py": 'import os\n\nON = os.getenv("FEATURE_BILLING")\n'}
    )
    verdict = judge(OFF, ON, REFUSAL)
    assert verdict.reason.startswith(
        "FEATURE_BILLING is read at import (os.getenv('FEATURE_BILLING')): its value is frozen"
    )
    assert verdict.where == "prod/billing/settings.py:3"
    assert verdict.details["frozen_reads"] == ["prod/billing/settings.py:3"]


def test_reading_another_slices_flag_or_the_dry_run_variable_at_import_is_red_too(judge):
    write(
        judge.root,
        {"prod/billing/settings.py": 'import os\nA = os.getenv("FEATURE_SHIPPING")\n'
                                     'B = "LUKHAS_DRY_RUN_MODE" in os.environ\n'},
    )  # fmt: skip
    verdict = judge(OFF, ON, REFUSAL)
    assert [p["where"] for p in verdict.details["problems"]] == [
        "prod/billing/settings.py:2",
        "prod/billing/settings.py:3",
    ]


PROJECT_FLAGS = """\
import os


def flag(name):
    return os.environ.get(name) == "true"


def live(feature_flag):
    return flag(feature_flag) and not flag("LUKHAS_DRY_RUN_MODE")
"""


def test_a_module_level_call_of_the_projects_flag_api_is_red(judge):
    write(
        judge.root,
        {
            "prod/flags.py": PROJECT_FLAGS,
            "prod/billing/settings.py": "from prod.flags import live\n\nLIVE = live('FEATURE_BILLING')\n",
        },
    )
    verdict = judge(OFF, ON, REFUSAL)
    assert verdict.reason.startswith(
        "FEATURE_BILLING is read at import (live('FEATURE_BILLING')): its value is frozen"
    )
    assert verdict.details["frozen_reads"] == ["prod/billing/settings.py:3"] * 2  # and dry-run


def test_an_import_time_read_in_an_accepted_module_the_slice_imports_is_red(judge):
    write(
        judge.root,
        {
            "prod/flags.py": PROJECT_FLAGS,
            "prod/config.py": "from prod import limits\n",
            "prod/limits.py": "from prod.flags import flag\n\nSTRICT = flag('FEATURE_BILLING')\n",
            "prod/billing/limits.py": "from prod.config import limits\n",
            "labs/config.py": "import os\nON = os.getenv('FEATURE_BILLING')\n",
            "prod/billing/lazy.py": "def later():\n    import labs.config\n",
        },
    )
    verdict = judge(OFF, ON, REFUSAL)
    assert verdict.reason == (
        "FEATURE_BILLING is read at import (flag('FEATURE_BILLING')) in prod/limits.py, which "
        "the slice imports (prod/billing/limits.py -> prod/config.py -> prod/limits.py): its "
        "value is frozen for the whole process; read it inside the function that needs it"
    )
    assert verdict.where == "prod/limits.py:3"


@pytest.mark.parametrize(
    ("files", "tests", "reason"),
    [
        (
            {"prod/billing/api.py": "def charge(user_id, amount):\n    return {}\n"},
            [OFF, ON, REFUSAL],
            "charge declares consent scope(s) billing.charge but is not guarded for them: "
            "decorate it with consent_required('billing.charge', ...)",
        ),
        (
            {"prod/billing/MODULE_MANIFEST.json": json.dumps({**BILLING_MANIFEST, "capabilities": ["charge"]})},
            [OFF, ON],
            "charge is guarded for consent scope(s) billing.charge that the manifest does not "
            "list under consent_scopes",
        ),
        (
            {"prod/billing/__init__.py": "raise ImportError('broken on purpose')\n"},
            [OFF, ON, REFUSAL],
            "cannot check the consent guard of charge: cannot import prod.billing: "
            "ImportError: broken on purpose",
        ),
    ],
    ids=["unguarded", "undeclared", "unimportable"],
)  # fmt: skip
def test_capabilities_must_be_guarded_exactly_for_their_declared_scopes(
    judge, files, tests, reason
):
    write(judge.root, files)
    verdict = judge(*tests)
    assert verdict.reason == reason
    assert verdict.where == "prod/billing/MODULE_MANIFEST.json at /capabilities/0"


def test_without_the_flag_fixtures_nothing_is_known(judge):
    verdict = judge(OFF, ON, REFUSAL, flags=False)
    assert verdict.reason.startswith("the feature-flag fixtures were not active")


# Gate runs over the generated repository.

WRITE_TEST = """
from pathlib import Path

def test_write():
    try:
        Path("log.txt").write_text("x")
    except Exception:
        pass
"""


def dry_run_cell(result: pytest.RunResult, slice_name: str) -> str:
    return gate_table(result)[slice_name]["dry-run"]


def test_gate_run_is_green_on_criterion_6_for_a_slice_that_meets_it(pytester):
    make_repo(pytester)
    result = pytester.runpytest("--lukhas-gate")
    result.assert_outcomes(passed=5)
    assert dry_run_cell(result, "billing") == "pass"
    assert dry_run_cell(result, "shipping") == "FAIL"
    result.stdout.fnmatch_lines(
        ["  shipping dry_run: no passing test ran with FEATURE_SHIPPING on; use*"]
    )


def test_gate_run_is_red_when_a_dry_run_test_writes_into_the_repo(pytester):
    make_repo(pytester)
    pytester.makepyfile(**{"prod/billing/tests/test_write": WRITE_TEST})
    result = pytester.runpytest("--lukhas-gate")
    result.assert_outcomes(passed=5, failed=1)
    assert dry_run_cell(result, "billing") == "FAIL"
    result.stdout.fnmatch_lines(
        [
            "  billing dry_run: a dry-run test caused a side effect (open: open 'log.txt' for*",
            "      at prod/billing/tests/test_write.py:5",
        ]
    )


UNSAFE_TEST = """
from prod.billing import api


def test_unsafe_default(monkeypatch):
    monkeypatch.setattr(api, "live", lambda: True)  # a slice that ignores its flag
    api.REGISTERED.append("stripe")
    assert api.charge("usr_1", 5)["provider"] == "stripe"
"""

FLIP_TEST = """
from prod.billing import api


def test_both_states_in_one_test(monkeypatch):
    api.REGISTERED.append("stripe")
    monkeypatch.setenv("FEATURE_BILLING", "true")
    monkeypatch.setenv("LUKHAS_DRY_RUN_MODE", "false")
    assert api.charge("usr_1", 5)["provider"] == "stripe"
    monkeypatch.setenv("FEATURE_BILLING", "false")
    assert api.charge("usr_1", 5)["provider"] == "null"
"""


def gate_with_billing_test(pytester: pytest.Pytester, name: str, source: str) -> pytest.RunResult:
    """A gate run over the generated repository with one more passing billing test."""
    make_repo(pytester)
    pytester.makepyfile(**{f"prod/billing/tests/{name}": source})
    result = pytester.runpytest("--lukhas-gate")
    result.assert_outcomes(passed=6)
    return result


def test_gate_run_is_red_when_a_flag_off_test_gets_the_real_provider(pytester):
    result = gate_with_billing_test(pytester, "test_unsafe", UNSAFE_TEST)
    assert dry_run_cell(result, "billing") == "FAIL"
    result.stdout.fnmatch_lines(
        ["  billing dry_run: with FEATURE_BILLING off, provider:stripe answered prod/*",
         "      at prod/billing/tests/test_unsafe.py::test_unsafe_default"]
    )  # fmt: skip


def test_gate_run_stays_green_when_a_test_flips_the_flag_with_monkeypatch(pytester):
    result = gate_with_billing_test(pytester, "test_flip", FLIP_TEST)
    assert dry_run_cell(result, "billing") == "pass"


def test_gate_run_is_red_when_the_slice_imports_a_module_that_freezes_its_flag(pytester):
    make_repo(pytester)
    write(
        pytester.path,
        {
            "prod/flags.py": PROJECT_FLAGS,
            "prod/config.py": "from prod.flags import live\n\nBILLING = live('FEATURE_BILLING')\n",
            "prod/billing/limits.py": "import prod.config\n",
        },
    )
    result = pytester.runpytest("--lukhas-gate")
    result.assert_outcomes(passed=5)
    assert dry_run_cell(result, "billing") == "FAIL"
    assert dry_run_cell(result, "shipping") == "FAIL"  # for its own reason: no flag-on run
    result.stdout.fnmatch_lines(
        ["  billing dry_run: FEATURE_BILLING is read at import (live('FEATURE_BILLING')) in *",
         "      at prod/config.py:3"]
    )  # fmt: skip


def test_gate_run_is_red_without_a_matriz_capture(pytester):
    make_repo(pytester, capture=False)
    result = pytester.runpytest("--lukhas-gate")
    result.stdout.fnmatch_lines(["  billing dry_run: no MATRIZ nodes were captured in this run*"])


def test_two_workers_give_the_same_evidence_and_verdicts(pytester):
    pytest.importorskip("xdist")
    make_repo(pytester)
    pytester.makepyfile(**{"prod/billing/tests/test_write": WRITE_TEST})

    class Verdicts:
        def pytest_unconfigure(self, config):
            result = config.pluginmanager.get_plugin("lukhas-gate-run").run.result
            self.json = [v.to_json() for row in result.slices for v in row.verdicts]

    def gate(*args: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        verdicts = Verdicts()
        reprec = pytester.inline_run("--lukhas-gate", *args, plugins=[verdicts])
        return evidence(reprec), verdicts.json

    serial = gate()
    assert gate("-n", "2") == serial
    effects = serial[0]["prod/billing/tests/test_write.py::test_write"]["side_effects"]
    assert effects[0]["where"] == "prod/billing/tests/test_write.py:5"
