"""With the flag on and dry-run mode off: the real provider answers (wired by the
repository's passkey test plugin; these tests never import it)."""

import json

import pytest

from lukhas.identity.passkey import (
    passkey_authentication_options,
    passkey_registration_options,
    register_passkey,
    verify_passkey,
)
from lukhas.observability import capture

EMIT_POINTS = [
    "COMPUTATION:identity:passkey.registration_options",
    "DECISION:identity:passkey.register",
    "COMPUTATION:identity:passkey.authentication_options",
    "DECISION:identity:passkey.verify",
]


def refused(answer) -> str:
    assert (answer["ok"], answer["verified"], answer["mode"]) == (False, False, "live"), answer
    return answer["error"]["code"]


def test_a_fresh_assertion_is_verified_for_real(live_env, passkey_credential, passkey_assertion):
    answer = verify_passkey(passkey_assertion)
    assert (answer["ok"], answer["verified"], answer["mode"]) == (True, True, "live")
    assert answer["provider"] != "null"
    assert answer["credential_id"] == passkey_credential["credential_id"]
    assert answer["user"] == passkey_credential["user"]


def test_an_assertion_verifies_once(live_env, passkey_assertion):
    assert verify_passkey(passkey_assertion)["verified"] is True
    assert refused(verify_passkey(passkey_assertion)) == "challenge_replayed"


@pytest.mark.parametrize(
    ("passkey_profile", "breakage", "code"),
    [
        ("synced-passkey", "wrong_origin", "origin_not_allowed"),
        ("synced-passkey", "wrong_rp_id", "rp_id_mismatch"),
        ("windows-hello", "bad_signature", "bad_signature"),
        ("synced-passkey", "replayed_challenge", "challenge_replayed"),
        ("security-key", "counter_rollback", "sign_count_rollback"),
        ("security-key", "uv_missing", "user_verification_required"),
    ],
)
def test_broken_assertions_are_refused_with_a_reason(live_env, passkey_ceremony, breakage, code):
    assert verify_passkey(passkey_ceremony.assertion())["verified"] is True
    assert refused(verify_passkey(passkey_ceremony.assertion(breakage))) == code


def test_register_a_second_passkey_and_sign_in_with_it_through_the_api(live_env, passkey_ceremony):
    user = passkey_ceremony.user_id
    first = passkey_ceremony.credential["credential_id"]
    creation = passkey_registration_options(user, "Ada Lovelace")
    assert (creation["ok"], creation["mode"]) == (True, "live")
    assert [c["id"] for c in creation["options"]["excludeCredentials"]] == [first]
    registered = register_passkey(passkey_ceremony.create(creation["options"]))
    assert (registered["ok"], registered["registered"]) == (True, True)
    request = passkey_authentication_options(user)
    allowed = {c["id"] for c in request["options"]["allowCredentials"]}
    assert allowed == {first, registered["credential_id"]}
    answer = verify_passkey(passkey_ceremony.get(request["options"]))
    assert answer["verified"] is True
    assert answer["credential_id"] == registered["credential_id"]


def test_a_response_cannot_be_registered_twice(live_env, passkey_ceremony):
    creation = passkey_registration_options(passkey_ceremony.user_id, "Ada Lovelace")
    response = passkey_ceremony.create(creation["options"])
    assert register_passkey(response)["registered"] is True
    assert refused(register_passkey(response)) == "challenge_replayed"


def test_discoverable_sign_in_without_naming_the_user(
    live_env, passkey_ceremony, passkey_credential
):
    request = passkey_authentication_options()
    assert request["options"]["allowCredentials"] == []
    answer = verify_passkey(passkey_ceremony.get(request["options"]))
    assert answer["verified"] is True and answer["user"] == passkey_credential["user"]


def test_user_verification_follows_the_tier_chosen_with_the_options(live_env, passkey_ceremony):
    low = passkey_authentication_options(passkey_ceremony.user_id, tier="low")
    assert verify_passkey(passkey_ceremony.get(low["options"], "uv_missing"))["verified"] is True
    high = passkey_authentication_options(passkey_ceremony.user_id, tier="high")
    answer = verify_passkey(passkey_ceremony.get(high["options"], "uv_missing"))
    assert refused(answer) == "user_verification_required"
    assert refused(passkey_authentication_options(tier="extreme")) == "unknown_tier"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"response": "signed"}, "invalid_input"),
        ({"rawId": "not base64!"}, "malformed_base64"),
        ({"type": "password"}, "invalid_input"),
    ],
)
def test_malformed_input_is_a_structured_refusal(live_env, passkey_assertion, change, code):
    assert refused(verify_passkey({**passkey_assertion, **change})) == code


@pytest.mark.parametrize("value", [None, "eyJhbGciOi", [], {"challenge": "xyz"}])
def test_non_assertions_are_refused_not_raised(live_env, passkey_provider, value):
    assert refused(verify_passkey(value)) == "invalid_input"


def test_each_call_emits_its_node_and_no_personal_data(live_env, passkey_ceremony):
    user = passkey_ceremony.user_id
    with capture() as nodes:
        creation = passkey_registration_options(user, "Ada Lovelace")
        registered = register_passkey(passkey_ceremony.create(creation["options"]))
        request = passkey_authentication_options(user)
        assertion = passkey_ceremony.get(request["options"])
        assert verify_passkey(assertion)["verified"] is True
    assert [f"{n['type']}:{n['labels'][0]}" for n in nodes] == EMIT_POINTS
    assert all(n["outcome"] == "ok" for n in nodes)
    dumped = json.dumps(nodes)
    for secret in (user, "Ada Lovelace", registered["credential_id"], registered["user"]):
        assert secret not in dumped
    assert assertion["response"]["clientDataJSON"] not in dumped


def test_flag_off_the_same_assertion_is_not_a_verification(passkey_assertion):
    answer = verify_passkey(passkey_assertion)
    assert answer == {
        "ok": True,
        "provider": "null",
        "mode": "dry_run",
        "verified": False,
        "credential_id": passkey_assertion["id"],
    }
