"""The plugin on small generated repositories (pytester), with lane names of their own."""

from __future__ import annotations

import json

import pytest

from tests.conftest import MANIFEST, gate_table


def test_without_the_gate_the_plugin_stays_out_of_the_way(pytester):
    pytester.makepyfile(test_x="def test_x():\n    assert True\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    assert "lukhas gate" not in result.stdout.str()


def test_gate_prints_a_row_per_slice_with_lane_green(gate_repo):
    result = gate_repo.runpytest("--lukhas-gate")
    result.stdout.fnmatch_lines([
        "*= lukhas gate =*",
        "slice*lane*imports*matriz*tests*sla*dry-run*",
        "lukhas gate: RED",
    ])  # fmt: skip
    assert gate_table(result)["billing"]["lane"] == "pass"
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    table = [line for line in result.stdout.lines if line.startswith(("slice ", "billing "))]
    assert table and all(len(line) <= 100 for line in table)  # reasons below are never cut


def test_broken_manifest_turns_the_lane_cell_red_with_the_pointer(gate_repo):
    bad = {**MANIFEST, "slas": {"p95_ms": "fast"}}
    (gate_repo.path / "prod/billing/MODULE_MANIFEST.json").write_text(json.dumps(bad))
    result = gate_repo.runpytest("--lukhas-gate")
    result.stdout.fnmatch_lines([
        "billing *FAIL*",
        "*billing lane: manifest invalid: expected number*",
        "*at prod/billing/MODULE_MANIFEST.json at /slas/p95_ms",
    ])  # fmt: skip
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_manifest_in_the_wrong_folder_is_red(gate_repo):
    (gate_repo.path / "prod/billing/MODULE_MANIFEST.json").write_text(
        json.dumps({**MANIFEST, "module": "prod.payments"})
    )
    result = gate_repo.runpytest("--lukhas-gate")
    result.stdout.fnmatch_lines(["*lane: manifest invalid: 'module' is 'prod.payments'*"])


def test_no_slices_is_red_not_vacuously_green(gate_repo):
    (gate_repo.path / "prod/billing/MODULE_MANIFEST.json").unlink()
    result = gate_repo.runpytest("--lukhas-gate")
    result.stdout.fnmatch_lines(["*repo slices_found: no MODULE_MANIFEST.json under prod/*"])
    assert result.ret != pytest.ExitCode.OK


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("lanes:\n  - name: prod\n    root: prod/\n    colour: red\n",
         "ops/matriz.yaml:2 at /lanes/0: error: unknown key(s) 'colour'*"),
        ("lanes: [\n", "ops/matriz.yaml:*: error: invalid YAML*"),
        ("lanes:\n  - name: a\n    root: prod/\n  - name: b\n    root: labs/\n",
         "*cannot tell which lane is the accepted*"),
    ],
)  # fmt: skip
def test_broken_config_is_a_usage_error_without_traceback(gate_repo, config, expected):
    (gate_repo.path / "ops/matriz.yaml").write_text(config)
    result = gate_repo.runpytest("--lukhas-gate")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*lukhas gate: the configuration is invalid:*", expected])
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output and "INTERNALERROR" not in output


def test_config_option_and_ini_keys(gate_repo):
    (gate_repo.path / "ops/matriz.yaml").rename(gate_repo.path / "lanes.yaml")
    gate_repo.makeini("[pytest]\nlukhas_config = lanes.yaml\nlukhas_accepted_lane = prod\n")
    result = gate_repo.runpytest("--lukhas-gate")
    result.stdout.fnmatch_lines(["billing *pass*"])
    result = gate_repo.runpytest("--lukhas-gate", "--lukhas-config", "missing.yaml")
    result.stderr.fnmatch_lines(["missing.yaml: error: file not found*"])


def test_markers_are_registered(pytester):
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.sla*", "@pytest.mark.feature_matrix*",
                                 "@pytest.mark.dry_run*", "@pytest.mark.matriz*"])  # fmt: skip
