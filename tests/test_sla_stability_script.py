"""benchmarks/sla_stability.py keeps working: the demo repo gates three slices green."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "sla_stability.py"


def load():
    spec = importlib.util.spec_from_file_location("sla_stability", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_two_demo_runs_agree_on_three_green_slices(tmp_path, capsys):
    assert load().main(["--demo", str(tmp_path / "demo"), "--runs", "2"]) == 0
    out = capsys.readouterr().out
    assert "verdicts identical: True" in out
    for folder in ("governance/consent_ledger", "identity/passkey", "orchestration/context"):
        assert f"lukhas/{folder}=pass" in out
