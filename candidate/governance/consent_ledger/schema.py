"""The ledger's tables, versioned with ``PRAGMA user_version`` and migrated in order.

``PRAGMA application_id`` marks the file as a consent ledger, so pointing the ledger at
another application's database is refused instead of adding tables to it. Each migration
runs in one write transaction with the version bump, so a crash leaves the old version or
the new one; processes that open a new ledger at once migrate it once.
"""

import secrets
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from candidate.governance.consent_ledger.chain import genesis
from candidate.governance.consent_ledger.errors import LedgerError
from candidate.governance.consent_ledger.storage import read_snapshot, write_transaction

APPLICATION_ID = 0x4C4B434C  # "LKCL"


@dataclass(frozen=True)
class Migration:
    """Brings the schema from ``version - 1`` to ``version``."""

    version: int
    description: str
    apply: Callable[[sqlite3.Connection], None]


_V1_TABLES = (
    # Append-only events; the triggers stop ordinary SQL from changing them (a person
    # editing the file can still do anything: verify_chain shows it).
    """CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('grant', 'withdraw', 'erase')),
        subject TEXT NOT NULL,
        scope TEXT NOT NULL,
        ts_ms INTEGER NOT NULL,
        purpose TEXT,
        lawful_basis TEXT,
        notice_version TEXT,
        notice_hash TEXT,
        expires_ms INTEGER,
        payload BLOB,
        link BLOB NOT NULL
    )""",
    "CREATE INDEX events_by_subject ON events (subject, seq)",
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'consent events are append-only'); END""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'consent events are append-only'); END""",
    # The last appended position and link, to detect rows cut off the end.
    """CREATE TABLE chain_head (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        seq INTEGER NOT NULL,
        link BLOB NOT NULL
    )""",
    # Mutable and deletable: a subject's lookup HMAC, pseudonym and wrapped data key.
    # Deleting the row is the erasure (crypto-shredding).
    """CREATE TABLE subject_keys (
        lookup BLOB PRIMARY KEY,
        subject TEXT NOT NULL UNIQUE,
        data_key BLOB NOT NULL
    ) WITHOUT ROWID""",
    # The current state per subject and scope, kept with each event (as fides keeps its
    # current preferences next to the preference history); verify_chain checks it.
    """CREATE TABLE consent_state (
        subject TEXT NOT NULL,
        scope TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('granted', 'withdrawn')),
        seq INTEGER NOT NULL,
        expires_ms INTEGER,
        PRIMARY KEY (subject, scope)
    ) WITHOUT ROWID""",
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID",
)


def _v1(conn: sqlite3.Connection) -> None:
    for statement in _V1_TABLES:
        conn.execute(statement)
    ledger_id = secrets.token_bytes(16)
    conn.execute("INSERT INTO meta VALUES ('ledger_id', ?)", (ledger_id,))
    conn.execute("INSERT INTO chain_head VALUES (1, 0, ?)", (genesis(ledger_id),))
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "events, chain head, subject keys, current state, meta", _v1),
)


def version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(
    conn: sqlite3.Connection,
    *,
    read_only: bool = False,
    migrations: Sequence[Migration] = MIGRATIONS,
) -> int:
    """Bring the ledger in ``conn`` to the latest schema; return the version it was at."""
    latest = migrations[-1].version if migrations else 0
    with read_snapshot(conn):  # one snapshot: another process may be creating the ledger
        found = _check_file(conn)
    if found > latest:
        raise LedgerError(
            "schema_too_new",
            f"the ledger's schema is version {found}, newer than this code knows ({latest}): "
            "upgrade the code before opening it",
        )
    if found == latest:
        return found
    if read_only:
        raise LedgerError(
            "schema_outdated",
            f"the ledger's schema is version {found}, this code needs {latest}: "
            "open it writable once to migrate it",
        )
    with write_transaction(conn):
        current = version(conn)  # another process may have migrated it meanwhile
        for migration in migrations:
            if migration.version > current:
                migration.apply(conn)
                conn.execute(f"PRAGMA user_version = {migration.version}")
    return found


def _check_file(conn: sqlite3.Connection) -> int:
    """The schema version, after checking the file belongs to a consent ledger."""
    application_id = conn.execute("PRAGMA application_id").fetchone()[0]
    found = version(conn)
    if application_id == APPLICATION_ID:
        return found
    has_tables = conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0] > 0
    if application_id == 0 and found == 0 and not has_tables:
        return 0  # a new, empty database
    raise LedgerError(
        "not_a_ledger",
        "the file is an SQLite database of another application (no consent ledger "
        "application_id): check the configured path",
    )
