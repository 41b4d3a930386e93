"""The versioned schema: migrations in order, once, and refusals for files it cannot own."""

import sqlite3

import pytest

from candidate.governance.consent_ledger import schema
from candidate.governance.consent_ledger.errors import LedgerError
from candidate.governance.consent_ledger.schema import APPLICATION_ID, MIGRATIONS, Migration
from candidate.governance.consent_ledger.storage import connect
from candidate.governance.consent_ledger.tests.helpers import grant


def open_db(path, read_only=False):
    return connect(path, busy_timeout_s=1.0, read_only=read_only)


def test_a_new_file_is_migrated_to_the_latest_version(db_path):
    conn = open_db(db_path)
    assert schema.migrate(conn) == 0
    assert schema.version(conn) == MIGRATIONS[-1].version
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_schema WHERE type='table'")}
    assert tables == {"events", "chain_head", "subject_keys", "consent_state", "meta"}
    assert schema.migrate(conn) == MIGRATIONS[-1].version  # nothing left to do
    conn.close()


@pytest.fixture
def one_event(ledger, db_path):
    """The path of a closed ledger holding one event."""
    grant(ledger, "usr_1", "a")
    ledger.close()
    return db_path


def with_next(apply) -> tuple[Migration, ...]:
    return (*MIGRATIONS, Migration(MIGRATIONS[-1].version + 1, "under test", apply))


def add_note(conn):
    conn.execute("ALTER TABLE consent_state ADD COLUMN note TEXT")


def test_a_later_migration_upgrades_a_ledger_and_keeps_its_events(one_event):
    conn = open_db(one_event)
    assert schema.migrate(conn, migrations=with_next(add_note)) == MIGRATIONS[-1].version
    assert schema.version(conn) == MIGRATIONS[-1].version + 1
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 1
    conn.close()


def test_a_failing_migration_leaves_the_old_version(one_event):
    def broken(conn):
        add_note(conn)
        conn.execute("THIS IS NOT SQL")

    conn = open_db(one_event)
    with pytest.raises(sqlite3.OperationalError):
        schema.migrate(conn, migrations=with_next(broken))
    assert schema.version(conn) == MIGRATIONS[-1].version
    columns = [row[1] for row in conn.execute("PRAGMA table_info(consent_state)")]
    assert "note" not in columns
    conn.close()


def test_a_ledger_from_newer_code_is_refused(one_event, open_ledger):
    with sqlite3.connect(one_event) as db:
        db.execute(f"PRAGMA user_version = {MIGRATIONS[-1].version + 1}")
    db.close()
    out = open_ledger().verify_consent("usr_1", "a")
    assert (out["ok"], out["error"]["code"]) == (False, "schema_too_new")
    assert "upgrade the code" in out["error"]["message"]


def test_another_applications_database_is_refused_and_left_alone(db_path, open_ledger):
    with sqlite3.connect(db_path) as db:
        db.execute("CREATE TABLE customers (name TEXT)")
    db.close()
    out = open_ledger().record({"user_id": "u", "scope": "s", "metadata": {}})
    assert (out["ok"], out["error"]["code"]) == (False, "not_a_ledger")
    with sqlite3.connect(db_path) as db:
        tables = db.execute("SELECT name FROM sqlite_schema").fetchall()
    db.close()
    assert tables == [("customers",)]


def test_read_only_never_migrates(db_path):
    sqlite3.connect(db_path).close()  # an empty file
    conn = open_db(db_path, read_only=True)
    with pytest.raises(LedgerError, match="open it writable once") as info:
        schema.migrate(conn, read_only=True)
    assert info.value.code == "schema_outdated"
    conn.close()
