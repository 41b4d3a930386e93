"""The ceremony functions of the slice: null-provider answers in dry-run, and a registered
provider that only verifies."""

import pytest

from lukhas.identity.passkey import (
    passkey_authentication_options,
    passkey_registration_options,
    register,
    register_passkey,
)
from lukhas.identity.passkey.providers.null_webauthn import DRY_RUN_CHALLENGE
from lukhas.observability import capture

REGISTRATION = {
    "id": "cred-1",
    "rawId": "cred-1",
    "type": "public-key",
    "response": {
        "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0",
        "attestationObject": "o2NmbXQ",
    },
}


def test_dry_run_registration_options_are_fixed_and_well_formed():
    answer = passkey_registration_options("user-1", "ada", display_name="Ada")
    assert (answer["ok"], answer["provider"], answer["mode"]) == (True, "null", "dry_run")
    options = answer["options"]
    assert options["challenge"] == DRY_RUN_CHALLENGE
    assert options["user"]["name"] == "ada" and options["user"]["displayName"] == "Ada"
    assert "user-1" not in str(options)
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [-8, -7, -257]
    assert passkey_registration_options("user-1", "ada", display_name="Ada") == answer


def test_dry_run_options_echo_a_caller_chosen_challenge():
    assert (
        passkey_registration_options("u", "n", challenge="c2Vzc2lvbg")["options"]["challenge"]
        == "c2Vzc2lvbg"
    )
    assert (
        passkey_authentication_options(challenge="c2Vzc2lvbg")["options"]["challenge"]
        == "c2Vzc2lvbg"
    )


def test_dry_run_authentication_options():
    answer = passkey_authentication_options("user-1", tier="high")
    assert (answer["ok"], answer["mode"]) == (True, "dry_run")
    assert answer["options"] == {
        "challenge": DRY_RUN_CHALLENGE,
        "timeout": 300_000,
        "allowCredentials": [],
        "userVerification": "required",
    }
    assert passkey_authentication_options() == passkey_authentication_options(None)


def test_dry_run_registration_checks_the_shape_and_registers_nothing():
    answer = register_passkey(REGISTRATION)
    assert answer == {
        "ok": True,
        "provider": "null",
        "mode": "dry_run",
        "registered": False,
        "credential_id": "cred-1",
    }


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: passkey_registration_options("", "ada"), "user_id"),
        (lambda: passkey_registration_options("u", None), "user_name"),
        (lambda: passkey_registration_options("u", "n", display_name=7), "display_name"),
        (lambda: passkey_registration_options("u", "n", tier=""), "tier"),
        (lambda: passkey_authentication_options(42), "user_id"),
        (lambda: passkey_authentication_options(challenge=b"raw"), "challenge"),
        (lambda: register_passkey({**REGISTRATION, "response": {}}), "response.clientDataJSON"),
        (lambda: register_passkey("{}"), "credential"),
    ],
)
def test_dry_run_bad_input_is_a_structured_error(call, field):
    answer = call()
    assert (answer["ok"], answer["mode"]) == (False, "dry_run")
    assert answer["error"]["code"] == "invalid_input" and answer["error"]["field"] == field


def test_each_ceremony_call_emits_its_declared_node():
    with capture() as nodes:
        passkey_registration_options("user-1", "ada")
        register_passkey(REGISTRATION)
        passkey_authentication_options()
    assert [f"{n['type']}:{n['labels'][0]}" for n in nodes] == [
        "COMPUTATION:identity:passkey.registration_options",
        "DECISION:identity:passkey.register",
        "COMPUTATION:identity:passkey.authentication_options",
    ]
    assert "user-1" not in str(nodes)


class VerifyOnly:
    name = "verify-only"

    def verify(self, assertion):
        return {"ok": True, "verified": True, "provider": self.name, "mode": "live"}


def test_a_live_provider_that_only_verifies_answers_unsupported_for_ceremonies(live_env):
    register(VerifyOnly())
    for answer in (
        passkey_registration_options("u", "n"),
        register_passkey(REGISTRATION),
        passkey_authentication_options(),
    ):
        assert (answer["ok"], answer["provider"], answer["mode"]) == (False, "verify-only", "live")
        assert answer["error"]["code"] == "unsupported"
