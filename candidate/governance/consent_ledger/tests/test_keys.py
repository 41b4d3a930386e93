"""Master keys, pseudonymous lookups and sealed values."""

import base64

import pytest

from candidate.governance.consent_ledger.errors import LedgerConfigError
from candidate.governance.consent_ledger.keys import (
    LedgerKeys,
    SealError,
    new_data_key,
    new_master_key,
    parse_master_key,
    read_key_file,
    seal,
    unseal,
)

MASTER = bytes(range(32))


@pytest.mark.parametrize(
    "value",
    [
        MASTER,
        base64.b64encode(MASTER).decode(),
        base64.urlsafe_b64encode(MASTER).decode(),
        base64.b64encode(MASTER) + b"\n",
    ],
)
def test_a_master_key_is_raw_bytes_or_base64(value):
    assert parse_master_key(value, "test") == MASTER


@pytest.mark.parametrize("value", ["", "not base64!", base64.b64encode(bytes(16)).decode(), b"x"])
def test_a_bad_master_key_says_what_is_expected_and_how_to_make_one(value):
    with pytest.raises(LedgerConfigError, match=r"LUKHAS_X: expected a 32-byte key") as info:
        parse_master_key(value, "LUKHAS_X")
    assert "secrets.token_bytes(32)" in str(info.value)


def test_new_master_keys_parse_and_differ():
    first, second = new_master_key(), new_master_key()
    assert first != second
    assert len(parse_master_key(first, "new")) == 32


def test_a_key_file_is_read_and_a_missing_one_named(tmp_path):
    path = tmp_path / "ledger.key"
    path.write_text(base64.b64encode(MASTER).decode() + "\n")
    assert read_key_file(path) == MASTER
    with pytest.raises(LedgerConfigError, match="cannot read the consent ledger key file"):
        read_key_file(tmp_path / "missing.key")


def test_derived_keys_are_distinct_hidden_and_bound_to_the_master():
    keys = LedgerKeys.from_master(MASTER)
    assert len({keys.lookup_key, keys.kek, keys.fingerprint, MASTER}) == 4
    assert repr(keys) == "LedgerKeys(<secret>)"
    assert keys.lookup("usr_1") == LedgerKeys.from_master(MASTER).lookup("usr_1")
    assert keys.lookup("usr_1") != LedgerKeys.from_master(bytes(32)).lookup("usr_1")
    assert keys.lookup("usr_1") != keys.lookup("usr_2")
    with pytest.raises(LedgerConfigError, match="must be 32 bytes, got 31"):
        LedgerKeys.from_master(MASTER[:31])


def test_a_sealed_value_opens_only_with_its_key_and_context():
    key = new_data_key()
    sealed = seal(key, b"secret", b"context")
    assert sealed != seal(key, b"secret", b"context")  # a fresh nonce each time
    assert b"secret" not in sealed
    assert unseal(key, sealed, b"context") == b"secret"
    for wrong_key, context, value in [
        (new_data_key(), b"context", sealed),
        (key, b"other context", sealed),
        (key, b"context", sealed[:-1] + bytes([sealed[-1] ^ 1])),
        (key, b"context", b"short"),
    ]:
        with pytest.raises(SealError):
            unseal(wrong_key, value, context)
