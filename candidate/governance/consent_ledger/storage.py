"""SQLite connections with durable commits, write transactions, and clear storage errors.

Durability: the database runs in WAL mode with ``synchronous=FULL``, so every COMMIT
fsyncs (``fdatasync`` on Linux) the write-ahead log before it returns: an acknowledged
record survives a crash of the process and of the machine (power loss included, on a
disk that honours flushes). ``synchronous=NORMAL``, the usual WAL setting, syncs only at
checkpoints and may lose the last commits on power loss. SQLite also syncs the directory
when it creates the WAL file. ``fullfsync`` makes macOS flush the drive cache too.
``secure_delete`` overwrites deleted rows, so an erased subject's key does not linger in
free pages.
"""

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote

from candidate.governance.consent_ledger.errors import LedgerError

PRAGMAS = (
    "PRAGMA synchronous=FULL",
    "PRAGMA fullfsync=ON",
    "PRAGMA checkpoint_fullfsync=ON",
    "PRAGMA secure_delete=ON",
    "PRAGMA trusted_schema=OFF",
)

SQLITE_BUSY = 5

# Primary SQLite result codes (the low byte of an extended code) -> (refusal code, advice).
_REFUSALS = {
    3: ("storage_read_only", "permission denied; make the file and its directory writable"),
    5: ("storage_busy", "another connection held the lock past the busy timeout; retry"),
    6: ("storage_busy", "a table was locked by another connection; retry"),
    8: ("storage_read_only", "the file, its directory or its mount is read-only"),
    10: ("storage_io_error", "the disk reported an I/O error; check the disk"),
    11: ("storage_corrupt", "the file is damaged; restore it from a backup, then verify_chain"),
    13: ("storage_full", "the disk is full; free space, then retry"),
    14: ("storage_unavailable", "the file cannot be opened; check the path and its directory"),
    19: ("storage_inconsistent", "the tables disagree (edited outside the ledger?); verify_chain"),
    26: ("storage_corrupt", "the file is not an SQLite database; check the configured path"),
}


def connect(path: Path, *, busy_timeout_s: float, read_only: bool) -> sqlite3.Connection:
    """Open ``path`` (created unless ``read_only``) with the ledger's durability settings."""
    if not read_only:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LedgerError(
                "storage_unavailable", f"cannot create the directory of {path}: {exc.strerror}"
            ) from None
    uri = f"file:{quote(str(path))}?mode={'ro' if read_only else 'rwc'}"
    conn = sqlite3.connect(
        uri,
        uri=True,
        timeout=busy_timeout_s,
        isolation_level=None,  # explicit BEGIN/COMMIT only
        check_same_thread=False,  # the ledger serialises use with its own lock
    )
    try:
        query = "PRAGMA journal_mode" if read_only else "PRAGMA journal_mode=WAL"
        mode = _journal_mode(conn, query, busy_timeout_s)
        if mode != "wal" and not read_only:
            raise LedgerError(
                "storage_unavailable",
                f"{path} cannot use WAL mode (journal_mode is {mode}): put the ledger on a "
                "local file system that supports shared memory",
            )
        for pragma in PRAGMAS:
            conn.execute(pragma)
    except BaseException:
        conn.close()
        raise
    return conn


def _journal_mode(conn: sqlite3.Connection, query: str, busy_timeout_s: float) -> str:
    """Run the journal-mode pragma, retrying while the file is busy, up to the timeout.

    Switching a new file to WAL needs it to itself: while other processes open or switch
    the same new file, SQLite answers SQLITE_BUSY at once, without waiting the busy
    timeout as it does for a transaction's lock.
    """
    deadline = time.monotonic() + busy_timeout_s
    pause = 0.001
    while True:
        try:
            return conn.execute(query).fetchone()[0]
        except sqlite3.OperationalError as exc:
            busy = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF == SQLITE_BUSY
            if not busy or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: takes the write lock up front (``BEGIN IMMEDIATE``, waiting up
    to the busy timeout), commits durably on success, rolls back on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            with suppress(sqlite3.Error):  # keep the error that stopped the transaction
                conn.execute("ROLLBACK")
        raise


@contextmanager
def read_snapshot(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Several reads that see one consistent state of the database."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


def storage_error(exc: sqlite3.Error, path: Path) -> LedgerError:
    """The refusal for an SQLite error: a stable code, and a message naming the file,
    SQLite's own words and what to do."""
    primary = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    code, advice = _REFUSALS.get(primary, ("storage_error", "see SQLite's message"))
    return LedgerError(code, f"consent ledger {path}: {exc} ({advice})")
