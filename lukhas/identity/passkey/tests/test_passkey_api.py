import copy
import json

import pytest

from lukhas.flags import DRY_RUN_MODE, FlagError
from lukhas.identity.passkey import FEATURE_FLAG, register, reset, verify_passkey

POINT = "DECISION:identity:passkey.verify"
ASSERTION = {
    "id": "hK9-credential-id",
    "rawId": "hK9-credential-id",
    "type": "public-key",
    "response": {
        "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0",
        "authenticatorData": "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ",
        "signature": "MEUCIQDx",
        "userHandle": "dXNyXzEyMw",
    },
    "clientExtensionResults": {},
}


DROP = object()


def changed(path: str, value=DROP) -> dict:
    """ASSERTION with the field at dotted ``path`` replaced by ``value`` (or dropped)."""
    assertion = copy.deepcopy(ASSERTION)
    *parents, last = path.split(".")
    target = assertion
    for name in parents:
        target = target[name]
    if value is DROP:
        del target[last]
    else:
        target[last] = value
    return assertion


class FakeVerifier:
    name = "fake"

    def __init__(self):
        self.seen = []

    def verify(self, assertion):
        self.seen.append(assertion["id"])
        return {"ok": True, "provider": "fake", "mode": "live", "user_verified": True}


def test_dry_run_default_checks_the_shape_and_answers_deterministically(matriz_events):
    out = verify_passkey(ASSERTION)
    assert out == {
        "ok": True,
        "provider": "null",
        "mode": "dry_run",
        "credential_id": "hK9-credential-id",
    }
    assert verify_passkey(copy.deepcopy(ASSERTION)) == out
    nodes = matriz_events.assert_emitted(POINT, count=2, label="provider:null")
    assert {tuple(node["labels"][1:]) for node in nodes} == {("provider:null", "mode:dry_run")}


@pytest.mark.parametrize(
    ("assertion", "field"),
    [
        ({"challenge": "xyz"}, "id"),  # the seed's shape is not an assertion
        (None, "assertion"),
        ("eyJhbGciOi", "assertion"),
        ([ASSERTION], "assertion"),
        (changed("id"), "id"),
        (changed("id", ""), "id"),
        (changed("id", 42), "id"),
        (changed("type"), "type"),
        (changed("type", "password"), "type"),
        (changed("response"), "response"),
        (changed("response", "signed"), "response"),
        (changed("response.clientDataJSON"), "response.clientDataJSON"),
        (changed("response.authenticatorData"), "response.authenticatorData"),
        (changed("response.signature", ""), "response.signature"),
    ],
)
def test_malformed_assertion_is_a_structured_error_not_an_exception(assertion, field):
    out = verify_passkey(assertion)
    assert out["ok"] is False
    assert (out["provider"], out["mode"]) == ("null", "dry_run")
    assert out["error"]["code"] == "invalid_input"
    assert out["error"]["field"] == field
    assert field.split(".")[-1] in out["error"]["message"]


def test_live_mode_uses_the_registered_provider_and_passes_its_answer_through(
    live_env, matriz_events
):
    verifier = FakeVerifier()
    register(verifier)
    out = verify_passkey(ASSERTION)
    assert out == {"ok": True, "provider": "fake", "mode": "live", "user_verified": True}
    assert verifier.seen == ["hK9-credential-id"]
    [node] = matriz_events.assert_emitted(POINT, count=1, label="provider:fake")
    assert node["labels"][2] == "mode:live"


@pytest.mark.parametrize("dry_run_mode", [None, "yes"])
def test_flag_on_but_dry_run_mode_on_still_uses_the_null_provider(
    monkeypatch, dry_run_mode, matriz_events
):
    monkeypatch.setenv(FEATURE_FLAG, "true")
    if dry_run_mode is not None:
        monkeypatch.setenv(DRY_RUN_MODE, dry_run_mode)
    verifier = FakeVerifier()
    register(verifier)
    assert verify_passkey(ASSERTION)["mode"] == "dry_run"
    assert verifier.seen == []
    matriz_events.assert_emitted(POINT, count=1, label="mode:dry_run")
    matriz_events.assert_not_emitted(POINT, label="provider:fake")


@pytest.mark.parametrize("name", [FEATURE_FLAG, DRY_RUN_MODE])
def test_invalid_flag_value_raises_flag_error_naming_the_variable(monkeypatch, name, matriz_events):
    monkeypatch.setenv(name, "sometimes")
    with pytest.raises(FlagError, match=name):
        verify_passkey(ASSERTION)
    [node] = matriz_events.assert_emitted(POINT, count=1)
    assert node["error_type"] == "FlagError"


def test_both_flag_states_in_one_process(monkeypatch):
    register(FakeVerifier())
    assert verify_passkey(ASSERTION)["provider"] == "null"
    monkeypatch.setenv(FEATURE_FLAG, "1")
    monkeypatch.setenv(DRY_RUN_MODE, "0")
    assert verify_passkey(ASSERTION)["provider"] == "fake"
    monkeypatch.setenv(DRY_RUN_MODE, "1")
    assert verify_passkey(ASSERTION)["provider"] == "null"


@pytest.mark.matriz(emits=[POINT])
def test_each_call_emits_one_node_without_the_assertion(matriz_events):
    verify_passkey(ASSERTION)
    verify_passkey({"challenge": "xyz"})
    nodes = matriz_events.nodes
    assert matriz_events.points() == [POINT] * 2
    assert all(n["provenance"]["capabilities"] == ["verify_passkey"] for n in nodes)
    assert "hK9-credential-id" not in json.dumps(nodes)
    assert verify_passkey.__matriz_emit_point__ == POINT


def test_register_refuses_an_object_that_is_not_a_provider():
    with pytest.raises(TypeError, match="PasskeyProvider"):
        register(object())


def test_reset_forgets_the_registered_provider(live_env):
    register(FakeVerifier())
    reset()
    assert verify_passkey(ASSERTION)["provider"] == "null"
