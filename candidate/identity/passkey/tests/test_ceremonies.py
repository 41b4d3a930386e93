"""Registration and authentication ceremonies end to end, with the software authenticator."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candidate.identity.passkey.soft_authenticator import EDDSA, ES256, RS256, AttestationCA
from candidate.identity.passkey.testing import TEST_USER, TEST_USER_NAME, PasskeyCeremony
from candidate.identity.passkey.tests.helpers import refusal
from candidate.identity.passkey.wire_format import b64decode, b64encode

PROFILE_NAMES = ("synced-passkey", "windows-hello", "security-key")


@pytest.mark.parametrize("algorithm", [ES256, EDDSA, RS256], ids=["ES256", "EdDSA", "RS256"])
@pytest.mark.parametrize("attestation", ["none", "packed", "packed-x5c"])
def test_each_algorithm_and_attestation_registers_and_signs_in(provider, algorithm, attestation):
    ceremony = PasskeyCeremony(provider, algorithm=algorithm, attestation=attestation)
    registered = ceremony.enroll()
    assert registered["ok"] and registered["registered"], registered
    assert registered["algorithm"] == algorithm
    assert registered["fmt"] == attestation.removesuffix("-x5c")
    answer = provider.verify(ceremony.assertion())
    assert answer["ok"] and answer["verified"], answer
    assert answer["credential_id"] == registered["credential_id"]
    assert answer["user"] == registered["user"] == provider.pseudonym(TEST_USER)


def test_fido_u2f_attestation_registers(provider):
    ceremony = PasskeyCeremony(provider, "security-key", algorithm=ES256, attestation="fido-u2f")
    assert ceremony.enroll()["fmt"] == "fido-u2f"
    assert provider.verify(ceremony.assertion())["verified"]


def test_attestation_is_checked_against_configured_roots(make_provider):
    trusted = AttestationCA.create()
    provider = make_provider(attestation="direct", attestation_roots={"packed": [trusted.root_pem]})
    good = PasskeyCeremony(provider, "security-key", attestation="packed-x5c")
    good.authenticator.attestation_ca = trusted
    assert good.enroll()["ok"]
    stranger = PasskeyCeremony(provider, "security-key", attestation="packed-x5c")
    stranger.authenticator.attestation_ca = AttestationCA.create()
    assert refusal(stranger.enroll()) == "attestation_invalid"


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_profiles_report_their_backup_state_and_counter(provider, profile):
    ceremony = PasskeyCeremony(provider, profile)
    registered = ceremony.enroll()
    synced = profile == "synced-passkey"
    assert (registered["backup_eligible"], registered["backed_up"]) == (synced, synced)
    counts = [provider.verify(ceremony.assertion())["sign_count"] for _ in range(3)]
    assert counts == ([0, 0, 0] if synced else [1, 2, 3])


def test_registration_options_are_standard_json_without_personal_data_stored(provider):
    answer = provider.registration_options(TEST_USER, TEST_USER_NAME, display_name="Ada")
    options = answer["options"]
    assert options["rp"] == {"name": "LUKHAS", "id": "id.lukhas.test"}
    assert options["user"]["name"] == TEST_USER_NAME and options["user"]["displayName"] == "Ada"
    assert len(b64decode("user.id", options["user"]["id"], 64)) == 32
    assert TEST_USER not in options["user"]["id"]
    assert len(b64decode("challenge", options["challenge"], 64)) == 32
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [EDDSA, ES256, RS256]
    assert options["timeout"] == 300_000
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["excludeCredentials"] == []
    assert answer["user"] == provider.pseudonym(TEST_USER)


def test_the_user_handle_is_stable_and_registered_credentials_are_excluded(ceremony, provider):
    first = provider.registration_options(TEST_USER, TEST_USER_NAME)["options"]
    second = provider.registration_options(TEST_USER, TEST_USER_NAME)["options"]
    assert first["user"]["id"] == second["user"]["id"]
    assert first["challenge"] != second["challenge"]
    assert [c["id"] for c in first["excludeCredentials"]] == [ceremony.credential["credential_id"]]
    assert first["excludeCredentials"][0]["transports"] == ["hybrid", "internal"]


def test_authentication_options_list_the_users_credentials(ceremony, provider):
    options = provider.authentication_options(TEST_USER)["options"]
    assert options["rpId"] == "id.lukhas.test"
    assert [c["id"] for c in options["allowCredentials"]] == [ceremony.credential["credential_id"]]
    assert options["userVerification"] == "required"
    assert provider.authentication_options()["options"]["allowCredentials"] == []


def test_discoverable_sign_in_finds_the_user_from_the_credential(ceremony, provider):
    options = provider.authentication_options()["options"]
    answer = provider.verify(ceremony.get(options))
    assert answer["verified"] and answer["user"] == provider.pseudonym(TEST_USER)


def test_a_registration_response_cannot_register_twice(provider):
    ceremony = PasskeyCeremony(provider)
    options = provider.registration_options(TEST_USER, TEST_USER_NAME)["options"]
    response = ceremony.create(options)
    assert provider.register(response)["ok"]
    assert refusal(provider.register(response)) == "challenge_replayed"
    again = provider.registration_options(TEST_USER, TEST_USER_NAME)["options"]
    same_id = ceremony.create(again, credential_id=b64decode("id", response["id"], 1023))
    assert refusal(provider.register(same_id)) == "credential_exists"


def test_a_ceremonys_challenge_does_not_serve_the_other_ceremony(ceremony, provider):
    registration = provider.registration_options(TEST_USER, TEST_USER_NAME)["options"]
    signed = ceremony.get({"challenge": registration["challenge"]})
    assert refusal(provider.verify(signed)) == "wrong_ceremony"
    created = ceremony.create(provider.registration_options(TEST_USER, TEST_USER_NAME)["options"])
    assert refusal(provider.verify(created)) == "invalid_input"  # no authenticatorData


class TestChallenges:
    def test_single_use(self, ceremony, provider):
        assertion = ceremony.assertion()
        assert provider.verify(assertion)["verified"]
        assert refusal(provider.verify(assertion)) == "challenge_replayed"

    def test_a_failed_attempt_uses_the_challenge_up(self, ceremony, provider):
        options = provider.authentication_options(TEST_USER)["options"]
        assert refusal(provider.verify(ceremony.get(options, "bad_signature"))) == "bad_signature"
        assert refusal(provider.verify(ceremony.get(options))) == "challenge_replayed"

    def test_expiry(self, ceremony, provider, clock):
        assertion = ceremony.assertion()
        clock.now += 301
        assert refusal(provider.verify(assertion)) == "challenge_expired"

    def test_expired_records_are_purged(self, ceremony, provider, clock):
        assertion = ceremony.assertion()
        clock.now += 301
        provider.authentication_options(TEST_USER)  # issuing purges expired records
        assert refusal(provider.verify(assertion)) == "unknown_challenge"

    def test_a_challenge_never_issued_is_unknown(self, ceremony):
        forged = ceremony.get({"challenge": b64encode(b"f" * 32)})
        assert refusal(ceremony.provider.verify(forged)) == "unknown_challenge"

    def test_the_caller_may_supply_the_challenge(self, ceremony, provider):
        """A session that owns its challenge: recorded ceremonies can be replayed once."""
        challenge = b64encode(b"session-chosen challenge, 32 by")
        options = provider.authentication_options(TEST_USER, challenge=challenge)["options"]
        assert options["challenge"] == challenge
        answer = provider.authenticate(ceremony.get(options), expected_challenge=challenge)
        assert answer["verified"]
        reused = provider.authentication_options(TEST_USER, challenge=challenge)
        assert refusal(reused) == "challenge_reused"

    def test_the_session_challenge_must_match(self, ceremony, provider):
        mine = provider.authentication_options(TEST_USER)["options"]["challenge"]
        theirs = ceremony.assertion()
        answer = provider.authenticate(theirs, expected_challenge=mine)
        assert refusal(answer) == "challenge_mismatch"
        assert provider.verify(theirs)["verified"], "a mismatch does not use up the challenge"

    def test_a_registration_with_a_session_challenge(self, provider):
        ceremony = PasskeyCeremony(provider)
        challenge = b"registration challenge 32 bytes!"
        options = provider.registration_options(TEST_USER, TEST_USER_NAME, challenge=challenge)
        response = ceremony.create(options["options"])
        assert provider.register(response, expected_challenge=challenge)["registered"]

    @pytest.mark.parametrize("challenge", [b"short", "not base64!", b"x" * 1025, 42])
    def test_bad_explicit_challenges_are_refused(self, provider, challenge):
        answer = provider.authentication_options(TEST_USER, challenge=challenge)
        assert refusal(answer) in {"invalid_input", "malformed_base64", "too_large"}
        assert answer["error"]["field"] == "challenge"


def test_one_database_serves_several_provider_instances(ceremony, make_provider):
    """Challenges and credentials live in SQLite: another worker process sees them."""
    other = make_provider()
    assert other.verify(ceremony.assertion())["verified"]
    assert other.pseudonym(TEST_USER) == ceremony.provider.pseudonym(TEST_USER)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    user_id=st.one_of(st.text(), st.none(), st.integers(), st.binary()),
    name=st.one_of(st.text(), st.none(), st.floats()),
    tier=st.one_of(st.none(), st.text(max_size=8), st.sampled_from(["low", "high"])),
)
def test_options_answer_any_arguments_without_an_exception(provider, user_id, name, tier):
    for answer in (
        provider.registration_options(user_id, name, tier=tier),
        provider.authentication_options(user_id, tier=tier),
    ):
        assert answer["ok"] or answer["error"]["code"] in {
            "invalid_input",
            "too_large",
            "unknown_tier",
        }
