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
COMMENT_WORKFLOW = ROOT / ".github" / "workflows" / "lukhas-gate-comment.yml"


def _load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


@pytest.fixture(scope="module")
def workflow() -> dict:
    return _load(WORKFLOW)


@pytest.fixture(scope="module")
def comment_workflow() -> dict:
    return _load(COMMENT_WORKFLOW)


@pytest.mark.parametrize("path", [WORKFLOW, COMMENT_WORKFLOW], ids=lambda p: p.name)
@pytest.mark.parametrize(
    "schema", ["vendor.github-workflows", "custom.github-workflows-require-timeout"]
)
def test_workflow_is_valid_against_the_bundled_schemas(schema, path):
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
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


def test_the_gate_restores_the_import_cache_per_python(workflow):
    steps = workflow["jobs"]["gate"]["steps"]
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache"))
    gate = next(s for s in steps if s.get("run") == "make gate PYTHON=python")
    assert steps.index(cache) < steps.index(gate)
    assert cache["with"]["path"] == ".lukhas-cache"
    assert "${{ matrix.python }}" in cache["with"]["key"]
    assert cache["with"]["key"].startswith(cache["with"]["restore-keys"])


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


def test_the_gate_workflow_cannot_write_to_pull_requests(workflow):
    assert workflow["permissions"] == {"contents": "read"}
    assert all("permissions" not in job for job in workflow["jobs"].values())


def test_the_comment_follows_the_gate_run_with_least_privileges(workflow, comment_workflow):
    on = comment_workflow["on"]
    assert on == {"workflow_run": {"workflows": [workflow["name"]], "types": ["completed"]}}
    assert comment_workflow["permissions"] == {}
    (job,) = comment_workflow["jobs"].values()
    assert job["permissions"] == {
        "actions": "read", "contents": "read", "pull-requests": "write",
    }  # fmt: skip
    assert "workflow_run.event == 'pull_request'" in job["if"]
    assert "cancel-in-progress" in comment_workflow["concurrency"]
    assert not comment_workflow["concurrency"]["cancel-in-progress"]  # queue: never two creates


def test_the_comment_workflow_never_runs_pull_request_code(comment_workflow):
    (job,) = comment_workflow["jobs"].values()
    steps = job["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"] == {
        "ref": "${{ github.event.repository.default_branch }}", "persist-credentials": False,
    }  # fmt: skip
    text = COMMENT_WORKFLOW.read_text()
    assert "head_sha }}" not in text and "head_branch }}" not in text.split("jobs:")[1]
    runs = [s["run"] for s in steps if "run" in s]
    for run in runs:  # event data reaches scripts through env variables, never ${{ }}
        assert "${{" not in run, run
    install = next(r for r in runs if "pip install" in r)
    assert install.strip() == "python -m pip install --quiet ."
    assert not any("pr-bundles" in r and "pip" in r for r in runs)


def test_the_comment_workflow_posts_with_the_tools_commands(comment_workflow):
    (job,) = comment_workflow["jobs"].values()
    runs = "\n".join(s["run"] for s in job["steps"] if "run" in s)
    assert 'lukhas-gate find-pr --event "$GITHUB_EVENT_PATH" >> "$GITHUB_OUTPUT"' in runs
    assert 'gh run download "$RUN_ID"' in runs and "--pattern 'lukhas-gate-*'" in runs
    assert "--workflow lukhas-gate.yml" in runs and '--branch "$BASE_REF"' in runs
    assert 'lukhas-gate comment "$RUNNER_TEMP/pr-bundles" "${base[@]}"' in runs
    assert runs.rstrip().endswith('--event "$GITHUB_EVENT_PATH" --post')
