"""The promotion checklist: which verdicts tick or cross each item, and the PR templates."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from pytest_lukhas.bundle import checklist
from pytest_lukhas.lanes import load_lanes
from tests.review.conftest import HEAD_SHA

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / ".github" / "pull_request_template"
LINKED = checklist.RunContext(artifact_url="https://example.test/a/1", head_sha=HEAD_SHA,
                              conclusion="success")  # fmt: skip

# The mapping the comment promises: a red criterion crosses exactly these items.
CROSSED_BY = {
    "lane": {"gate", "manifest"},
    "imports": {"gate", "imports"},
    "matriz": {"gate", "matriz", "manifest"},
    "tests": {"gate", "dry_run"},
    "sla": {"gate", "sla"},
    "dry_run": {"gate", "dry_run"},
}


@pytest.fixture(scope="module")
def green_gate(green_bundle) -> dict:
    return json.loads((green_bundle / "gate.json").read_text())


def crossed(gate: dict, context: checklist.RunContext = LINKED) -> set[str]:
    return {o.item.key for o in checklist.evaluate(gate, context) if not o.ok}


def test_a_green_gate_with_its_linked_bundle_ticks_every_item(green_gate):
    assert green_gate["green"]
    assert crossed(green_gate) == set()


def test_the_mapping_covers_every_criterion_and_item():
    assert set(CROSSED_BY) == {"lane", "imports", "matriz", "tests", "sla", "dry_run"}
    mapped = {key for keys in CROSSED_BY.values() for key in keys} | {"bundle"}
    assert mapped == {item.key for item in checklist.ITEMS}


@pytest.mark.parametrize(("criterion", "items"), sorted(CROSSED_BY.items()))
def test_a_red_criterion_crosses_exactly_its_items(green_gate, criterion, items):
    gate = copy.deepcopy(green_gate)
    gate["green"] = False
    verdict = gate["slices"][0]["criteria"][criterion]
    verdict.update(status="fail", reason=f"{criterion} went wrong", where="prod/billing/x.py:3")
    outcomes = {o.item.key: o for o in checklist.evaluate(gate, LINKED)}
    assert {k for k, o in outcomes.items() if not o.ok} == items
    for key in items - {"gate"}:
        assert outcomes[key].reasons == [
            f"`billing` · {criterion}: {criterion} went wrong — `prod/billing/x.py:3`"
        ]
    assert outcomes["gate"].reasons == [f"`billing` is red on {criterion}"]


@pytest.mark.parametrize(
    ("check", "items"), [("imports", {"gate", "imports"}), ("slices_found", {"gate"})]
)
def test_a_red_repository_check_crosses_its_items(green_gate, check, items):
    gate = copy.deepcopy(green_gate)
    gate["green"] = False
    red = {"criterion": check, "status": "fail", "reason": "broken", "where": None, "details": {}}
    gate["repo_checks"] = [red]
    assert crossed(gate) == items


def test_a_partial_gate_or_a_failed_ci_run_crosses_the_gate_item(green_gate):
    partial = {**green_gate, "green": False, "partial": True, "partial_reasons": ["-k used"]}
    assert crossed(partial) == {"gate"}
    failed_run = checklist.RunContext(LINKED.artifact_url, HEAD_SHA, conclusion="failure")
    outcome = checklist.evaluate(green_gate, failed_run)[0]
    assert outcome.reasons == ["the CI run that wrote the bundle concluded `failure`"]


@pytest.mark.parametrize(
    ("context", "gate_change", "reason"),
    [
        (checklist.RunContext(None, HEAD_SHA), {}, "no link to the uploaded artifact"),
        (
            checklist.RunContext("https://x.test", "ab" * 20),
            {},
            f"the bundle speaks for `{HEAD_SHA[:12]}`, not the PR's head `abababababab`",
        ),
        (LINKED, {"dirty": True}, "the bundle was made from uncommitted changes"),
        (
            checklist.RunContext("https://x.test", HEAD_SHA, problems=("gate.json: changed",)),
            {},
            "`lukhas-gate verify`: gate.json: changed",
        ),
    ],
)
def test_the_bundle_item_needs_a_link_the_head_commit_and_a_clean_verify(
    green_gate, context, gate_change, reason
):
    gate = copy.deepcopy(green_gate)
    gate["commit"].update(gate_change)
    outcomes = checklist.evaluate(gate, context)
    assert {o.item.key for o in outcomes if not o.ok} == {"bundle"}
    assert outcomes[-1].reasons == [reason]


def test_no_slice_crosses_every_item_but_the_bundle(green_gate):
    gate = {**green_gate, "slices": [], "green": False}
    assert crossed(gate) == {item.key for item in checklist.ITEMS} - {"bundle"}


def test_merged_outcomes_say_which_python_a_reason_belongs_to(green_gate):
    red = copy.deepcopy(green_gate)
    red["slices"][0]["criteria"]["sla"].update(status="fail", reason="slow", where=None)
    both = checklist.merge([
        ("CPython 3.11", checklist.evaluate(green_gate, LINKED)),
        ("CPython 3.12", checklist.evaluate(red, LINKED)),
    ])  # fmt: skip
    sla = next(o for o in both if o.item.key == "sla")
    assert sla.reasons == ["`billing` · sla: slow (CPython 3.12 only)"]
    assert next(o for o in both if o.item.key == "matriz").ok


def test_the_denied_lanes_come_from_the_config(green_gate):
    text = checklist.item_text(checklist.ITEMS[1], green_gate["config"])
    assert text == "**No imports from `labs/`** in `prod/`"
    assert checklist.item_text(checklist.ITEMS[1], {"accepted_root": "prod"}) == (
        "**No imports from denied lanes** in `prod/`"
    )


@pytest.mark.parametrize(
    "name",
    ["consent_ledger.md", "identity_passkey.md", "orchestration_context.md", "lane_promotion.md"],
)
def test_each_pr_template_holds_the_checklist_the_comment_ticks(name):
    config = load_lanes(ROOT / "ops/matriz.yaml", ROOT)
    lines = checklist.template_lines(
        {"accepted_root": config.accepted.root, "accepted_deny_from": config.accepted.deny_from}
    )
    text = (TEMPLATES / name).read_text()
    assert "\n".join(lines) in text
    assert "**No imports from `candidate/`, `quarantine/`, `archive/`** in `lukhas/`" in text
    for section_6 in ("SHA-bound artifact bundle", "Test counts and p95 latency"):
        assert section_6 in text
