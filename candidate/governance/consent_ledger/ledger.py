"""SqliteLedger: the real provider behind ``lukhas.governance.consent_ledger``.

Every change is one durable SQLite transaction that appends an event to the hash chain
and updates the current state. Subjects appear in the log only under a random pseudonym;
their personal payload is sealed with their own data key. Erasure deletes that key and
the lookup that led to the pseudonym (crypto-shredding): the events stay, so the chain
still verifies, but nobody can read them or link them to the person any more.

Every method answers a dict and never raises for bad input or storage trouble: failures
are refusals (``ok: False``, ``error: {code, message}``) that changed nothing.
"""

import dataclasses
import hmac
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from candidate.governance.consent_ledger import chain, schema
from candidate.governance.consent_ledger.chain import Break, Event
from candidate.governance.consent_ledger.errors import LedgerError
from candidate.governance.consent_ledger.keys import (
    LedgerKeys,
    SealError,
    new_data_key,
    seal,
    unseal,
)
from candidate.governance.consent_ledger.storage import (
    connect,
    read_snapshot,
    storage_error,
    write_transaction,
)
from lukhas.dry_run import InvalidInput
from lukhas.governance.consent_ledger.validation import (
    EXPORT_FORMAT,
    ConsentEntry,
    consent_entry,
    subject,
    subject_scope,
)

NAME = "sqlite-ledger"
ERASE_SCOPE = "*"  # an erase event covers every scope of the subject

Result = dict[str, Any]
Fields = dict[str, Any]

_PAYLOAD_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"))

_FIELDS = tuple(field.name for field in dataclasses.fields(Event))
_COLUMNS = ", ".join(_FIELDS)
_INSERT_EVENT = f"INSERT INTO events ({_COLUMNS}, link) VALUES ({', '.join('?' * 12)})"
_SET_STATE = """INSERT INTO consent_state (subject, scope, status, seq, expires_ms)
    VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (subject, scope) DO UPDATE
    SET status = excluded.status, seq = excluded.seq, expires_ms = excluded.expires_ms"""
_CURRENT = """SELECT s.status, s.expires_ms FROM subject_keys k
    JOIN consent_state s ON s.subject = k.subject
    WHERE k.lookup = ? AND s.scope = ?"""
# The current state the events imply (the last grant or withdrawal per subject and scope,
# for subjects never erased), compared both ways with the stored one.
_STATE_MISMATCH = """
WITH last AS (
    SELECT e.subject, e.scope, e.kind, e.seq, e.expires_ms FROM events e
    JOIN (SELECT subject, scope, max(seq) AS seq FROM events
          WHERE kind IN ('grant', 'withdraw') GROUP BY subject, scope) m ON e.seq = m.seq
    WHERE e.subject NOT IN (SELECT subject FROM events WHERE kind = 'erase')
), implied AS (
    SELECT subject, scope, iif(kind = 'grant', 'granted', 'withdrawn') AS status, seq,
           iif(kind = 'grant', expires_ms, NULL) AS expires_ms FROM last
), stored AS (
    SELECT subject, scope, status, seq, expires_ms FROM consent_state
), mismatch AS (
    SELECT seq FROM (SELECT * FROM implied EXCEPT SELECT * FROM stored)
    UNION ALL
    SELECT seq FROM (SELECT * FROM stored EXCEPT SELECT * FROM implied)
)
SELECT min(seq), count(*) FROM mismatch"""


class SqliteLedger:
    """The consent ledger in one SQLite file; safe to share between threads, and between
    processes that open the same file.

    ``clock`` (Unix seconds) decides timestamps and expiry. The file is opened on first
    use, so constructing a ledger touches nothing.
    """

    name = NAME

    def __init__(
        self,
        path: str | os.PathLike[str],
        keys: LedgerKeys,
        *,
        busy_timeout_s: float = 5.0,
        read_only: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._keys = keys
        self._busy_timeout_s = busy_timeout_s
        self._clock = clock
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        self._ledger_id = b""
        self._closed = False

    def __repr__(self) -> str:
        return f"SqliteLedger({str(self.path)!r})"

    # -- the provider's methods (see lukhas.governance.consent_ledger.providers)

    def record(self, entry: Mapping[str, Any]) -> Result:
        return self._answer(lambda: self._grant(consent_entry(entry)))

    def verify_consent(self, user_id: str, scope: str) -> Result:
        return self._answer(lambda: self._verify(*subject_scope(user_id, scope)))

    def withdraw_consent(self, user_id: str, scope: str) -> Result:
        return self._answer(lambda: self._withdraw(*subject_scope(user_id, scope)))

    def export_subject(self, user_id: str) -> Result:
        return self._answer(lambda: self._export(subject(user_id)))

    def erase_subject(self, user_id: str) -> Result:
        return self._answer(lambda: self._erase(subject(user_id)))

    def verify_chain(self) -> Result:
        return self._answer(self._verify_chain)

    def close(self) -> None:
        """Close the file; later calls are refused."""
        with self._lock:
            self._closed = True
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    # -- operations: each returns the answer's fields or raises

    def _grant(self, consent: ConsentEntry) -> Fields:
        now = self._now_ms()
        expires_ms = None if consent.expires_at is None else round(consent.expires_at * 1000)
        if expires_ms is not None and expires_ms <= now:
            raise InvalidInput("expires_at", "expires_at must be in the future")
        lookup = self._keys.lookup(consent.user_id)
        with self._writing() as conn:
            pseudonym, data_key = self._subject_for_grant(conn, lookup)
            event, link = self._append(
                conn,
                "grant",
                pseudonym,
                consent.scope,
                now,
                sealed=(consent.metadata, data_key),
                purpose=consent.purpose,
                lawful_basis=consent.lawful_basis or "consent",
                notice_version=consent.notice_version,
                notice_hash=consent.notice_hash,
                expires_ms=expires_ms,
            )
            conn.execute(_SET_STATE, (pseudonym, consent.scope, "granted", event.seq, expires_ms))
        return {
            "seq": event.seq,
            "link": link.hex(),
            "subject": pseudonym,
            "scope": consent.scope,
            "recorded_at": _iso(now),
            "expires_at": _iso(expires_ms),
        }

    def _verify(self, user_id: str, scope: str) -> Fields:
        now = self._now_ms()
        lookup = self._keys.lookup(user_id)
        with self._lock:  # one statement sees one snapshot: no transaction needed
            row = self._connection().execute(_CURRENT, (lookup, scope)).fetchone()
        status = "none" if row is None else _status(row[0], row[1], now)
        allowed = status == "granted"
        expires_ms = None if row is None else row[1]
        return {
            "allowed": allowed,
            "reason": None if allowed else status,
            "scope": scope,
            "expires_at": _iso(expires_ms),
        }

    def _withdraw(self, user_id: str, scope: str) -> Fields:
        now = self._now_ms()
        lookup = self._keys.lookup(user_id)
        with self._writing() as conn:
            found = _find_subject(conn, lookup)
            state = None
            if found is not None:
                state = conn.execute(
                    "SELECT status FROM consent_state WHERE subject = ? AND scope = ?",
                    (found[0], scope),
                ).fetchone()
            if state is None or state[0] != "granted":
                return {"withdrawn": False, "scope": scope}
            event, link = self._append(conn, "withdraw", found[0], scope, now)
            conn.execute(_SET_STATE, (found[0], scope, "withdrawn", event.seq, None))
        return {"withdrawn": True, "scope": scope, "seq": event.seq, "link": link.hex()}

    def _export(self, user_id: str) -> Fields:
        now = self._now_ms()
        lookup = self._keys.lookup(user_id)
        with self._reading() as conn:
            found = _find_subject(conn, lookup)
            if found is None:
                rows, states = [], []
            else:
                rows = conn.execute(
                    f"SELECT {_COLUMNS}, link FROM events WHERE subject = ? ORDER BY seq",
                    (found[0],),
                ).fetchall()
                states = conn.execute(
                    "SELECT scope, status, seq, expires_ms FROM consent_state "
                    "WHERE subject = ? ORDER BY scope",
                    (found[0],),
                ).fetchall()
        data_key = None if found is None else self._unwrap(lookup, *found)
        events = [self._exported(Event(*row[:-1]), row[-1], data_key) for row in rows]
        consents = [
            {
                "scope": scope,
                "status": _status(status, expires_ms, now),
                "since_seq": seq,
                "expires_at": _iso(expires_ms),
            }
            for scope, status, seq, expires_ms in states
        ]
        pseudonym = None if found is None else found[0]
        export = {
            "format": EXPORT_FORMAT,
            "subject": pseudonym,
            "exported_at": _iso(now),
            "events": events,
            "consents": consents,
        }
        return {"export": export}

    def _erase(self, user_id: str) -> Fields:
        now = self._now_ms()
        lookup = self._keys.lookup(user_id)
        with self._lock:
            conn = self._connection()
            with write_transaction(conn):
                found = _find_subject(conn, lookup)
                if found is None:
                    return {"erased": False}
                pseudonym = found[0]
                count = conn.execute(
                    "SELECT count(*) FROM events WHERE subject = ?", (pseudonym,)
                ).fetchone()[0]
                event, link = self._append(conn, "erase", pseudonym, ERASE_SCOPE, now)
                conn.execute("DELETE FROM consent_state WHERE subject = ?", (pseudonym,))
                conn.execute("DELETE FROM subject_keys WHERE lookup = ?", (lookup,))
            # The deleted key's old page images sit in the WAL until a checkpoint resets
            # it; truncating it now is best effort (readers may hold it) and must not turn
            # a committed erasure into a refusal.
            wal_truncated = False
            with suppress(sqlite3.Error):
                wal_truncated = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
        return {
            "erased": True,
            "subject": pseudonym,
            "events": count,
            "seq": event.seq,
            "link": link.hex(),
            "wal_truncated": wal_truncated,
        }

    def _verify_chain(self) -> Fields:
        with self._lock:
            self._connection()  # opened, migrated and key-checked like for any call
        # A connection of its own, so a long walk does not hold up this ledger's writers.
        conn = connect(self.path, busy_timeout_s=self._busy_timeout_s, read_only=True)
        try:
            with read_snapshot(conn):
                return _walk(conn, self.path)
        finally:
            conn.close()

    # -- helpers

    def _answer(self, operation: Callable[[], Fields]) -> Result:
        try:
            fields = operation()
        except InvalidInput as problem:
            return refusal("invalid_input", problem.message, field=problem.field)
        except LedgerError as problem:
            return refusal(problem.code, problem.message)
        except sqlite3.Error as exc:
            problem = storage_error(exc, self.path)
            return refusal(problem.code, problem.message)
        except (TypeError, ValueError, OverflowError) as exc:
            # SQLite columns take any type: a row edited by hand can hold anything.
            message = (
                f"consent ledger {self.path}: a stored value has the wrong type or form "
                f"(edited outside the ledger?); run verify_chain ({exc})"
            )
            return refusal("storage_inconsistent", message)
        return {"ok": True, "provider": NAME, "mode": "live", **fields}

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._connection()
            with write_transaction(conn):
                yield conn

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._connection()
            with read_snapshot(conn):
                yield conn

    def _connection(self) -> sqlite3.Connection:
        """The open connection (call with the lock held); opens and prepares the file on
        first use, and again in a forked child (SQLite connections must not cross fork)."""
        if self._closed:
            raise LedgerError("closed", f"consent ledger {self.path}: the ledger was closed")
        if self._conn is not None and self._pid == os.getpid():
            return self._conn
        conn = connect(self.path, busy_timeout_s=self._busy_timeout_s, read_only=self.read_only)
        try:
            self._ledger_id = self._prepare(conn)
        except BaseException:
            conn.close()
            raise
        self._conn, self._pid = conn, os.getpid()
        return conn

    def _prepare(self, conn: sqlite3.Connection) -> bytes:
        """Migrate the schema and check the master key; return the ledger id."""
        schema.migrate(conn, read_only=self.read_only)
        fingerprint = _meta(conn, "key_fingerprint")
        if fingerprint is None and not self.read_only:
            with write_transaction(conn):
                conn.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('key_fingerprint', ?)",
                    (self._keys.fingerprint,),
                )
            fingerprint = _meta(conn, "key_fingerprint")
        if fingerprint is not None and not hmac.compare_digest(fingerprint, self._keys.fingerprint):
            raise LedgerError(
                "key_mismatch",
                f"consent ledger {self.path}: the configured master key is not the one this "
                "ledger was created with; configure the original key (nothing was read)",
            )
        ledger_id = _meta(conn, "ledger_id")
        if ledger_id is None:
            raise LedgerError("storage_inconsistent", f"consent ledger {self.path}: no ledger id")
        return ledger_id

    def _subject_for_grant(self, conn: sqlite3.Connection, lookup: bytes) -> tuple[str, bytes]:
        """The subject's pseudonym and data key, created on its first grant."""
        found = _find_subject(conn, lookup)
        if found is not None:
            return found[0], self._unwrap(lookup, *found)
        pseudonym, data_key = secrets.token_hex(16), new_data_key()
        wrapped = seal(self._keys.kek, data_key, lookup + pseudonym.encode())
        conn.execute("INSERT INTO subject_keys VALUES (?, ?, ?)", (lookup, pseudonym, wrapped))
        return pseudonym, data_key

    def _unwrap(self, lookup: bytes, pseudonym: str, wrapped: bytes) -> bytes:
        try:
            return unseal(self._keys.kek, wrapped, lookup + pseudonym.encode())
        except SealError:
            raise LedgerError(
                "storage_inconsistent",
                f"consent ledger {self.path}: a subject's data key does not decrypt "
                "(its row was edited)",
            ) from None

    def _append(
        self,
        conn: sqlite3.Connection,
        kind: str,
        pseudonym: str,
        scope: str,
        ts_ms: int,
        *,
        sealed: tuple[Mapping[str, Any], bytes] | None = None,
        **terms: Any,
    ) -> tuple[Event, bytes]:
        """Append an event at the next position (inside a write transaction), with the
        ``sealed`` (metadata, data key) as its payload; return the event and its link."""
        head_seq, prev = conn.execute("SELECT seq, link FROM chain_head").fetchone()
        seq = head_seq + 1
        payload = None
        if sealed is not None:
            metadata, data_key = sealed
            plaintext = _PAYLOAD_JSON.encode(metadata).encode()
            payload = seal(data_key, plaintext, self._payload_aad(seq, pseudonym))
        event = Event(seq, kind, pseudonym, scope, ts_ms, payload=payload, **terms)
        link = chain.link(event, prev)
        values = [getattr(event, name) for name in _FIELDS]  # astuple deep-copies: slow
        conn.execute(_INSERT_EVENT, (*values, link))
        conn.execute("UPDATE chain_head SET seq = ?, link = ?", (seq, link))
        return event, link

    def _exported(self, event: Event, link: bytes, data_key: bytes | None) -> Fields:
        """One event as the subject sees it in an export, its metadata decrypted."""
        fields: Fields = {
            "seq": event.seq,
            "kind": event.kind,
            "scope": event.scope,
            "recorded_at": _iso(event.ts_ms),
        }
        if event.kind == "grant":
            fields |= {
                "purpose": event.purpose,
                "lawful_basis": event.lawful_basis,
                "notice_version": event.notice_version,
                "notice_hash": event.notice_hash,
                "expires_at": _iso(event.expires_ms),
                "metadata": self._metadata(event, data_key),
            }
        return fields | {"link": link.hex()}

    def _metadata(self, event: Event, data_key: bytes | None) -> Any:
        if event.payload is None or data_key is None:
            return None
        aad = self._payload_aad(event.seq, event.subject)
        try:
            return json.loads(unseal(data_key, event.payload, aad))
        except SealError:
            return {"error": "undecryptable: the stored payload was changed"}

    def _payload_aad(self, seq: int, pseudonym: str) -> bytes:
        # Binds a sealed payload to its ledger, position and subject: it cannot be moved.
        return self._ledger_id + seq.to_bytes(8, "big") + pseudonym.encode()

    def _now_ms(self) -> int:
        return round(self._clock() * 1000)


def refusal(code: str, message: str, field: str | None = None) -> Result:
    """The ledger's answer when an operation was refused and changed nothing."""
    error = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    return {"ok": False, "provider": NAME, "mode": "live", "error": error}


def _walk(conn: sqlite3.Connection, path: Path) -> Fields:
    """Verify the whole ledger in ``conn``'s snapshot."""
    problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        message = f"consent ledger {path}: SQLite's quick_check failed: {problems[0]}"
        raise LedgerError("storage_corrupt", message + " (restore it from a backup)")
    ledger_id = _meta(conn, "ledger_id")
    head = conn.execute("SELECT seq, link FROM chain_head").fetchone()
    if ledger_id is None or head is None:
        message = f"consent ledger {path}: the ledger id or the chain head is missing"
        raise LedgerError("storage_inconsistent", message)
    rows = conn.execute(f"SELECT {_COLUMNS}, link FROM events ORDER BY seq")
    walk = chain.first_break(
        ((Event(*row[:-1]), row[-1]) for row in rows), chain.genesis(ledger_id)
    )
    broken = walk.broken or chain.head_break(walk, *head) or _state_break(conn)
    return {
        "valid": broken is None,
        "length": walk.length,
        "head": walk.last_link.hex(),
        "first_bad": None if broken is None else broken.position,
        "problem": None if broken is None else broken.problem,
        "message": None if broken is None else broken.message,
    }


def _state_break(conn: sqlite3.Connection) -> Break | None:
    first, count = conn.execute(_STATE_MISMATCH).fetchone()
    if not count:
        return None
    message = f"{count} current-state row(s) disagree with the events, the first at {first}"
    return Break(first, "state", message)


def _find_subject(conn: sqlite3.Connection, lookup: bytes) -> tuple[str, bytes] | None:
    """The subject's pseudonym and wrapped data key, or None if unknown or erased."""
    return conn.execute(
        "SELECT subject, data_key FROM subject_keys WHERE lookup = ?", (lookup,)
    ).fetchone()


def _meta(conn: sqlite3.Connection, name: str) -> bytes | None:
    row = conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
    return None if row is None else row[0]


def _status(status: str, expires_ms: int | None, now_ms: int) -> str:
    if status == "granted" and expires_ms is not None and expires_ms <= now_ms:
        return "expired"
    return status


def _iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
