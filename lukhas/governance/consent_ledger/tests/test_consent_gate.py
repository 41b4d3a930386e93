"""consent_required: a live call runs only with the subject's consent to its scope."""

import asyncio
import json

import pytest

from lukhas.flags import DRY_RUN_MODE
from lukhas.governance.consent_ledger import (
    FEATURE_FLAG,
    ConsentVerifier,
    consent_required,
    register,
)
from lukhas.governance.consent_ledger.providers.null_consent import NullConsentProvider
from lukhas.observability import capture

SCOPE = "profile.read"


class Ledger(NullConsentProvider):
    """A fake real ledger: grants what it holds; can be told to break."""

    name = "fake-ledger"

    def __init__(self, *grants, answer=None, error=None):
        self.grants = set(grants)
        self.answer = answer
        self.error = error
        self.asked = []

    def record(self, entry):
        return {"ok": True, "provider": self.name, "mode": "live"}

    def verify_consent(self, user_id, scope):
        self.asked.append((user_id, scope))
        if self.error:
            raise self.error
        if self.answer is not None:
            return self.answer
        allowed = (user_id, scope) in self.grants
        return {"allowed": allowed, "reason": "granted" if allowed else "withdrawn"}


class Profiles:
    """Guarded functions of a made-up slice, counting the calls that really ran."""

    def __init__(self):
        self.ran = []

        @consent_required(SCOPE)
        def read_profile(user_id, fields=("name",)):
            self.ran.append(user_id)
            return {"ok": True, "fields": list(fields)}

        @consent_required(SCOPE)
        async def aread_profile(user_id):
            self.ran.append(user_id)
            return {"ok": True}

        self.read, self.aread = read_profile, aread_profile


@pytest.fixture
def profiles():
    return Profiles()


@pytest.fixture
def ledger(feature_flags):
    """The consent slice live, with a ledger holding no consent."""
    feature_flags.set(**{FEATURE_FLAG: True})
    ledger = Ledger()
    register(ledger)
    return ledger


def gate_labels(nodes):
    return [set(n["labels"]) for n in nodes if n["type"] == "DECISION"]


def refused(reason):
    return {"ok": False, "reason": "consent_refused", "scope": SCOPE, "consent_reason": reason}


@pytest.mark.dry_run
def test_in_dry_run_the_call_proceeds_without_asking_a_ledger(profiles):
    ledger = Ledger()
    register(ledger)
    with capture() as nodes:
        assert profiles.read("usr_1") == {"ok": True, "fields": ["name"]}
    assert profiles.ran == ["usr_1"]
    assert ledger.asked == []
    [labels] = gate_labels(nodes)
    assert {"governance:consent.check", "consent:dry_run", f"scope:{SCOPE}"} <= labels


def test_without_consent_the_call_is_refused_and_does_not_run(profiles, ledger):
    with capture() as nodes:
        assert profiles.read("usr_1") == refused("withdrawn")
        assert asyncio.run(profiles.aread("usr_1")) == refused("withdrawn")
    assert profiles.ran == []
    assert ledger.asked == [("usr_1", SCOPE)] * 2
    assert all({"consent:refused", f"scope:{SCOPE}"} <= labels for labels in gate_labels(nodes))
    assert [n["outcome"] for n in nodes] == ["ok", "ok"]
    assert "usr_1" not in json.dumps(nodes)


def test_with_consent_the_call_runs(profiles, ledger):
    ledger.grants.add(("usr_1", SCOPE))
    with capture() as nodes:
        assert profiles.read("usr_1", fields=("email",)) == {"ok": True, "fields": ["email"]}
        assert asyncio.run(profiles.aread(user_id="usr_1")) == {"ok": True}
    assert profiles.ran == ["usr_1", "usr_1"]
    assert all("consent:granted" in labels for labels in gate_labels(nodes))


@pytest.mark.parametrize(
    ("ledger_kwargs", "reason"),
    [
        ({"error": RuntimeError("database is locked")}, "ledger_error"),
        ({"answer": {"allowed": "yes"}}, "not_allowed"),  # only True allows
        ({"answer": {}}, "not_allowed"),
        ({"answer": ["allowed"]}, "not_allowed"),
        ({"answer": {"allowed": False, "reason": "expired"}}, "expired"),
    ],
)
def test_anything_but_a_clear_yes_from_the_ledger_is_a_refusal(
    profiles, feature_flags, ledger_kwargs, reason
):
    feature_flags.set(**{FEATURE_FLAG: True})
    register(Ledger(**ledger_kwargs))
    assert profiles.read("usr_1") == refused(reason)
    assert profiles.ran == []


def test_live_without_a_ledger_that_verifies_consent_is_refused(profiles, monkeypatch):
    monkeypatch.setenv(DRY_RUN_MODE, "false")  # dry-run off, but the consent slice is not live
    assert profiles.read("usr_1") == refused("no_ledger")
    assert profiles.ran == []


@pytest.mark.parametrize(("subject", "expected"), [(None, "no_subject"), ("  ", "no_subject")])
def test_a_call_about_nobody_proceeds_without_asking(profiles, ledger, subject, expected):
    with capture() as nodes:
        assert profiles.read(subject)["ok"] is True
    assert ledger.asked == []
    assert all(f"consent:{expected}" in labels for labels in gate_labels(nodes))


def test_a_subject_that_is_not_a_string_is_refused(profiles, ledger):
    assert profiles.read(42) == refused("invalid_subject")
    assert profiles.ran == []


def test_wrong_arguments_raise_type_error_without_running(profiles, ledger):
    with pytest.raises(TypeError):
        profiles.read()
    assert profiles.ran == []


def test_the_subject_may_be_found_by_a_function_of_the_arguments(feature_flags, ledger):
    @consent_required("messages.send", subject=lambda args: args["message"]["to"])
    def send(message):
        return {"ok": True}

    ledger.grants.add(("usr_2", "messages.send"))
    assert send({"to": "usr_2"}) == {"ok": True}
    assert send({"to": "usr_3"})["reason"] == "consent_refused"


def test_with_a_flag_consent_is_enforced_only_while_that_slice_is_live(ledger, monkeypatch):
    calls = []

    @consent_required(SCOPE, flag="FEATURE_IDENTITY_PASSKEY")
    def read(user_id):
        calls.append(user_id)
        return {"ok": True}

    assert read("usr_1") == {"ok": True}  # dry-run mode is off, but the slice is not live
    monkeypatch.setenv("FEATURE_IDENTITY_PASSKEY", "true")
    assert read("usr_1") == refused("withdrawn")
    assert calls == ["usr_1"]


def test_stacked_guards_need_every_scope(ledger):
    @consent_required("b.write")
    @consent_required("a.read")
    def both(user_id):
        return {"ok": True}

    assert both.__consent_scopes__ == ("a.read", "b.write")
    ledger.grants.add(("usr_1", "b.write"))
    assert both("usr_1")["scope"] == "a.read"
    ledger.grants.add(("usr_1", "a.read"))
    assert both("usr_1") == {"ok": True}


def test_a_ledger_provider_can_verify_consent():
    assert isinstance(Ledger(), ConsentVerifier)


@pytest.mark.parametrize("scope", ["", "  ", None, "x" * 59, ["a.read"]])
def test_bad_scopes_fail_at_decoration(scope):
    with pytest.raises(ValueError, match="consent scope"):
        consent_required(scope)


def test_a_missing_subject_parameter_fails_at_decoration():
    with pytest.raises(TypeError, match="no parameter 'user_id'"):

        @consent_required(SCOPE)
        def anonymous(ctx):
            return ctx
