"""A live handoff of a person's context needs their consent to scope context.share."""

import asyncio
import json

import pytest

from lukhas.governance import consent_ledger
from lukhas.observability import capture
from lukhas.orchestration.context import ahandoff_context, handoff_context, register
from lukhas.orchestration.context.api import CONSENT_SCOPE
from lukhas.orchestration.context.tests.conftest import FakeConsentLedger
from lukhas.orchestration.context.tests.test_context_api import FakeBus

PERSONAL = {"user_id": "usr_123", "note": "prefers tea"}
REFUSED = {"ok": False, "reason": "consent_refused", "scope": CONSENT_SCOPE}


def decisions(nodes):
    """The label sets of the consent gate's DECISION nodes."""
    return [set(n["labels"]) for n in nodes if n["type"] == "DECISION"]


@pytest.fixture
def live_bus(live_env):
    bus = FakeBus()
    register(bus)
    return bus


def test_without_consent_a_live_handoff_is_refused_and_nothing_is_sent(
    live_bus, consent_ledger_live
):
    with capture() as nodes:
        answers = [handoff_context(PERSONAL, "planner"), asyncio.run(ahandoff_context(PERSONAL))]
    assert answers == [{**REFUSED, "consent_reason": "none"}] * 2
    assert live_bus.sent == []
    assert consent_ledger_live.asked == [("usr_123", CONSENT_SCOPE)] * 2
    for labels in decisions(nodes):
        assert {"consent:refused", f"scope:{CONSENT_SCOPE}"} <= labels
    assert len(decisions(nodes)) == 2
    assert "usr_123" not in json.dumps(nodes)


def test_with_consent_a_live_handoff_is_delivered(live_bus, consent_ledger_live):
    consent_ledger_live.grants.add(("usr_123", CONSENT_SCOPE))
    with capture() as nodes:
        answer = handoff_context(PERSONAL, "planner")
    assert (answer["ok"], answer["provider"]) == (True, "fake")
    assert live_bus.sent == [(PERSONAL, "planner")]
    assert all("consent:granted" in labels for labels in decisions(nodes))


def test_a_live_handoff_with_no_ledger_to_ask_is_refused(live_bus):
    assert handoff_context(PERSONAL) == {**REFUSED, "consent_reason": "no_ledger"}
    assert live_bus.sent == []


def test_a_context_that_names_nobody_needs_no_consent(live_bus, consent_ledger_live):
    with capture() as nodes:
        assert handoff_context({"step": 3}, "planner")["ok"] is True
    assert consent_ledger_live.asked == []
    assert all("consent:no_subject" in labels for labels in decisions(nodes))


@pytest.mark.dry_run
def test_a_dry_run_handoff_proceeds_without_asking(monkeypatch):
    ledger = FakeConsentLedger()
    consent_ledger.register(ledger)
    with capture() as nodes:
        answer = handoff_context(PERSONAL)
    assert (answer["ok"], answer["provider"]) == (True, "null")
    assert ledger.asked == []
    assert all("consent:dry_run" in labels for labels in decisions(nodes))


def test_the_capabilities_are_marked_guarded_for_the_manifest_scope():
    assert handoff_context.__consent_scopes__ == (CONSENT_SCOPE,)
    assert ahandoff_context.__consent_scopes__ == (CONSENT_SCOPE,)
