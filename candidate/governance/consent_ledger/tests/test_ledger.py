"""SqliteLedger: storage settings, pseudonyms, sealed payloads, erasure, tamper evidence."""

import json
import multiprocessing
import sqlite3

import pytest

from candidate.governance.consent_ledger.keys import LedgerKeys
from candidate.governance.consent_ledger.tests.helpers import all_bytes, grant, tamper


def test_the_connection_is_durable_wal_with_secure_delete(ledger):
    grant(ledger, "usr_1", "s")
    conn = ledger._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1


def test_constructing_a_ledger_touches_no_file(open_ledger, db_path):
    open_ledger()
    assert not db_path.parent.joinpath("ledger.db").exists()
    assert list(db_path.parent.iterdir()) == []


def test_the_raw_user_id_and_the_metadata_are_never_stored(ledger, db_path):
    grant(ledger, "alice@example.com", "newsletter", metadata={"phone": "+44 20 7946 0000"})
    ledger.withdraw_consent("alice@example.com", "newsletter")
    ledger.export_subject("alice@example.com")
    stored = all_bytes(db_path.parent)
    assert b"alice@example.com" not in stored
    assert b"+44 20 7946 0000" not in stored
    assert b"newsletter" in stored  # scopes are not personal: they stay readable


def test_a_subject_keeps_one_pseudonym_until_erased(ledger):
    first = grant(ledger, "usr_1", "a")["subject"]
    assert grant(ledger, "usr_1", "b")["subject"] == first
    assert grant(ledger, "usr_2", "a")["subject"] != first
    ledger.erase_subject("usr_1")
    assert grant(ledger, "usr_1", "a")["subject"] != first  # a new, unlinkable pseudonym


def test_erasure_shreds_the_key_and_leaves_the_events(ledger, db_path):
    pseudonym = grant(ledger, "usr_1", "a", metadata={"ip": "192.0.2.7"})["subject"]
    grant(ledger, "usr_1", "b")
    grant(ledger, "usr_2", "a")
    out = ledger.erase_subject("usr_1")
    assert out | {"link": None} == {
        "ok": True,
        "provider": "sqlite-ledger",
        "mode": "live",
        "erased": True,
        "subject": pseudonym,
        "events": 2,
        "seq": 4,
        "link": None,
        "wal_truncated": True,
    }
    with sqlite3.connect(db_path) as db:
        kinds = db.execute("SELECT kind FROM events WHERE subject = ?", (pseudonym,)).fetchall()
        keys = db.execute("SELECT count(*) FROM subject_keys").fetchone()[0]
        states = db.execute("SELECT count(*) FROM consent_state WHERE subject = ?", (pseudonym,))
        assert kinds == [("grant",), ("grant",), ("erase",)]
        assert keys == 1  # usr_2's
        assert states.fetchone()[0] == 0
    db.close()
    assert ledger.verify_chain()["valid"] is True
    assert ledger.verify_consent("usr_2", "a")["allowed"] is True
    assert ledger.export_subject("usr_1")["export"]["events"] == []


def test_the_wal_holds_no_copy_of_an_erased_key(ledger, db_path, keys):
    grant(ledger, "usr_1", "a")
    with sqlite3.connect(db_path) as db:
        (wrapped,) = db.execute("SELECT data_key FROM subject_keys").fetchone()
    db.close()
    assert ledger.erase_subject("usr_1")["wal_truncated"] is True
    assert wrapped not in all_bytes(db_path.parent)


def test_withdrawing_what_was_never_granted_records_nothing(ledger):
    assert ledger.withdraw_consent("usr_1", "a")["withdrawn"] is False
    grant(ledger, "usr_1", "a")
    assert ledger.withdraw_consent("usr_1", "b")["withdrawn"] is False
    assert ledger.verify_chain()["length"] == 1


def test_export_lists_each_event_with_its_terms(ledger):
    grant(
        ledger,
        "usr_1",
        "a",
        metadata={"n": 1},
        purpose="p",
        lawful_basis="contract",
        notice_version="v2",
        notice_hash="0f" * 32,
        expires_at=4_102_444_800,  # 2100-01-01
    )
    (event,) = ledger.export_subject("usr_1")["export"]["events"]
    assert event | {"recorded_at": None, "link": None} == {
        "seq": 1,
        "kind": "grant",
        "scope": "a",
        "recorded_at": None,
        "purpose": "p",
        "lawful_basis": "contract",
        "notice_version": "v2",
        "notice_hash": "0f" * 32,
        "expires_at": "2100-01-01T00:00:00.000Z",
        "metadata": {"n": 1},
        "link": None,
    }


def test_the_wrong_master_key_is_refused_before_anything_is_read(open_ledger):
    grant(open_ledger(), "usr_1", "a")
    other = open_ledger(keys=LedgerKeys.from_master(bytes(32)))
    out = other.verify_consent("usr_1", "a")
    assert (out["ok"], out["error"]["code"]) == (False, "key_mismatch")
    assert "original key" in out["error"]["message"]


def test_events_are_append_only_for_ordinary_sql(ledger, db_path):
    grant(ledger, "usr_1", "a")
    with sqlite3.connect(db_path) as db:
        for statement in ("UPDATE events SET scope = 'b'", "DELETE FROM events"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                db.execute(statement)
    db.close()


@pytest.mark.parametrize(
    ("statements", "position", "problem"),
    [
        (["UPDATE events SET ts_ms = ts_ms + 1 WHERE seq = 3"], 3, "altered"),
        (["UPDATE events SET payload = x'00' WHERE seq = 2"], 2, "altered"),
        (["DELETE FROM events WHERE seq = 2"], 2, "missing"),
        (["DELETE FROM events WHERE seq >= 4"], 4, "missing"),
        (  # reorder rows 2 and 4: swap everything but the position
            [
                "UPDATE events SET seq = -2 WHERE seq = 2",
                "UPDATE events SET seq = 2 WHERE seq = 4",
                "UPDATE events SET seq = 4 WHERE seq = -2",
            ],
            2,
            "altered",
        ),
        (["UPDATE chain_head SET link = zeroblob(32)"], 5, "altered"),
        (["UPDATE meta SET value = zeroblob(16) WHERE name = 'ledger_id'"], 1, "altered"),
        (["UPDATE consent_state SET status = 'granted' WHERE status = 'withdrawn'"], 5, "state"),
        (["DELETE FROM consent_state WHERE scope = 'b'"], 2, "state"),
        (["UPDATE consent_state SET expires_ms = NULL WHERE scope = 'c'"], 3, "state"),
    ],
)
def test_verify_chain_names_the_first_bad_position(ledger, db_path, statements, position, problem):
    grant(ledger, "usr_1", "a")
    grant(ledger, "usr_1", "b")
    grant(ledger, "usr_2", "c", expires_at=4_102_444_800)
    grant(ledger, "usr_2", "a")
    ledger.withdraw_consent("usr_2", "a")
    assert ledger.verify_chain()["valid"] is True
    tamper(db_path, *statements)
    out = ledger.verify_chain()
    assert (out["ok"], out["valid"], out["first_bad"], out["problem"]) == (
        True,
        False,
        position,
        problem,
    )
    assert out["message"]


def test_a_tampered_payload_does_not_decrypt_and_export_says_so(ledger, db_path):
    grant(ledger, "usr_1", "a", metadata={"n": 1})
    with sqlite3.connect(db_path) as db:
        (payload,) = db.execute("SELECT payload FROM events").fetchone()
    db.close()
    flipped = payload[:-1] + bytes([payload[-1] ^ 1])
    tamper(db_path, f"UPDATE events SET payload = x'{flipped.hex()}'")
    (event,) = ledger.export_subject("usr_1")["export"]["events"]
    assert event["metadata"] == {"error": "undecryptable: the stored payload was changed"}


def test_a_tampered_data_key_is_a_refusal(ledger, db_path):
    grant(ledger, "usr_1", "a")
    tamper(db_path, "UPDATE subject_keys SET data_key = zeroblob(60)")
    out = ledger.export_subject("usr_1")
    assert (out["ok"], out["error"]["code"]) == (False, "storage_inconsistent")


def test_a_closed_ledger_refuses(ledger):
    grant(ledger, "usr_1", "a")
    ledger.close()
    assert ledger.verify_consent("usr_1", "a")["error"]["code"] == "closed"


def _grant_in_child(ledger, queue):
    queue.put(ledger.record({"user_id": "child", "scope": "a", "metadata": {}})["ok"])


def test_a_forked_child_opens_its_own_connection(ledger):
    grant(ledger, "parent", "a")  # the parent's connection is open before the fork
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_grant_in_child, args=(ledger, queue))
    child.start()
    child.join(30)
    assert queue.get(timeout=5) is True
    grant(ledger, "parent", "b")
    assert ledger.verify_chain()["length"] == 3
    assert ledger.verify_consent("child", "a")["allowed"] is True


def test_answers_are_json_serialisable(ledger):
    answers = [
        grant(ledger, "usr_1", "a", metadata={"x": [1, 2]}),
        ledger.verify_consent("usr_1", "a"),
        ledger.export_subject("usr_1"),
        ledger.withdraw_consent("usr_1", "a"),
        ledger.verify_chain(),
        ledger.erase_subject("usr_1"),
    ]
    assert json.loads(json.dumps(answers)) == answers


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE subject_keys SET data_key = 'text'",
        "UPDATE events SET payload = 'text', ts_ms = 'noon'",
        "UPDATE consent_state SET expires_ms = 'soon'",
        "UPDATE chain_head SET seq = 'last'",
    ],
)
def test_values_of_the_wrong_type_are_refusals_not_exceptions(ledger, db_path, statement):
    grant(ledger, "usr_1", "a", metadata={"n": 1}, expires_at=4_102_444_800)
    tamper(db_path, statement)
    answers = [
        ledger.record({"user_id": "usr_1", "scope": "b", "metadata": {}}),
        ledger.verify_consent("usr_1", "a"),
        ledger.export_subject("usr_1"),
        ledger.verify_chain(),
        ledger.withdraw_consent("usr_1", "a"),
        ledger.erase_subject("usr_1"),
    ]
    assert any(not out["ok"] or out.get("valid") is False for out in answers)
    for out in answers:
        assert out["ok"] or out["error"]["code"] == "storage_inconsistent", out
