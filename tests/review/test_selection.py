"""A bundle of a --lukhas-slice run is never presented as the whole repository green."""

from __future__ import annotations

import copy
import json

import pytest

from pytest_lukhas.bundle import comment, compare, html_report, status_page, summary
from pytest_lukhas.bundle.verify import load_valid_gate
from tests.review.conftest import HEAD_SHA

NOTE = "gated 1 of 3 slices (--lukhas-slice billing); not gated: prod.ledger, prod.shipping"
URL = "https://github.com/lukhas-ai/lukhas/actions/runs/1/artifacts/2"


@pytest.fixture
def one_slice(green_bundle) -> dict:
    gate = json.loads((green_bundle / "gate.json").read_text())
    assert gate["green"] and gate["selection"]["unselected_slices"] == []
    gate["selection"] = {
        "requested": ["billing"],
        "selected_slices": ["prod.billing"],
        "unselected_slices": ["prod.ledger", "prod.shipping"],
        "gated": 1,
        "total": 3,
    }
    return gate


def test_the_green_bundle_records_a_full_selection(green_bundle):
    selection = load_valid_gate(green_bundle)["selection"]
    assert selection["gated"] == selection["total"] == len(selection["selected_slices"])


def test_summary_and_status_page_say_only_the_selected_slices_are_green(one_slice):
    for text in (summary.render(one_slice), status_page.render(one_slice)):
        assert f"GREEN for the selected slices only: {NOTE}" in text


def test_the_pr_checklist_does_not_tick_the_gate_for_one_slice(one_slice):
    run = comment.Run(head_sha=HEAD_SHA, conclusion="success")
    text = comment.render([comment.PrBundle(one_slice, artifact_url=URL)], run)
    assert "## LUKHAS gate: ❌ RED" in text
    assert f"  - not the whole repository: {NOTE}" in text
    assert text.count("- [ ] ❌") == 1


def test_the_html_report_lists_the_slices_left_out(one_slice):
    assert f"not the whole repository: {NOTE}" in html_report.render(one_slice)


def test_a_bundle_written_before_the_selection_was_recorded_still_renders(green_bundle):
    gate = json.loads((green_bundle / "gate.json").read_text())
    del gate["selection"]
    assert "selected slices only" not in summary.render(gate)
    assert "not the whole repository" not in comment.render([comment.PrBundle(gate)])


def test_compare_names_the_selection_as_why_slices_are_no_longer_gated(one_slice):
    base = copy.deepcopy(one_slice)
    billing = base["slices"][0]
    base["slices"] += [{**billing, "name": name} for name in ("prod.ledger", "prod.shipping")]
    regressions = compare.compare(base, one_slice).regressions
    assert len(regressions) == 2
    assert all(f"(left out of the PR's run: {NOTE})" in r for r in regressions)
