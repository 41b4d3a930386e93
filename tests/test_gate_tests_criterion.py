"""Criterion 4 and the partial gate: tests must exist, run and pass; fewer is never green."""

from __future__ import annotations

import pytest

from tests.conftest import gate_table

PASSING = "def test_charge():\n    assert True\n"


def _run(gate_repo, *args):
    return gate_repo.runpytest("--lukhas-gate", "-p", "no:cacheprovider", *args)


def test_passing_slice_tests_make_the_tests_cell_green_with_counts(gate_repo):
    result = _run(gate_repo)
    row = gate_table(result)["billing"]
    assert (row["tests"], row["passed"]) == ("pass", "1/1")
    assert "partial gate" not in result.stdout.str()


def test_failing_test_is_red_and_names_it(gate_repo):
    gate_repo.makepyfile(
        **{"prod/billing/tests/test_more": "def test_refund():\n    assert False\n"}
    )
    result = _run(gate_repo)
    row = gate_table(result)["billing"]
    assert (row["tests"], row["passed"]) == ("FAIL", "1/2")
    result.stdout.fnmatch_lines([
        "  billing tests: 1 of 2 tests failed",
        "      at prod/billing/tests/test_more.py::test_refund",
    ])  # fmt: skip
    assert result.ret == pytest.ExitCode.TESTS_FAILED


@pytest.mark.parametrize(
    "body",
    [
        "import pytest\n\n@pytest.mark.skip(reason='later')\ndef test_refund():\n    pass\n",
        "import pytest\n\n@pytest.mark.xfail(reason='known')\ndef test_refund():\n    assert False\n",
        "import pytest\n\ndef test_refund():\n    pytest.skip('no network')\n",
    ],
    ids=["skip-mark", "xfail", "skip-call"],
)
def test_skips_are_not_passes_and_make_a_partial_gate(gate_repo, body):
    gate_repo.makepyfile(**{"prod/billing/tests/test_more": body})
    result = _run(gate_repo)
    result.stdout.fnmatch_lines([
        "*billing tests: 1 tests skipped or xfailed: skips are not passes",
        "partial gate: *",
        "lukhas gate: RED (partial gate)",
    ])  # fmt: skip
    assert result.ret == pytest.ExitCode.TESTS_FAILED


@pytest.mark.parametrize(
    "args",
    [
        ("-k", "not refund"),
        ("-m", "not slow"),
        ("--deselect", "prod/billing/tests/test_more.py::test_refund"),
    ],
    ids=["-k", "-m", "--deselect"],
)
def test_deselection_is_a_partial_gate_never_green(gate_repo, args):
    gate_repo.makepyfile(**{"prod/billing/tests/test_more": "def test_refund():\n    pass\n"})
    result = _run(gate_repo, *args)
    result.stdout.fnmatch_lines(
        [f"partial gate: run with {args[0]}", "lukhas gate: RED (partial gate)"]
    )
    assert result.ret != pytest.ExitCode.OK


def test_last_failed_is_a_partial_gate(gate_repo):
    gate_repo.makepyfile(**{"prod/billing/tests/test_more": "def test_refund():\n    pass\n"})
    result = gate_repo.runpytest("--lukhas-gate", "--lf")
    result.stdout.fnmatch_lines(["partial gate: run with --lf"])


def test_slice_without_tests_is_red(gate_repo):
    (gate_repo.path / "prod/billing/tests/test_api.py").unlink()
    gate_repo.makepyfile(test_elsewhere="def test_other():\n    pass\n")
    result = _run(gate_repo)
    result.stdout.fnmatch_lines([
        "  billing tests: no tests ran for this slice*",
        "      at prod/billing/",
    ])  # fmt: skip


def _second_slice(gate_repo):
    import json

    from tests.conftest import MANIFEST

    gate_repo.makepyfile(**{
        "prod/ledger/__init__": "",
        "prod/ledger/tests/__init__": "",
        "prod/ledger/tests/test_ledger": "def test_ledger():\n    assert False\n",
    })  # fmt: skip
    (gate_repo.path / "prod/ledger/MODULE_MANIFEST.json").write_text(
        json.dumps({**MANIFEST, "module": "prod.ledger"})
    )


def test_lukhas_slice_gates_one_slice_explicitly(gate_repo):
    _second_slice(gate_repo)
    result = _run(gate_repo, "--lukhas-slice", "billing", "prod/billing")
    assert list(gate_table(result)) == ["billing"]  # ledger is named only as not gated
    assert "partial gate" not in result.stdout.str().split("lukhas gate ==")[-1]


def test_unknown_slice_name_is_a_usage_error(gate_repo):
    result = _run(gate_repo, "--lukhas-slice", "nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--lukhas-slice: error: 'nope' matches no slice (fix: use one of: prod.billing)"]
    )


def test_parallel_run_gives_the_same_counts(gate_repo):
    _second_slice(gate_repo)
    serial = _run(gate_repo)
    parallel = _run(gate_repo, "-n", "2")

    def table(result):
        text = result.stdout.str().split("lukhas gate ==")[-1]
        return [line for line in text.splitlines() if line.startswith(("billing", "ledger", "  "))]

    assert table(serial) == table(parallel)
    assert any(line.startswith("ledger ") and "0/1" in line for line in table(parallel))


def test_parallel_run_reports_deselection_from_workers(gate_repo):
    gate_repo.makepyfile(**{"prod/billing/tests/test_more": "def test_refund():\n    pass\n"})
    result = _run(
        gate_repo, "-n", "2", "--deselect", "prod/billing/tests/test_more.py::test_refund"
    )
    result.stdout.fnmatch_lines(["partial gate: 1 slice tests deselected"])
