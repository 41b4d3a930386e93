"""The reference machine: a deterministic workload, a factor, a file that must fit here."""

from __future__ import annotations

import json

import pytest

from pytest_lukhas.cli import main
from pytest_lukhas.problems import ConfigError
from pytest_lukhas.sla import calibration
from pytest_lukhas.sla.settings import run_calibration


def test_the_workload_is_deterministic():
    assert calibration.reference_workload() == calibration.CHECKSUM
    assert calibration.reference_workload() == calibration.reference_workload()


def test_calibrate_records_factor_and_machine(tmp_path):
    result = calibration.calibrate(runs=5)
    assert result.factor == pytest.approx(result.seconds / calibration.REFERENCE_SECONDS)
    assert result.runs == 5
    for key in ("cpu", "logical_cpus", "python", "python_implementation", "platform"):
        assert result.machine[key]
    path = tmp_path / "sub" / "calibration.json"
    calibration.save(result, path, "calibration.json")
    assert calibration.load(path, "calibration.json") == result
    assert json.loads(path.read_text())["factor"] == round(result.factor, 4)


def _stored(tmp_path, **changes):
    data = calibration.calibrate(runs=3).to_json() | changes
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"version": 9}, "at /version: error: expected version 1, found 9"),
        ({"workload": "other"}, "at /workload: error: expected workload 'lukhas-reference-v1'"),
        ({"seconds": -1}, "at /seconds: error: expected a positive number, found -1"),
        ({"machine": []}, "at /machine: error: expected an object"),
    ],
)
def test_a_bad_calibration_file_names_the_field_and_the_fix(tmp_path, changes, expected):
    path = _stored(tmp_path, **changes)
    with pytest.raises(ConfigError) as caught:
        calibration.load(path, "calibration.json")
    assert expected in str(caught.value)
    assert "fix: run `lukhas-gate calibrate`" in str(caught.value)


def test_unreadable_json_is_a_clear_error(tmp_path):
    path = tmp_path / "calibration.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="cannot read the calibration"):
        calibration.load(path, "calibration.json")


def test_a_calibration_from_another_machine_does_not_apply(tmp_path):
    machine = calibration.machine_info() | {"cpu": "Some Other CPU"}
    path = _stored(tmp_path, machine=machine)
    with pytest.raises(ConfigError) as caught:
        run_calibration(path, "calibration.json", calibrate_now=False, strict=True)
    assert "made on another machine (cpu: 'Some Other CPU' then" in str(caught.value)
    # without normalizing nothing depends on it: the file is just not used
    assert run_calibration(path, "calibration.json", calibrate_now=False, strict=False) is None


def test_missing_file_is_fine_unless_budgets_are_normalized(tmp_path):
    path = tmp_path / "none.json"
    assert run_calibration(path, "none.json", calibrate_now=False, strict=False) is None
    with pytest.raises(ConfigError, match="no calibration file"):
        run_calibration(path, "none.json", calibrate_now=False, strict=True)


def test_cli_calibrate_writes_the_file(tmp_path, capsys):
    target = tmp_path / "cal.json"
    assert main(["calibrate", "--output", str(target)]) == 0
    out = capsys.readouterr().out
    assert "machine factor" in out and "logical cpus" in out and f"wrote {target}" in out
    assert calibration.load(target, "cal.json").factor > 0


def test_cli_calibrate_to_an_unwritable_place_is_a_usage_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["calibrate", "--output", str(blocker / "cal.json")]) == 2
    assert "cannot write the calibration" in capsys.readouterr().err
