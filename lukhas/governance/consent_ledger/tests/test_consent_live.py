"""Flag on, dry-run mode off: the slice's operations against the real ledger.

The ledger comes from the repository's testing plugin (the ``consent_ledger`` fixture: a
fresh SQLite file per test, registered as the slice's provider); these tests use only
the slice's public API, plus the file itself to tamper with it.
"""

import json
import sqlite3
import time

import pytest

from lukhas.flags import DRY_RUN_MODE
from lukhas.governance.consent_ledger import (
    FEATURE_FLAG,
    erase_subject,
    export_subject,
    record_consent,
    verify_chain,
    verify_consent,
    withdraw_consent,
)

LIVE = {"ok": True, "provider": "sqlite-ledger", "mode": "live"}
NOTICE = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


@pytest.fixture(autouse=True)
def live(live_env):
    """Every test here runs with the slice live."""


def test_record_is_durable_in_the_real_ledger():
    out = record_consent(
        "usr_1",
        "gmail.read",
        {"source": "settings"},
        purpose="inbox summaries",
        notice_version="2024-06",
        notice_hash=NOTICE,
    )
    assert {k: out[k] for k in LIVE} == LIVE
    assert out["seq"] == 1
    assert out["scope"] == "gmail.read"
    assert len(out["link"]) == 64


def test_verify_allows_a_grant_and_names_why_it_denies():
    record_consent("usr_1", "gmail.read")
    assert verify_consent("usr_1", "gmail.read") == LIVE | {
        "allowed": True,
        "reason": None,
        "scope": "gmail.read",
        "expires_at": None,
    }
    assert verify_consent("usr_1", "calendar.read")["reason"] == "none"
    assert verify_consent("usr_2", "gmail.read")["reason"] == "none"


def test_withdraw_is_one_call_with_immediate_effect():
    record_consent("usr_1", "gmail.read")
    out = withdraw_consent("usr_1", "gmail.read")
    assert (out["ok"], out["withdrawn"]) == (True, True)
    verdict = verify_consent("usr_1", "gmail.read")
    assert (verdict["allowed"], verdict["reason"]) == (False, "withdrawn")
    assert withdraw_consent("usr_1", "gmail.read")["withdrawn"] is False  # nothing left
    record_consent("usr_1", "gmail.read")  # granting again works as before
    assert verify_consent("usr_1", "gmail.read")["allowed"] is True


def test_a_grant_expires(consent_ledger_clock):
    record_consent("usr_1", "gmail.read", expires_at=time.time() + 60)
    assert verify_consent("usr_1", "gmail.read")["allowed"] is True
    consent_ledger_clock.advance(61)
    verdict = verify_consent("usr_1", "gmail.read")
    assert (verdict["allowed"], verdict["reason"]) == (False, "expired")


def test_an_expiry_in_the_past_is_refused():
    out = record_consent("usr_1", "gmail.read", expires_at=time.time() - 1)
    assert out["ok"] is False
    assert (out["error"]["code"], out["error"]["field"]) == ("invalid_input", "expires_at")
    assert verify_consent("usr_1", "gmail.read")["reason"] == "none"


def test_export_gives_all_of_a_subjects_events_decrypted_as_json():
    record_consent("usr_1", "gmail.read", {"ip": "192.0.2.7"}, purpose="summaries")
    record_consent("usr_2", "gmail.read", {"ip": "198.51.100.1"})
    withdraw_consent("usr_1", "gmail.read")
    out = export_subject("usr_1")
    export = json.loads(json.dumps(out["export"]))  # JSON all the way down
    assert [(e["seq"], e["kind"]) for e in export["events"]] == [(1, "grant"), (3, "withdraw")]
    assert export["events"][0]["metadata"] == {"ip": "192.0.2.7"}
    assert export["events"][0]["purpose"] == "summaries"
    assert export["events"][0]["lawful_basis"] == "consent"
    assert export["consents"] == [
        {"scope": "gmail.read", "status": "withdrawn", "since_seq": 3, "expires_at": None}
    ]
    assert "198.51.100.1" not in json.dumps(export)


def test_erase_shreds_the_subject_and_the_chain_still_verifies(consent_ledger):
    record_consent("usr_1", "gmail.read", {"email": "alice@example.com"})
    record_consent("usr_2", "gmail.read")
    out = erase_subject("usr_1")
    assert (out["ok"], out["erased"], out["events"]) == (True, True, 1)
    assert verify_consent("usr_1", "gmail.read")["reason"] == "none"
    assert export_subject("usr_1")["export"]["events"] == []
    assert erase_subject("usr_1")["erased"] is False
    chain = verify_chain()
    assert (chain["valid"], chain["length"], chain["first_bad"]) == (True, 3, None)
    assert verify_consent("usr_2", "gmail.read")["allowed"] is True
    files = b"".join(p.read_bytes() for p in consent_ledger.path.parent.iterdir())
    assert b"usr_1" not in files
    assert b"alice@example.com" not in files


def test_verify_chain_names_the_first_edited_row(consent_ledger):
    for scope in ("a", "b", "c", "d"):
        record_consent("usr_1", scope)
    with sqlite3.connect(consent_ledger.path) as db:
        db.execute("DROP TRIGGER events_no_update")
        db.execute("UPDATE events SET scope = 'z' WHERE seq = 3")
    out = verify_chain()
    assert (out["ok"], out["valid"], out["first_bad"], out["problem"]) == (
        True,
        False,
        3,
        "altered",
    )
    assert out["length"] == 2


def test_a_damaged_file_is_a_refusal_not_an_exception(consent_ledger):
    consent_ledger.path.parent.mkdir(parents=True)
    consent_ledger.path.write_bytes(b"this is not a database" * 100)
    answers = [
        record_consent("usr_1", "gmail.read"),
        verify_consent("usr_1", "gmail.read"),
        withdraw_consent("usr_1", "gmail.read"),
        export_subject("usr_1"),
        erase_subject("usr_1"),
        verify_chain(),
    ]
    for out in answers:
        assert (out["ok"], out["provider"], out["error"]["code"]) == (
            False,
            "sqlite-ledger",
            "storage_corrupt",
        )
        assert str(consent_ledger.path) in out["error"]["message"]
    assert consent_ledger.path.read_bytes() == b"this is not a database" * 100


def test_both_flag_states_in_one_process(monkeypatch, consent_ledger):
    assert record_consent("usr_1", "gmail.read")["provider"] == "sqlite-ledger"
    monkeypatch.setenv(FEATURE_FLAG, "false")
    assert verify_consent("usr_1", "gmail.read")["provider"] == "null"
    monkeypatch.setenv(FEATURE_FLAG, "true")
    monkeypatch.setenv(DRY_RUN_MODE, "true")
    assert verify_consent("usr_1", "gmail.read")["provider"] == "null"
    monkeypatch.setenv(DRY_RUN_MODE, "false")
    assert verify_consent("usr_1", "gmail.read")["allowed"] is True
