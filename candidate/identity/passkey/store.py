"""SQLite storage: pending challenges, credentials, fallback passwords. No personal data.

Users are stored under a keyed pseudonym (HMAC-SHA256 of the caller's user id); the raw
user id, user name and display name are never written. WAL mode with
``synchronous=NORMAL`` keeps sign-ins fast (a commit survives a crash of the process; a
power loss may lose the last moments of challenge uses and sign counts); registrations and
password changes commit with ``synchronous=FULL``, durable against power loss too.
"""

import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS challenges (
    digest BLOB PRIMARY KEY,  -- SHA-256 of the challenge: looked up by digest, not by secret
    challenge BLOB NOT NULL,
    ceremony TEXT NOT NULL,   -- 'registration' or 'authentication'
    owner TEXT,               -- the pseudonym the ceremony is for; NULL: any (discoverable)
    user_handle BLOB,         -- registration: the handle the options carried
    allowed TEXT,             -- JSON list of allowed credential ids (hex); NULL: any
    tier TEXT NOT NULL,
    expires_at REAL NOT NULL,
    used_at REAL
);
CREATE INDEX IF NOT EXISTS challenges_by_expiry ON challenges (expires_at);
CREATE TABLE IF NOT EXISTS credentials (
    id BLOB PRIMARY KEY,
    owner TEXT NOT NULL,
    user_handle BLOB NOT NULL,
    public_key BLOB NOT NULL,
    algorithm INTEGER NOT NULL,
    sign_count INTEGER NOT NULL,
    backup_eligible INTEGER NOT NULL,
    backed_up INTEGER NOT NULL,
    possibly_cloned INTEGER NOT NULL DEFAULT 0,
    transports TEXT NOT NULL,
    aaguid TEXT NOT NULL,
    fmt TEXT NOT NULL,
    created_at REAL NOT NULL,
    last_used_at REAL
);
CREATE INDEX IF NOT EXISTS credentials_by_owner ON credentials (owner);
CREATE TABLE IF NOT EXISTS passwords (
    owner TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    updated_at REAL NOT NULL
);
"""


class StoreError(Exception):
    """The database cannot be used (locked, read-only, corrupt, wrong schema version)."""


@dataclass(frozen=True)
class Challenge:
    challenge: bytes
    ceremony: str
    owner: str | None
    user_handle: bytes | None
    allowed: frozenset[bytes] | None
    tier: str


class ChallengeState:
    """Why a challenge could not be used."""

    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Credential:
    id: bytes
    owner: str
    user_handle: bytes
    public_key: bytes
    algorithm: int
    sign_count: int
    backup_eligible: bool
    backed_up: bool
    possibly_cloned: bool
    transports: tuple[str, ...]
    aaguid: str
    fmt: str


_CREDENTIAL_COLUMNS = (
    "id, owner, user_handle, public_key, algorithm, sign_count, backup_eligible, backed_up, "
    "possibly_cloned, transports, aaguid, fmt"
)


class Store:
    """One SQLite database, shared by threads (a lock) and processes (WAL, busy timeout)."""

    def __init__(self, path: Path, pseudonym_key: bytes | None = None) -> None:
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=5.0
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                raise StoreError(
                    f"{path}: schema version {version}, this code reads {SCHEMA_VERSION}"
                )
            self._db.executescript(
                f"BEGIN IMMEDIATE; {SCHEMA} PRAGMA user_version={SCHEMA_VERSION};"
            )
            self._db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('pseudonym_key', ?)",
                (secrets.token_bytes(32),),
            )
            self._db.execute("COMMIT")
            stored_key = self._db.execute(
                "SELECT value FROM meta WHERE key = 'pseudonym_key'"
            ).fetchone()[0]
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: {exc}") from exc
        self._key = pseudonym_key or stored_key

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # Pseudonyms ---------------------------------------------------------------------

    def pseudonym(self, user_id: str) -> str:
        """The stable, keyed pseudonym of ``user_id``: what storage, events and logs hold."""
        digest = hmac.new(self._key, b"user\x00" + _utf8(user_id), hashlib.sha256)
        return "u_" + digest.hexdigest()[:32]

    def user_handle(self, user_id: str) -> bytes:
        """The WebAuthn user handle of ``user_id``: 32 bytes, indistinguishable from random."""
        return hmac.new(self._key, b"handle\x00" + _utf8(user_id), hashlib.sha256).digest()

    # Challenges ---------------------------------------------------------------------

    def add_challenge(self, challenge: Challenge, now: float, expires_at: float) -> bool:
        """Record a pending challenge; False if the same challenge is still on record.

        Used and expired challenges are kept until they expire (so a replay is told apart
        from a never-issued challenge), then purged here.
        """
        allowed = (
            None
            if challenge.allowed is None
            else json.dumps(sorted(c.hex() for c in challenge.allowed))
        )
        with self._locked():
            self._db.execute("DELETE FROM challenges WHERE expires_at <= ?", (now,))
            try:
                self._db.execute(
                    "INSERT INTO challenges VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                    (
                        _digest(challenge.challenge),
                        challenge.challenge,
                        challenge.ceremony,
                        challenge.owner,
                        challenge.user_handle,
                        allowed,
                        challenge.tier,
                        expires_at,
                    ),
                )
            except sqlite3.IntegrityError:
                return False
        return True

    def use_challenge(self, challenge: bytes, now: float) -> Challenge | str:
        """Mark ``challenge`` used, atomically; its record, or a :class:`ChallengeState`."""
        digest = _digest(challenge)
        with self._locked():
            rows = self._db.execute(
                "UPDATE challenges SET used_at = ? "
                "WHERE digest = ? AND used_at IS NULL AND expires_at > ? "
                "RETURNING challenge, ceremony, owner, user_handle, allowed, tier",
                (now, digest, now),
            ).fetchall()  # fetch all: the statement (and its commit) completes only then
            row = rows[0] if rows else None
            if row is None:
                state = self._db.execute(
                    "SELECT used_at FROM challenges WHERE digest = ?", (digest,)
                ).fetchone()
        if row is None:
            if state is None:
                return ChallengeState.UNKNOWN
            return ChallengeState.USED if state[0] is not None else ChallengeState.EXPIRED
        stored, ceremony, owner, user_handle, allowed, tier = row
        if not hmac.compare_digest(stored, challenge):  # only on a SHA-256 collision
            return ChallengeState.UNKNOWN
        allowed_ids = (
            None if allowed is None else frozenset(bytes.fromhex(c) for c in json.loads(allowed))
        )
        return Challenge(stored, ceremony, owner, user_handle, allowed_ids, tier)

    # Credentials --------------------------------------------------------------------

    def add_credential(self, credential: Credential, now: float) -> bool:
        """Store a new credential durably; False if its id is already registered."""
        values = (
            credential.id,
            credential.owner,
            credential.user_handle,
            credential.public_key,
            credential.algorithm,
            credential.sign_count,
            credential.backup_eligible,
            credential.backed_up,
            credential.possibly_cloned,
            json.dumps(list(credential.transports)),
            credential.aaguid,
            credential.fmt,
            now,
        )
        with self._locked(durable=True):
            try:
                self._db.execute(
                    f"INSERT INTO credentials ({_CREDENTIAL_COLUMNS}, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    values,
                )
            except sqlite3.IntegrityError:
                return False
        return True

    def credential(self, credential_id: bytes) -> Credential | None:
        with self._locked():
            row = self._db.execute(
                f"SELECT {_CREDENTIAL_COLUMNS} FROM credentials WHERE id = ?", (credential_id,)
            ).fetchone()
        return None if row is None else _credential(row)

    def credentials_of(self, owner: str) -> list[Credential]:
        with self._locked():
            rows = self._db.execute(
                f"SELECT {_CREDENTIAL_COLUMNS} FROM credentials WHERE owner = ? "
                "ORDER BY created_at",
                (owner,),
            ).fetchall()
        return [_credential(row) for row in rows]

    def has_credentials(self, owner: str) -> bool:
        with self._locked():
            row = self._db.execute(
                "SELECT 1 FROM credentials WHERE owner = ? LIMIT 1", (owner,)
            ).fetchone()
        return row is not None

    def advance_sign_count(
        self, credential_id: bytes, sign_count: int, backed_up: bool, now: float
    ) -> bool:
        """Record a use; False when the stored count is not below ``sign_count`` (a rollback,
        or a concurrent use that got there first). Counters that stay 0 always advance."""
        with self._locked():
            cursor = self._db.execute(
                "UPDATE credentials SET sign_count = ?, backed_up = ?, last_used_at = ? "
                "WHERE id = ? AND (sign_count < ? OR (sign_count = 0 AND ? = 0))",
                (sign_count, backed_up, now, credential_id, sign_count, sign_count),
            )
        return cursor.rowcount == 1

    def flag_cloned(self, credential_id: bytes, backed_up: bool, now: float) -> None:
        """Mark a credential possibly cloned (its sign count went back); keep the count."""
        with self._locked():
            self._db.execute(
                "UPDATE credentials SET possibly_cloned = 1, backed_up = ?, last_used_at = ? "
                "WHERE id = ?",
                (backed_up, now, credential_id),
            )

    # Passwords ----------------------------------------------------------------------

    def password_hash(self, owner: str) -> str | None:
        with self._locked():
            row = self._db.execute(
                "SELECT hash FROM passwords WHERE owner = ?", (owner,)
            ).fetchone()
        return None if row is None else row[0]

    def set_password_hash(self, owner: str, password_hash: str, now: float) -> None:
        with self._locked(durable=True):
            self._db.execute(
                "INSERT INTO passwords VALUES (?, ?, ?) "
                "ON CONFLICT (owner) DO UPDATE "
                "SET hash = excluded.hash, updated_at = excluded.updated_at",
                (owner, password_hash, now),
            )

    # Plumbing -----------------------------------------------------------------------

    @contextmanager
    def _locked(self, durable: bool = False) -> Iterator[None]:
        """Statements under the lock, each its own transaction; sqlite3 errors become
        StoreError (its message names the error class, never a value)."""
        with self._lock:
            try:
                if durable:
                    self._db.execute("PRAGMA synchronous=FULL")
                try:
                    yield
                finally:
                    if durable:
                        self._db.execute("PRAGMA synchronous=NORMAL")
            except sqlite3.Error as exc:
                raise StoreError(type(exc).__name__) from exc


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # any str has a pseudonym


def _digest(challenge: bytes) -> bytes:
    return hashlib.sha256(challenge).digest()


def _credential(row: tuple) -> Credential:
    (cid, owner, handle, key, alg, count, be, bs, cloned, transports, aaguid, fmt) = row
    return Credential(
        cid, owner, handle, key, alg, count, bool(be), bool(bs), bool(cloned),
        tuple(json.loads(transports)), aaguid, fmt,
    )  # fmt: skip
