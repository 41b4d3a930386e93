"""The PR artifact bundle: written by the gate, verified, compared, bound to a commit."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pytest_lukhas import schemas
from pytest_lukhas.bundle import compare, summary
from pytest_lukhas.bundle.verify import find_bundle, verify
from pytest_lukhas.cli import main

FILES = ("gate.json", "summary.md", "junit.xml", "benchmarks.json", "attestation.intoto.json",
         "SHA256SUMS", "imports.json", "imports.sarif", "matriz_events.jsonl",
         "report.html")  # fmt: skip


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                          text=True).stdout.strip()  # fmt: skip


def _commit_all(root: Path) -> str:
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    return _git(root, "rev-parse", "HEAD")


def _bundle(gate_repo, *args) -> Path:
    result = gate_repo.runpytest(
        "--lukhas-gate", "--lukhas-bundle", "out", "-p", "no:cacheprovider", *args
    )
    bundles = list((gate_repo.path / "out").glob("lukhas-gate-*"))
    assert len(bundles) == 1, result.stdout.str()
    return bundles[0]


def test_bundle_holds_every_file_and_verifies(gate_repo):
    sha = _commit_all(gate_repo.path)
    bundle = _bundle(gate_repo)
    assert bundle.name == f"lukhas-gate-{sha}"
    assert {p.name for p in bundle.iterdir()} >= set(FILES)
    gate = json.loads((bundle / "gate.json").read_text())
    assert schemas.validate(schemas.GATE_REPORT, gate, "gate.json") == []
    assert gate["commit"] == {"sha": sha, "ref": "refs/heads/" + _git(gate_repo.path, "branch", "--show-current"),
                              "dirty": False, "source": "git"}  # fmt: skip
    assert gate["slices"][0]["criteria"]["tests"]["details"]["passed"] == 1
    junit = ET.parse(bundle / "junit.xml").getroot()
    assert junit.find(".//testcase").get("name") == "test_charge"
    assert verify(bundle) == []
    statement = json.loads((bundle / "attestation.intoto.json").read_text())
    assert statement["predicateType"] == "https://in-toto.io/attestation/test-result/v0.1"
    assert statement["subject"][0]["digest"] == {"gitCommit": sha}
    assert statement["predicate"]["result"] == "FAILED"  # criteria not yet implemented are red


@pytest.mark.parametrize("name", FILES)
def test_one_changed_byte_in_any_file_fails_verification(gate_repo, name, capsys):
    _commit_all(gate_repo.path)
    bundle = _bundle(gate_repo)
    path = bundle / name
    data = bytearray(path.read_bytes()) or bytearray(b"\0")  # an empty file gains a byte
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    assert verify(bundle)
    assert main(["verify", str(bundle)]) == 1
    assert name in capsys.readouterr().out or "SHA256SUMS" in name


def test_an_added_or_removed_file_fails_verification(gate_repo):
    _commit_all(gate_repo.path)
    bundle = _bundle(gate_repo)
    (bundle / "extra.txt").write_text("sneaked in")
    assert "extra.txt: not listed in SHA256SUMS" in verify(bundle)
    (bundle / "extra.txt").unlink()
    (bundle / "summary.md").unlink()
    assert "summary.md: listed in SHA256SUMS but missing" in verify(bundle)


def test_uncommitted_changes_mark_the_bundle_dirty(gate_repo):
    _commit_all(gate_repo.path)
    (gate_repo.path / "prod/billing/api.py").write_text("def charge():\n    return 2\n")
    gate = json.loads((_bundle(gate_repo) / "gate.json").read_text())
    assert gate["commit"]["dirty"] is True


def test_pull_request_events_bind_the_bundle_to_the_head_commit(gate_repo, monkeypatch, tmp_path):
    _commit_all(gate_repo.path)
    head = "ab" * 20
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"head": {"sha": head, "ref": "feature/x"}}}))
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    bundle = _bundle(gate_repo)
    assert bundle.name == f"lukhas-gate-{head}"
    gate = json.loads((bundle / "gate.json").read_text())
    assert (
        gate["commit"]["source"] == "pull_request"
        and gate["commit"]["ref"] == "refs/heads/feature/x"
    )
    assert verify(bundle) == []


def test_user_junit_path_is_kept_and_copied(gate_repo):
    _commit_all(gate_repo.path)
    bundle = _bundle(gate_repo, "--junitxml", "mine.xml")
    assert (gate_repo.path / "mine.xml").read_bytes() == (bundle / "junit.xml").read_bytes()


def test_serial_and_parallel_bundles_agree(gate_repo):
    _commit_all(gate_repo.path)

    def stable(bundle: Path) -> dict:
        gate = json.loads((bundle / "gate.json").read_text())
        for key in ("started_at", "finished_at", "duration_s"):
            gate.pop(key)
        return gate

    serial = stable(_bundle(gate_repo))
    parallel = stable(_bundle(gate_repo, "-n", "2"))
    assert serial == parallel


def test_find_bundle_accepts_a_downloaded_artifact_folder(tmp_path):
    inner = tmp_path / ("lukhas-gate-" + "0" * 40)
    inner.mkdir()
    (inner / "SHA256SUMS").write_text("")
    assert find_bundle(tmp_path) == inner


def _gate(p95: float, lower: float, upper: float, findings: list[dict], sla: str = "pass") -> dict:
    verdict = {"criterion": "", "status": "pass", "reason": "", "where": None, "details": {}}
    criteria = {c: {**verdict, "criterion": c} for c in
                ("lane", "imports", "matriz", "tests", "sla", "dry_run")}  # fmt: skip
    criteria["imports"]["details"] = {"findings": findings}
    criteria["imports"]["status"] = "fail" if findings else "pass"
    criteria["sla"].update(status=sla, details={"p95_ms": p95, "p95_lower_ms": lower,
                                                 "p95_upper_ms": upper, "budget_ms": 50})  # fmt: skip
    return {"commit": {"sha": "a" * 40}, "slices": [{"name": "app.billing", "criteria": criteria}]}


def test_compare_flags_a_p95_regression_beyond_doubt():
    result = compare.compare(_gate(1.0, 0.9, 1.1, []), _gate(5.0, 4.5, 5.6, []))
    assert result.regressed
    assert "p95 1 ms → 5 ms" in result.markdown()


def test_compare_ignores_p95_noise_within_the_bounds():
    assert not compare.compare(_gate(1.0, 0.9, 1.3, []), _gate(1.2, 1.05, 1.4, [])).regressed


def test_compare_flags_new_import_findings_and_reports_fixed_ones():
    old = {"kind": "lane-rule", "file": "app/a.py", "line": 3, "message": "imports labs.x"}
    new = {"kind": "dynamic", "file": "app/b.py", "line": 9, "message": "import_module('labs.y')"}
    result = compare.compare(_gate(1, 1, 1, [old]), _gate(1, 1, 1, [new]))
    text = result.markdown()
    assert result.regressed
    assert "new import finding in `billing`: `app/b.py:9` import_module('labs.y')" in text
    assert "fixed import finding in `billing`: `app/a.py:3` imports labs.x" in text


def test_compare_flags_a_criterion_going_red():
    result = compare.compare(_gate(1, 1, 1, []), _gate(1, 1, 1, [], sla="fail"))
    assert result.regressions == ["`billing` sla: pass → fail: "]


def test_compare_command_exit_codes(gate_repo, tmp_path, capsys):
    _commit_all(gate_repo.path)
    bundle = _bundle(gate_repo)
    assert main(["compare", str(bundle), str(bundle)]) == 0
    assert "no regressions" in capsys.readouterr().out
    assert main(["compare", str(tmp_path), str(bundle)]) == 2


def test_summary_stays_under_one_mebibyte():
    gate = json.loads(json.dumps(_gate(1, 1, 1, [])))
    gate.update(green=False, partial=False, partial_reasons=[], repo_checks=[],
                tests={"passed": 1, "total": 1}, machine={"python": "3.11"}, finished_at="now")  # fmt: skip
    gate["commit"].update(ref=None, dirty=False)
    gate["slices"][0]["criteria"]["lane"].update(status="fail", reason="x" * (2 << 20))
    text = summary.render(gate)
    assert len(text.encode()) <= summary.MAX_BYTES
    assert text.endswith("truncated: the full report is gate.json in the bundle._\n")


def test_status_prints_the_summary_of_the_bundle_for_head(gate_repo, capsys, monkeypatch):
    _commit_all(gate_repo.path)
    gate_repo.runpytest("--lukhas-gate", "--lukhas-bundle", "lukhas-gate-bundle")
    assert main(["status", "--root", str(gate_repo.path)]) == 0
    assert "## LUKHAS gate:" in capsys.readouterr().out
    _git(
        gate_repo.path,
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "-qm",
        "x",
        "--allow-empty",
    )
    assert main(["status", "--root", str(gate_repo.path)]) == 1
