"""Feature flags in tests: the matrix marker, the fixtures, safe defaults (pytester runs)."""

from __future__ import annotations

import os

import pytest

from tests.generated_repo import evidence, make_repo

ENV_CHECK = """\
import os

import pytest


def expect(states):
    for flag, on in states.items():
        assert os.environ[flag] == ("true" if on else "false"), flag
    assert os.environ["LUKHAS_DRY_RUN_MODE"] == ("false" if any(states.values()) else "true")
"""


@pytest.fixture
def repo(pytester: pytest.Pytester) -> pytest.Pytester:
    return make_repo(pytester)


def clean(result: pytest.RunResult) -> None:
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output and "INTERNALERROR" not in output
    assert "During handling of the above exception" not in output


@pytest.mark.parametrize(
    ("mode", "ids"),
    [
        ("each", ["FEATURE_BILLING=off-FEATURE_SHIPPING=off", "FEATURE_BILLING=on-FEATURE_SHIPPING=off",
                  "FEATURE_BILLING=off-FEATURE_SHIPPING=on"]),
        ("all", ["FEATURE_BILLING=off-FEATURE_SHIPPING=off", "FEATURE_BILLING=off-FEATURE_SHIPPING=on",
                 "FEATURE_BILLING=on-FEATURE_SHIPPING=off", "FEATURE_BILLING=on-FEATURE_SHIPPING=on"]),
    ],
)  # fmt: skip
def test_matrix_runs_each_state_with_readable_ids_and_its_environment(repo, mode, ids):
    repo.makepyfile(
        test_matrix=ENV_CHECK
        + f"""
@pytest.mark.feature_matrix("FEATURE_BILLING", "FEATURE_SHIPPING", mode={mode!r})
def test_states(feature_flags):
    expect(feature_flags.states)
"""
    )
    result = repo.runpytest("test_matrix.py", "-v")
    result.assert_outcomes(passed=len(ids))
    result.stdout.fnmatch_lines([f"*test_states?{i}? PASSED*" for i in ids], consecutive=False)


def test_every_test_starts_from_safe_defaults_and_the_environment_is_restored(repo, monkeypatch):
    monkeypatch.setenv("FEATURE_BILLING", "true")
    monkeypatch.setenv("LUKHAS_DRY_RUN_MODE", "false")
    repo.makepyfile(
        test_defaults="""
import os

def test_defaults():
    assert "FEATURE_BILLING" not in os.environ
    assert "FEATURE_SHIPPING" not in os.environ
    assert os.environ["LUKHAS_DRY_RUN_MODE"] == "true"

def test_changes_are_undone_after_the_test(feature_flags):
    feature_flags.set(FEATURE_SHIPPING=True)
    os.environ["FEATURE_BILLING"] = "on"

def test_defaults_again():
    test_defaults()
"""
    )
    repo.runpytest("test_defaults.py", "-p", "no:randomly").assert_outcomes(passed=3)
    assert os.environ["FEATURE_BILLING"] == "true"
    assert os.environ["LUKHAS_DRY_RUN_MODE"] == "false"
    assert "FEATURE_SHIPPING" not in os.environ


def test_feature_flags_sets_flags_and_dry_run_mode_follows(repo):
    repo.makepyfile(
        test_fixture=ENV_CHECK
        + """
def test_set(feature_flags):
    feature_flags.set(FEATURE_BILLING=True)
    expect({"FEATURE_BILLING": True})
    assert feature_flags.states == {"FEATURE_BILLING": True, "FEATURE_SHIPPING": False}
    feature_flags.set(FEATURE_BILLING=False)
    expect({"FEATURE_BILLING": False})

def test_unknown_flags_are_refused_with_the_known_ones(feature_flags):
    with pytest.raises(ValueError) as raised:
        feature_flags.set(FEATURE_BILING=True)
    assert str(raised.value) == (
        "FEATURE_BILING is not declared by any MODULE_MANIFEST.json; "
        "known flags: FEATURE_BILLING, FEATURE_SHIPPING"
    )

def test_values_must_be_booleans(feature_flags):
    with pytest.raises(TypeError, match="FEATURE_BILLING must be set to True or False"):
        feature_flags.set(FEATURE_BILLING="yes")
"""
    )
    repo.runpytest("test_fixture.py").assert_outcomes(passed=3)


def test_a_bad_flag_in_a_test_fails_it_at_the_test_line_not_inside_the_plugin(repo):
    repo.makepyfile(
        test_bad="""
def test_unknown(feature_flags):
    feature_flags.set(FEATURE_BILING=True)

def test_not_a_bool(feature_flags):
    feature_flags.set(FEATURE_BILLING="yes")
"""
    )
    result = repo.runpytest("test_bad.py")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "E*UnknownFlagError: FEATURE_BILING is not declared by any MODULE_MANIFEST.json*",
            "test_bad.py:2: UnknownFlagError",
            "E*TypeError: FEATURE_BILLING must be set to True or False, got 'yes'",
            "test_bad.py:5: TypeError",
        ]
    )
    assert "pytest_lukhas/flags.py" not in result.stdout.str()
    clean(result)


def test_the_dry_run_variable_is_an_ini_setting(repo, monkeypatch):
    monkeypatch.delenv("LUKHAS_DRY_RUN_MODE", raising=False)
    repo.makeini("[pytest]\nlukhas_dry_run_env = BILLING_DRY_RUN\n")
    repo.makepyfile(
        test_ini="""
import os

def test_it(feature_flags):
    assert os.environ["BILLING_DRY_RUN"] == "true"
    assert "LUKHAS_DRY_RUN_MODE" not in os.environ
    feature_flags.set(FEATURE_BILLING=True)
    assert os.environ["BILLING_DRY_RUN"] == "false"
"""
    )
    repo.runpytest("test_ini.py").assert_outcomes(passed=1)


def test_without_a_lanes_config_the_environment_is_left_alone(pytester, monkeypatch):
    monkeypatch.setenv("FEATURE_X", "true")
    monkeypatch.delenv("LUKHAS_DRY_RUN_MODE", raising=False)
    pytester.makepyfile(
        test_plain="""
import os

import pytest

def test_untouched():
    assert os.environ["FEATURE_X"] == "true"
    assert "LUKHAS_DRY_RUN_MODE" not in os.environ

def test_setting_a_flag_says_why_it_cannot(feature_flags):
    with pytest.raises(ValueError, match=r"cannot set FEATURE_X: no lanes config at ops/matriz.yaml"):
        feature_flags.set(FEATURE_X=True)
"""
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_an_invalid_lanes_config_warns_and_leaves_flags_alone(repo):
    (repo.path / "ops/matriz.yaml").write_text("lanes: [\n")
    repo.makepyfile(test_x="def test_x():\n    pass\n")
    result = repo.runpytest("test_x.py")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*lukhas: flags left alone: the lanes config is invalid:*"])


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ('"FEATURE_BILLING", mode="both"', "mode must be one of each, all, pairwise, got 'both'"),
        ("", "no flags given*"),
        ('"FEATURE_BILLING", "FEATURE_BILLING"', "flag(s) named twice: FEATURE_BILLING"),
        ("FEATURE_BILLING=True", "unknown argument(s) FEATURE_BILLING*"),
        ("42", "flags must be environment variable names given as strings, got 42*"),
        ('"FEATURE_BILING"', "FEATURE_BILING is not declared by any MODULE_MANIFEST.json; "
                             "known flags: FEATURE_BILLING, FEATURE_SHIPPING"),
    ],
)  # fmt: skip
def test_bad_marker_arguments_are_clear_collection_errors(repo, marker, message):
    repo.makepyfile(
        test_bad=f"""
import pytest

@pytest.mark.feature_matrix({marker})
def test_it():
    pass
"""
    )
    result = repo.runpytest("test_bad.py")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [f"test_bad.py::test_it: @pytest.mark.feature_matrix: {message}"], consecutive=False
    )
    clean(result)


def test_flag_states_are_recorded_per_test(repo):
    reprec = repo.inline_run("prod/billing/tests/test_api.py")
    data = evidence(reprec)
    base = "prod/billing/tests/test_api.py::"
    assert data[base + "test_charge_off"]["flags"] == {
        "FEATURE_BILLING": False,
        "FEATURE_SHIPPING": False,
    }
    assert data[base + "test_charge_off"]["flag_defaults"] == [
        "FEATURE_BILLING",
        "FEATURE_SHIPPING",
    ]
    matrix_off = data[base + "test_charge_both[FEATURE_BILLING=off]"]
    assert matrix_off["flags"]["FEATURE_BILLING"] is False
    assert matrix_off["flag_defaults"] == ["FEATURE_SHIPPING"]  # the matrix set it to false
    assert data[base + "test_charge_both[FEATURE_BILLING=on]"]["flags"]["FEATURE_BILLING"]


def test_a_flag_set_during_the_test_is_recorded(repo):
    repo.makepyfile(
        test_late="""
def test_late(feature_flags):
    feature_flags.set(FEATURE_SHIPPING=True)
"""
    )
    data = evidence(repo.inline_run("test_late.py"))
    assert data["test_late.py::test_late"]["flags"] == {
        "FEATURE_BILLING": False,
        "FEATURE_SHIPPING": True,
    }
    assert data["test_late.py::test_late"]["flag_defaults"] == ["FEATURE_BILLING"]


def test_flags_turned_on_at_any_time_in_the_call_are_evidence(repo):
    """``flags_seen_on``: set by the matrix, by monkeypatch, by os.environ, guarded or not."""
    body = """
import os

import pytest


def test_plain():
    pass


def test_flip(monkeypatch):
    monkeypatch.setenv("FEATURE_BILLING", "true")
    monkeypatch.setenv("FEATURE_BILLING", "false")


def test_environ():
    os.environ["FEATURE_SHIPPING"] = " Yes "
    del os.environ["FEATURE_SHIPPING"]
    os.environ["OTHER"] = "true"


@pytest.mark.feature_matrix("FEATURE_BILLING")
def test_matrix():
    pass
"""
    repo.makepyfile(**{"prod/billing/tests/test_seen": body, "test_outside": body})
    data = evidence(repo.inline_run("prod/billing/tests/test_seen.py", "test_outside.py"))
    for path in ("prod/billing/tests/test_seen.py", "test_outside.py"):
        seen = {nodeid.split("::")[1]: d["flags_seen_on"] for nodeid, d in data.items() if nodeid.startswith(path)}  # fmt: skip
        assert seen == {
            "test_plain": [],
            "test_flip": ["FEATURE_BILLING"],
            "test_environ": ["FEATURE_SHIPPING"],
            "test_matrix[FEATURE_BILLING=off]": [],
            "test_matrix[FEATURE_BILLING=on]": ["FEATURE_BILLING"],
        }, path
