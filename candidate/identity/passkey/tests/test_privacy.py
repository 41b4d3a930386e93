"""No personal data, credential ids or raw client data in logs, events or storage."""

import json
import logging

import pytest

from candidate.identity.passkey.testing import TEST_USER, TEST_USER_NAME, PasskeyCeremony
from candidate.identity.passkey.wire_format import b64decode
from lukhas.observability import capture


def secrets_of(ceremony, assertion):
    """Strings that must appear nowhere but in the caller's own answers."""
    response = assertion["response"]
    client_data = json.loads(b64decode("c", response["clientDataJSON"], 10_000))
    return [
        TEST_USER,
        TEST_USER_NAME,
        assertion["id"],
        b64decode("id", assertion["id"], 1023).hex(),
        response["clientDataJSON"],
        response["signature"],
        client_data["challenge"],
        response["userHandle"],
    ]


def test_logs_hold_operation_outcome_and_pseudonym_only(provider, caplog):
    caplog.set_level(logging.DEBUG, logger="candidate.identity.passkey")
    ceremony = PasskeyCeremony(provider)
    ceremony.enroll()
    assertion = ceremony.assertion()
    provider.verify(assertion)
    provider.verify(assertion)  # replayed
    provider.verify(ceremony.assertion("bad_signature"))
    provider.verify_password(TEST_USER, "hunter22", passkey_declined=True)
    text = "\n".join(record.getMessage() for record in caplog.records)
    for secret in secrets_of(ceremony, assertion):
        assert secret not in text
    assert "hunter22" not in text
    pseudonym = provider.pseudonym(TEST_USER)
    assert f"passkey authenticate: accepted (user {pseudonym})" in text
    assert f"passkey authenticate: bad_signature (user {pseudonym})" in text
    assert "passkey authenticate: challenge_replayed (user -)" in text


def test_internal_errors_are_logged_by_type_only(provider, caplog, monkeypatch):
    from candidate.identity.passkey import authentication

    def broken(*args, **kwargs):
        raise RuntimeError(f"boom with {TEST_USER}")

    monkeypatch.setattr(authentication, "parse_assertion", broken)
    answer = provider.verify({})
    assert answer["error"]["code"] == "internal_error"
    assert TEST_USER not in caplog.text and "RuntimeError" in caplog.text


def test_the_database_holds_no_personal_data(provider, tmp_path):
    ceremony = PasskeyCeremony(provider)
    ceremony.enroll()
    provider.verify(ceremony.assertion())
    provider.set_password(TEST_USER, "correct horse battery")
    provider.close()
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("passkeys.sqlite3*"))
    for value in (TEST_USER, TEST_USER_NAME, "correct horse battery"):
        assert value.encode() not in stored
        assert value.encode("utf-16-le") not in stored


def test_pseudonyms_are_keyed_stable_and_distinct(make_provider, tmp_path):
    first = make_provider()
    assert first.pseudonym(TEST_USER) == first.pseudonym(TEST_USER)
    assert first.pseudonym(TEST_USER) != first.pseudonym("someone@example.com")
    other_db = make_provider(db_path=tmp_path / "other.sqlite3")
    assert other_db.pseudonym(TEST_USER) != first.pseudonym(TEST_USER)  # another random key
    key = "k" * 32
    keyed = make_provider(db_path=tmp_path / "a.sqlite3", pseudonym_key=key)
    same_key = make_provider(db_path=tmp_path / "b.sqlite3", pseudonym_key=key)
    assert keyed.pseudonym(TEST_USER) == same_key.pseudonym(TEST_USER)


@pytest.mark.parametrize("operation", ["verify", "register"])
def test_matriz_nodes_of_the_slice_carry_no_input(provider, operation):
    """The provider's answers reach the caller; the slice's MATRIZ nodes record none of it."""
    from lukhas.identity.passkey import register_passkey, verify_passkey

    ceremony = PasskeyCeremony(provider)
    options = provider.registration_options(TEST_USER, TEST_USER_NAME)["options"]
    response = ceremony.create(options)
    call = verify_passkey if operation == "verify" else register_passkey
    with capture() as nodes:
        call(response)
    assert len(nodes) == 1
    dumped = json.dumps(nodes)
    assert response["id"] not in dumped and response["response"]["clientDataJSON"] not in dumped
