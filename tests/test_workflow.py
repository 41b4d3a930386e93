"""The GitHub Actions required check, validated offline."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "lukhas-gate.yml"


@pytest.fixture(scope="module")
def workflow() -> dict:
    data = yaml.safe_load(WORKFLOW.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


@pytest.mark.parametrize(
    "schema", ["vendor.github-workflows", "custom.github-workflows-require-timeout"]
)
def test_workflow_is_valid_against_the_bundled_schemas(schema):
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(WORKFLOW)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_triggers_without_path_filters(workflow):
    on = workflow["on"]
    assert set(on) == {"pull_request", "push", "merge_group"}
    assert on["push"] == {"branches": ["main"]}
    assert "paths" not in str(on) and "paths-ignore" not in str(on)


def test_gate_runs_on_both_pythons_and_uploads_a_sha_bound_bundle(workflow):
    gate = workflow["jobs"]["gate"]
    assert gate["strategy"]["matrix"]["python"] == ["3.11", "3.12"]
    upload = next(
        s for s in gate["steps"] if s.get("uses", "").startswith("actions/upload-artifact")
    )
    assert upload["with"]["name"] == "lukhas-gate-${{ env.LUKHAS_SHA }}-py${{ matrix.python }}"
    assert upload["if"] == "always()"
    assert "pull_request.head.sha" in gate["env"]["LUKHAS_SHA"]
    summary = next(s for s in gate["steps"] if "GITHUB_STEP_SUMMARY" in s.get("run", ""))
    assert "summary.md" in summary["run"]


def test_single_required_check_aggregates_every_job(workflow):
    jobs = workflow["jobs"]
    aggregator = jobs["lukhas-gate"]
    assert aggregator["name"] == "lukhas-gate"
    assert aggregator["if"] == "always()"
    assert set(aggregator["needs"]) == set(jobs) - {"lukhas-gate"}


def test_workflow_runs_the_readme_commands(workflow):
    readme = (ROOT / "README.md").read_text()
    readme_targets = set(re.findall(r"^\s*make (\w+)", readme, flags=re.M))
    runs = [s["run"] for job in workflow["jobs"].values() for s in job["steps"] if "run" in s]
    used = {m for run in runs for m in re.findall(r"\bmake (\w+)", run)}
    assert used == {"gate", "test"}
    assert used <= readme_targets
    ci = (ROOT / ".ci" / "run").read_text()
    assert set(re.findall(r"\bmake (\w+)", ci)) <= readme_targets
