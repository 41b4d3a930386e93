"""What a gate run gated: narrowing by paths, --ignore, collection errors and --lukhas-slice
never pass for the whole repository, and every reason is shown in full."""

from __future__ import annotations

import json

import pytest

from tests.conftest import MANIFEST, gate_table

SECOND = "def test_refund():\n    assert True\n"


def _run(gate_repo, *args):
    return gate_repo.runpytest("--lukhas-gate", "-p", "no:cacheprovider", *args)


def _gate_text(result) -> str:
    """The gate's section with wrapped lines joined: what a reader reads."""
    section = result.stdout.str().split("lukhas gate ==", 1)[1]
    return " ".join(line.strip() for line in section.splitlines())


def _second_file(gate_repo):
    gate_repo.makepyfile(**{"prod/billing/tests/test_refund": SECOND})


def _second_slice(gate_repo, test_body="def test_ledger():\n    assert True\n"):
    gate_repo.makepyfile(**{
        "prod/ledger/__init__": "",
        "prod/ledger/tests/__init__": "",
        "prod/ledger/tests/test_ledger": test_body,
    })  # fmt: skip
    manifest = {**MANIFEST, "module": "prod.ledger", "feature_flag": "FEATURE_LEDGER"}
    (gate_repo.path / "prod/ledger/MODULE_MANIFEST.json").write_text(json.dumps(manifest))


def _bundle(gate_repo) -> dict:
    (folder,) = (gate_repo.path / "out").glob("lukhas-gate-*")
    return json.loads((folder / "gate.json").read_text())


def _summary(gate_repo) -> str:
    (folder,) = (gate_repo.path / "out").glob("lukhas-gate-*")
    return (folder / "summary.md").read_text()


# H2: narrowing by path arguments, --ignore and --ignore-glob


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("prod/billing/tests/test_api.py",), "path arguments"),
        (("--ignore=prod/billing/tests/test_refund.py",), "--ignore"),
        (("--ignore-glob=*/test_ref*",), "--ignore-glob"),
        (("--ignore=prod/billing/tests",), "--ignore"),
    ],
    ids=["path-argument", "ignore-file", "ignore-glob", "ignore-folder"],
)
def test_narrowing_by_paths_or_ignore_is_a_partial_gate_never_green(gate_repo, args, named):
    _second_file(gate_repo)
    result = _run(gate_repo, *args)
    text = _gate_text(result)
    assert "partial gate: " in text and f"not collected (left out by {named}" in text
    assert "prod/billing/tests/test_refund.py" in text.split("partial gate: ")[1]
    assert gate_table(result)["billing"]["tests"] == "FAIL"
    result.stdout.fnmatch_lines(["lukhas gate: RED (partial gate)"])
    assert result.ret != pytest.ExitCode.OK


def test_path_arguments_that_cover_every_slice_test_keep_a_full_gate(gate_repo):
    _second_file(gate_repo)
    gate_repo.makepyfile(test_outside="def test_other():\n    pass\n")
    result = _run(gate_repo, "prod")
    assert "partial gate" not in result.stdout.str()
    assert gate_table(result)["billing"]["tests"] == "pass"


def test_ignoring_files_outside_the_slices_keeps_a_full_gate(gate_repo):
    gate_repo.makepyfile(test_outside="def test_other():\n    pass\n")
    result = _run(gate_repo, "--ignore=test_outside.py")
    assert "partial gate" not in result.stdout.str()


def test_a_slice_test_file_without_tests_is_not_a_missing_file(gate_repo):
    gate_repo.makepyfile(**{"prod/billing/tests/test_helpers": "HELPER = 1\n"})
    result = _run(gate_repo)
    assert "partial gate" not in result.stdout.str()
    assert gate_table(result)["billing"]["tests"] == "pass"


def test_narrowing_by_path_is_partial_under_xdist_too(gate_repo):
    _second_file(gate_repo)
    result = _run(gate_repo, "-n", "2", "prod/billing/tests/test_api.py")
    result.stdout.fnmatch_lines(["partial gate: * not collected*", "lukhas gate: RED*"])
    assert result.ret != pytest.ExitCode.OK


def test_narrowing_is_recorded_in_gate_json(gate_repo):
    _second_file(gate_repo)
    _run(gate_repo, "--lukhas-bundle", "out", "prod/billing/tests/test_api.py")
    gate = _bundle(gate_repo)
    assert gate["green"] is False and gate["partial"] is True
    assert any("test_refund.py" in reason for reason in gate["partial_reasons"])


# Collection errors


def test_collection_error_is_named_not_blamed_on_missing_tests(gate_repo):
    gate_repo.makepyfile(**{"prod/billing/tests/test_refund": "import nowhere_to_be_found\n"})
    result = _run(gate_repo)
    out = result.stdout.str()
    result.stdout.fnmatch_lines([
        "partial gate: collection errors interrupted the run: "
        "prod/billing/tests/test_refund.py",
        "lukhas gate: RED (partial gate)",
    ])  # fmt: skip
    assert "no tests ran for this slice" not in out and "tests not run" not in out
    assert gate_table(result)["billing"]["tests"] == "FAIL"
    result.stdout.fnmatch_lines(["  billing tests: *collection error*"])
    assert result.ret != pytest.ExitCode.OK


def test_collection_error_kept_going_past_still_reds_the_slice(gate_repo):
    gate_repo.makepyfile(**{"prod/billing/tests/test_refund": "import nowhere_to_be_found\n"})
    result = _run(gate_repo, "--continue-on-collection-errors")
    result.stdout.fnmatch_lines([
        "partial gate: collection errors in: prod/billing/tests/test_refund.py",
    ])  # fmt: skip
    assert gate_table(result)["billing"]["tests"] == "FAIL"
    assert result.ret != pytest.ExitCode.OK


# H3: --lukhas-slice


def test_tests_of_unselected_slices_may_set_their_own_flags(gate_repo):
    _second_slice(
        gate_repo,
        "def test_ledger(feature_flags):\n"
        "    feature_flags.set(FEATURE_LEDGER=True)\n"
        "    assert True\n",
    )
    result = _run(gate_repo, "--lukhas-slice", "billing")
    result.assert_outcomes(passed=2)
    assert "UnknownFlagError" not in result.stdout.str()


def test_one_slice_run_says_it_gated_one_of_two(gate_repo):
    _second_slice(gate_repo)
    result = _run(gate_repo, "--lukhas-slice", "billing", "prod/billing")
    result.stdout.fnmatch_lines(
        ["gated 1 of 2 slices (--lukhas-slice billing); not gated: prod.ledger", "slice *"]
    )
    assert list(gate_table(result)) == ["billing"]


def test_a_green_one_slice_run_is_not_called_the_whole_repository_green():
    from pytest_lukhas.manifests import Slice
    from pytest_lukhas.report import render
    from pytest_lukhas.selection import Selection
    from pytest_lukhas.verdicts import Criterion, GateResult, SliceVerdicts, Status, Verdict

    details = {"total": 1, "passed": 1}
    row = SliceVerdicts(
        Slice("prod/billing", None, None),  # type: ignore[arg-type]
        tuple(Verdict(c, Status.PASS, details=details) for c in Criterion),
    )
    selection = Selection(("billing",), ("prod.billing",), ("prod.ledger",))
    lines = render(GateResult((row,), selection=selection))
    assert lines[-1] == (
        "lukhas gate: GREEN for the selected slices only: gated 1 of 2 slices "
        "(--lukhas-slice billing); not gated: prod.ledger"
    )
    assert "every slice" not in "\n".join(lines)
    assert render(GateResult((row,)))[-1].endswith("every slice meets all six criteria")


def test_one_slice_run_records_the_selection_in_the_bundle(gate_repo):
    _second_slice(gate_repo)
    _run(gate_repo, "--lukhas-bundle", "out", "--lukhas-slice", "billing", "prod/billing")
    gate = _bundle(gate_repo)
    assert gate["selection"] == {
        "requested": ["billing"],
        "selected_slices": ["prod.billing"],
        "unselected_slices": ["prod.ledger"],
        "gated": 1,
        "total": 2,
    }
    assert "gated 1 of 2 slices" in _summary(gate_repo)


def test_a_full_run_records_every_slice_as_selected(gate_repo):
    _second_slice(gate_repo)
    _run(gate_repo, "--lukhas-bundle", "out")
    selection = _bundle(gate_repo)["selection"]
    assert (selection["gated"], selection["total"], selection["requested"]) == (2, 2, [])
    assert "gated 2 of 2" not in _summary(gate_repo)


def test_one_slice_bundle_verifies(gate_repo):
    from pytest_lukhas.bundle.verify import verify

    _second_slice(gate_repo)
    _run(gate_repo, "--lukhas-bundle", "out", "--lukhas-slice", "billing", "prod/billing")
    (folder,) = (gate_repo.path / "out").glob("lukhas-gate-*")
    assert verify(folder) == []


# Reasons are shown in full


def test_a_long_red_reason_is_shown_in_full(gate_repo):
    name = "test_" + "very_long_name_" * 12
    gate_repo.makepyfile(**{"prod/billing/tests/test_more": f"def {name}():\n    assert False\n"})
    result = _run(gate_repo)
    text = "".join(line.strip() for line in result.stdout.lines)
    assert f"prod/billing/tests/test_more.py::{name}" in text
    assert not any(line.rstrip().endswith("~") for line in result.stdout.lines)


def test_collection_error_under_xdist_is_named(gate_repo):
    gate_repo.makepyfile(**{"prod/billing/tests/test_refund": "import nowhere_to_be_found\n"})
    result = _run(gate_repo, "-n", "2")
    text = _gate_text(result)
    assert "partial gate: collection errors" in text
    assert "prod/billing/tests/test_refund.py" in text.split("partial gate: ")[1]
    assert "no tests ran for this slice" not in text
    assert result.ret != pytest.ExitCode.OK


def test_a_broken_conftest_above_the_slice_is_its_collection_error(gate_repo):
    gate_repo.makepyfile(**{"prod/conftest": "raise RuntimeError('broken')\n"})
    result = _run(gate_repo)
    text = _gate_text(result)
    assert "collection errors interrupted the run" in text
    assert "billing tests: collection error in prod" in text
    assert result.ret != pytest.ExitCode.OK


def test_a_slice_stopped_by_another_slices_collection_error_says_so(gate_repo):
    _second_slice(gate_repo, "import nowhere_to_be_found\n")
    result = _run(gate_repo)
    result.stdout.fnmatch_lines([
        "  billing tests: collection errors elsewhere interrupted the run before its tests ran",
        "      at prod/ledger/tests/test_ledger.py",
    ])  # fmt: skip
    assert "collected but not run" not in result.stdout.str()
