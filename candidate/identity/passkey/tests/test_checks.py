"""The checks py_webauthn leaves to the relying party."""

import pytest

from candidate.identity.passkey.soft_authenticator import BREAKAGES
from candidate.identity.passkey.testing import TEST_USER, PasskeyCeremony
from candidate.identity.passkey.tests.helpers import refusal

ANDROID = "android:apk-key-hash:" + "A" * 43
EMBEDDER = "https://partner.example"


# breakage -> (a profile it applies to, the reason it is refused with)
BROKEN = {
    "wrong_origin": ("synced-passkey", "origin_not_allowed"),
    "wrong_rp_id": ("synced-passkey", "rp_id_mismatch"),
    "bad_signature": ("windows-hello", "bad_signature"),
    "replayed_challenge": ("synced-passkey", "challenge_replayed"),
    "counter_rollback": ("security-key", "sign_count_rollback"),
    "uv_missing": ("security-key", "user_verification_required"),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_every_breakage_of_the_software_authenticator_is_refused(provider, breakage):
    profile, reason = BROKEN[breakage]
    ceremony = PasskeyCeremony(provider, profile)
    ceremony.enroll()
    assert provider.verify(ceremony.assertion())["verified"]  # also gives a challenge to replay
    assert refusal(provider.verify(ceremony.assertion(breakage))) == reason


class TestOrigins:
    def test_only_listed_origins(self, ceremony, provider):
        for origin in (
            "https://id.lukhas.test:8443",
            "http://id.lukhas.test",
            "https://lukhas.test",
        ):
            assert (
                refusal(provider.verify(ceremony.assertion(origin=origin))) == "origin_not_allowed"
            )

    def test_several_origins_including_an_android_app(self, make_provider):
        provider = make_provider(
            origins=["https://id.lukhas.test", "https://m.id.lukhas.test", ANDROID]
        )
        ceremony = PasskeyCeremony(provider)
        ceremony.enroll()
        for origin in ("https://m.id.lukhas.test", ANDROID):
            assert provider.verify(ceremony.assertion(origin=origin))["verified"]
        other_app = "android:apk-key-hash:" + "B" * 43
        assert (
            refusal(provider.verify(ceremony.assertion(origin=other_app))) == "origin_not_allowed"
        )

    def test_an_android_app_is_refused_unless_configured(self, ceremony, provider):
        assert refusal(provider.verify(ceremony.assertion(origin=ANDROID))) == "origin_not_allowed"


class TestCrossOrigin:
    def test_refused_by_default(self, ceremony, provider):
        embedded = ceremony.assertion(cross_origin=True, top_origin=EMBEDDER)
        assert refusal(provider.verify(embedded)) == "cross_origin_not_allowed"

    @pytest.mark.parametrize("claims", [{"cross_origin": True}, {"top_origin": EMBEDDER}])
    def test_refused_without_a_top_origin_or_without_cross_origin(self, make_provider, claims):
        provider = make_provider(top_origins=[EMBEDDER])
        ceremony = PasskeyCeremony(provider)
        ceremony.enroll()
        if "top_origin" in claims:  # a topOrigin alone is accepted when it is configured
            assert provider.verify(ceremony.assertion(**claims))["verified"]
        else:
            assert (
                refusal(provider.verify(ceremony.assertion(**claims))) == "cross_origin_not_allowed"
            )

    def test_allowed_for_a_configured_top_origin_only(self, make_provider):
        provider = make_provider(top_origins=[EMBEDDER])
        ceremony = PasskeyCeremony(provider)
        ceremony.enroll()
        assert provider.verify(ceremony.assertion(cross_origin=True, top_origin=EMBEDDER))[
            "verified"
        ]
        elsewhere = ceremony.assertion(cross_origin=True, top_origin="https://evil.example")
        assert refusal(provider.verify(elsewhere)) == "cross_origin_not_allowed"


class TestOwnership:
    def test_a_credential_outside_allow_credentials_is_refused(self, provider):
        mine = PasskeyCeremony(provider, user_id="ada")
        theirs = PasskeyCeremony(provider, user_id="grace")
        mine.enroll()
        theirs.enroll()
        options = provider.authentication_options("ada")["options"]
        # Grace's authenticator answers Ada's options with Grace's credential.
        stolen = theirs.get({**options, "allowCredentials": []})
        answer = provider.verify(stolen)
        assert refusal(answer) == "credential_not_allowed"

    def test_a_user_without_credentials_cannot_sign_in_with_anothers(self, provider):
        theirs = PasskeyCeremony(provider, user_id="grace")
        theirs.enroll()
        options = provider.authentication_options("nobody")["options"]
        assert options["allowCredentials"] == []
        assert refusal(provider.verify(theirs.get(options))) == "credential_not_allowed"

    def test_the_user_handle_must_be_the_credentials(self, ceremony, provider):
        forged = ceremony.assertion(user_handle=b"someone else")
        assert refusal(provider.verify(forged)) == "user_handle_mismatch"

    def test_a_discoverable_sign_in_needs_the_user_handle(self, ceremony, provider):
        options = provider.authentication_options()["options"]
        answer = provider.verify(ceremony.get(options, user_handle=None))
        assert refusal(answer) == "user_handle_missing"

    def test_without_a_user_handle_a_named_user_is_enough(self, ceremony, provider):
        assert provider.verify(ceremony.assertion(user_handle=None))["verified"]

    def test_an_unknown_credential(self, provider):
        stranger = PasskeyCeremony(provider)
        stranger.authenticator.credentials.clear()
        options = provider.registration_options(TEST_USER, "x")["options"]
        stranger.create(options)  # created on the device, never registered
        answer = provider.verify(stranger.get(provider.authentication_options()["options"]))
        assert refusal(answer) == "unknown_credential"


class TestBackupFlags:
    def test_backup_eligibility_must_match_the_registration(self, ceremony, provider):
        answer = provider.verify(ceremony.assertion(backup_eligible=False, backed_up=False))
        assert refusal(answer) == "backup_eligibility_mismatch"

    def test_backed_up_without_eligibility_is_invalid(self, provider):
        ceremony = PasskeyCeremony(provider, "security-key")
        ceremony.enroll()
        assert (
            refusal(provider.verify(ceremony.assertion(backed_up=True))) == "invalid_backup_flags"
        )

    def test_the_backup_state_may_change(self, ceremony, provider):
        answer = provider.verify(ceremony.assertion(backed_up=False))
        assert answer["verified"] and answer["backed_up"] is False


class TestSignCount:
    def test_reject_policy_refuses_a_rollback_and_flags_the_credential(self, provider):
        ceremony = PasskeyCeremony(provider, "security-key")
        ceremony.enroll()
        assert provider.verify(ceremony.assertion())["sign_count"] == 1
        assert (
            refusal(provider.verify(ceremony.assertion("counter_rollback")))
            == "sign_count_rollback"
        )
        later = provider.verify(ceremony.assertion())
        assert later["verified"] and later["possibly_cloned"] is True

    def test_flag_policy_accepts_a_rollback_and_flags_the_credential(self, make_provider):
        provider = make_provider(sign_count_policy="flag")
        ceremony = PasskeyCeremony(provider, "security-key")
        ceremony.enroll()
        assert provider.verify(ceremony.assertion())["possibly_cloned"] is False
        answer = provider.verify(ceremony.assertion(counter=1))
        assert answer["verified"] and answer["possibly_cloned"] is True

    def test_an_equal_count_is_a_rollback(self, provider):
        ceremony = PasskeyCeremony(provider, "windows-hello")
        ceremony.enroll()
        assert provider.verify(ceremony.assertion(counter=5))["verified"]
        assert refusal(provider.verify(ceremony.assertion(counter=5))) == "sign_count_rollback"

    def test_a_counter_that_drops_to_zero_is_a_rollback(self, provider):
        ceremony = PasskeyCeremony(provider, "security-key")
        ceremony.enroll()
        provider.verify(ceremony.assertion())
        assert refusal(provider.verify(ceremony.assertion(counter=0))) == "sign_count_rollback"

    def test_a_bad_signature_never_flags_a_credential(self, provider):
        ceremony = PasskeyCeremony(provider, "security-key")
        ceremony.enroll()
        provider.verify(ceremony.assertion(counter=9))
        forged = ceremony.assertion(counter=1, tamper_signature=True)
        assert refusal(provider.verify(forged)) == "bad_signature"
        assert provider.verify(ceremony.assertion(counter=10))["possibly_cloned"] is False


class TestUserVerificationTiers:
    @pytest.mark.parametrize(
        ("tier", "verified"), [("low", True), ("medium", True), ("high", False)]
    )
    def test_uv_is_required_by_the_high_tier_only(self, ceremony, provider, tier, verified):
        options = provider.authentication_options(TEST_USER, tier=tier)
        assert options["tier"] == tier
        answer = provider.verify(ceremony.get(options["options"], "uv_missing"))
        assert answer["ok"] is verified

    def test_the_tier_is_bound_to_the_challenge_not_chosen_by_the_client(self, ceremony, provider):
        options = provider.authentication_options(TEST_USER, tier="high")["options"]
        tampered = {**options, "userVerification": "discouraged"}
        assert (
            refusal(provider.verify(ceremony.get(tampered, "uv_missing")))
            == "user_verification_required"
        )

    def test_registration_honours_the_tier(self, provider):
        ceremony = PasskeyCeremony(provider, "security-key", user_verifying=False)
        assert refusal(ceremony.enroll()) == "user_verification_required"
        assert ceremony.enroll(tier="low")["ok"]

    def test_custom_tiers(self, make_provider):
        provider = make_provider(
            tiers={"payments": "required", "browse": "discouraged"}, default_tier="browse"
        )
        assert provider.authentication_options()["tier"] == "browse"
        assert refusal(provider.authentication_options(tier="high")) == "unknown_tier"

    def test_user_presence_is_always_required(self, ceremony, provider):
        answer = provider.verify(ceremony.assertion(user_present=False))
        assert refusal(answer) == "user_not_present"


@pytest.mark.parametrize("status", ["present", "not-supported"])
def test_token_binding_other_than_supported_cannot_be_checked(ceremony, provider, status):
    bound = ceremony.assertion(client_data={"tokenBinding": {"status": status, "id": "abc"}})
    assert refusal(provider.verify(bound)) == "token_binding_unsupported"


def test_token_binding_supported_is_fine(ceremony, provider):
    bound = ceremony.assertion(client_data={"tokenBinding": {"status": "supported"}})
    assert provider.verify(bound)["verified"]
