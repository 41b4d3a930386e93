import json

import pytest

from lukhas.flags import DRY_RUN_MODE, FlagError
from lukhas.governance.consent_ledger import (
    FEATURE_FLAG,
    record_consent,
    register,
    reset,
)

POINT = "CONSENT:governance:record"


class FakeLedger:
    name = "fake"

    def __init__(self):
        self.entries = []

    def record(self, entry):
        self.entries.append(dict(entry))
        return {"ok": True, "provider": "fake", "mode": "live", "seq": len(self.entries)}


def test_dry_run_default_uses_the_null_provider_deterministically(matriz_events):
    first = record_consent("usr_123", "gmail.read", {"just": "testing"})
    assert first == {
        "ok": True,
        "provider": "null",
        "mode": "dry_run",
        "entry": {"user_id": "usr_123", "scope": "gmail.read", "metadata": {"just": "testing"}},
    }
    assert record_consent("usr_123", "gmail.read", {"just": "testing"}) == first
    assert record_consent("usr_123", "gmail.read")["entry"]["metadata"] == {}
    nodes = matriz_events.assert_emitted(POINT, count=3, label="provider:null")
    assert {tuple(node["labels"]) for node in nodes} == {
        ("governance:record", "provider:null", "mode:dry_run")
    }


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((None, "gmail.read"), "user_id"),
        (("", "gmail.read"), "user_id"),
        (("  ", "gmail.read"), "user_id"),
        ((123, "gmail.read"), "user_id"),
        (("usr_123", ""), "scope"),
        (("usr_123", None), "scope"),
        (("usr_123", "gmail.read", ["not", "a", "mapping"]), "metadata"),
    ],
)
def test_invalid_input_is_a_structured_error_not_an_exception(args, field):
    out = record_consent(*args)
    assert out["ok"] is False
    assert (out["provider"], out["mode"]) == ("null", "dry_run")
    assert out["error"]["code"] == "invalid_input"
    assert out["error"]["field"] == field
    assert field in out["error"]["message"]


def test_live_mode_uses_the_registered_provider_and_passes_its_answer_through(
    live_env, matriz_events
):
    ledger = FakeLedger()
    register(ledger)
    out = record_consent("usr_123", "gmail.read", {"source": "settings"})
    assert out == {"ok": True, "provider": "fake", "mode": "live", "seq": 1}
    assert ledger.entries == [
        {"user_id": "usr_123", "scope": "gmail.read", "metadata": {"source": "settings"}}
    ]
    matriz_events.assert_emitted(POINT, count=1, label="provider:fake")
    matriz_events.assert_emitted(POINT, count=1, label="mode:live")


@pytest.mark.parametrize("dry_run_mode", [None, "true", "1"])
def test_flag_on_but_dry_run_mode_on_still_uses_the_null_provider(
    monkeypatch, dry_run_mode, matriz_events
):
    monkeypatch.setenv(FEATURE_FLAG, "true")
    if dry_run_mode is not None:
        monkeypatch.setenv(DRY_RUN_MODE, dry_run_mode)
    ledger = FakeLedger()
    register(ledger)
    assert record_consent("usr_123", "gmail.read")["provider"] == "null"
    assert ledger.entries == []
    matriz_events.assert_emitted(POINT, count=1, label="mode:dry_run")
    matriz_events.assert_not_emitted(POINT, label="provider:fake")


def test_live_mode_without_a_registered_provider_falls_back_to_null(live_env):
    assert record_consent("usr_123", "gmail.read")["mode"] == "dry_run"


@pytest.mark.parametrize("name", [FEATURE_FLAG, DRY_RUN_MODE])
def test_invalid_flag_value_raises_flag_error_naming_the_variable(monkeypatch, name, matriz_events):
    monkeypatch.setenv(name, "enabled")
    with pytest.raises(FlagError, match=name):
        record_consent("usr_123", "gmail.read")
    [node] = matriz_events.assert_emitted(POINT, count=1)
    assert (node["outcome"], node["error_type"]) == ("error", "FlagError")
    assert node["labels"] == ["governance:record"]  # refused before any provider answered


def test_both_flag_states_in_one_process(monkeypatch):
    register(FakeLedger())
    assert record_consent("u", "s")["provider"] == "null"
    monkeypatch.setenv(FEATURE_FLAG, "on")
    monkeypatch.setenv(DRY_RUN_MODE, "off")
    assert record_consent("u", "s")["provider"] == "fake"
    monkeypatch.setenv(FEATURE_FLAG, "off")
    assert record_consent("u", "s")["provider"] == "null"


@pytest.mark.matriz(emits=[POINT])
def test_each_call_emits_one_node_without_personal_data(matriz_events):
    record_consent("usr_secret_42", "gmail.read", {"email": "a@example.com"})
    record_consent("", "gmail.read")
    nodes = matriz_events.nodes
    assert matriz_events.points() == [POINT] * 2
    assert all(n["provenance"]["capabilities"] == ["record_consent"] for n in nodes)
    assert all(n["outcome"] == "ok" for n in nodes)  # a structured error is still a return
    assert "usr_secret_42" not in json.dumps(nodes)
    assert "a@example.com" not in json.dumps(nodes)
    assert record_consent.__matriz_emit_point__ == POINT


def test_register_refuses_an_object_that_is_not_a_provider():
    with pytest.raises(TypeError, match="ConsentProvider"):
        register(object())


def test_reset_forgets_the_registered_provider(live_env):
    register(FakeLedger())
    reset()
    assert record_consent("u", "s")["provider"] == "null"
