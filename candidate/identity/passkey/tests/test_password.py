"""Password fallback: argon2id, only when policy allows and the user has no passkey or
declines it."""

import sqlite3
from dataclasses import replace

import pytest
from argon2 import profiles
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candidate.identity.passkey.testing import TEST_USER, PasskeyCeremony
from candidate.identity.passkey.tests.helpers import refusal

PASSWORD = "correct horse battery staple"


@pytest.fixture
def fallback(make_provider):
    return make_provider(password_fallback=True)


def test_disabled_by_default(make_provider):
    provider = make_provider(password_fallback=False)
    assert refusal(provider.set_password(TEST_USER, PASSWORD)) == "password_fallback_disabled"
    assert refusal(provider.verify_password(TEST_USER, PASSWORD)) == "password_fallback_disabled"


def test_a_user_without_a_passkey_signs_in_with_a_password(fallback):
    assert fallback.set_password(TEST_USER, PASSWORD)["stored"]
    answer = fallback.verify_password(TEST_USER, PASSWORD)
    assert answer["ok"] and answer["verified"] and answer["method"] == "password"
    assert answer["user"] == fallback.pseudonym(TEST_USER)


def test_wrong_password_and_unknown_user_look_alike(fallback):
    fallback.set_password(TEST_USER, PASSWORD)
    wrong = fallback.verify_password(TEST_USER, PASSWORD + "!")
    unknown = fallback.verify_password("nobody@example.com", PASSWORD)
    assert refusal(wrong) == refusal(unknown) == "invalid_credentials"
    assert wrong["error"] == unknown["error"]


def test_a_user_with_a_passkey_must_decline_it_first(fallback):
    PasskeyCeremony(fallback).enroll()
    fallback.set_password(TEST_USER, PASSWORD)
    assert refusal(fallback.verify_password(TEST_USER, PASSWORD)) == "passkey_required"
    assert fallback.verify_password(TEST_USER, PASSWORD, passkey_declined=True)["verified"]


def test_passkey_declined_must_be_exactly_true(fallback):
    PasskeyCeremony(fallback).enroll()
    fallback.set_password(TEST_USER, PASSWORD)
    answer = fallback.verify_password(TEST_USER, PASSWORD, passkey_declined="no")
    assert refusal(answer) == "passkey_required"


def stored_hash(tmp_path) -> str:
    with sqlite3.connect(tmp_path / "passkeys.sqlite3") as db:
        return db.execute("SELECT hash FROM passwords").fetchone()[0]


def test_hashes_are_argon2id_and_upgraded_when_parameters_change(fallback, make_provider, tmp_path):
    fallback.set_password(TEST_USER, PASSWORD)
    before = stored_hash(tmp_path)
    assert before.startswith("$argon2id$") and PASSWORD not in before
    other = replace(profiles.CHEAPEST, memory_cost=64, salt_len=16, hash_len=32)
    upgraded = make_provider(password_fallback=True, argon2=other)
    assert upgraded.verify_password(TEST_USER, PASSWORD)["verified"]
    after = stored_hash(tmp_path)
    assert after != before and "m=64," in after
    assert upgraded.verify_password(TEST_USER, PASSWORD)["verified"]


@pytest.mark.parametrize(
    ("password", "reason"),
    [("short", "password_too_short"), ("x" * 2000, "too_large"), (None, "invalid_input")],
)
def test_bad_passwords_are_refused(fallback, password, reason):
    assert refusal(fallback.set_password(TEST_USER, password)) == reason


@pytest.mark.parametrize("user_id", [None, "", "   ", 42, "u" * 1000])
def test_bad_user_ids_are_refused(fallback, user_id):
    assert refusal(fallback.verify_password(user_id, PASSWORD)) in {"invalid_input", "too_large"}


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    user_id=st.one_of(st.text(), st.none(), st.integers()),
    password=st.one_of(st.text(), st.binary()),
)
def test_any_input_is_an_answer_never_an_exception(fallback, user_id, password):
    for answer in (
        fallback.set_password(user_id, password),
        fallback.verify_password(user_id, password),
    ):
        assert answer["ok"] or answer["error"]["code"] != "internal_error"
