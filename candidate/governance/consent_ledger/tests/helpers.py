"""Helpers shared by the ledger's tests."""

import sqlite3
from pathlib import Path

from candidate.governance.consent_ledger.ledger import SqliteLedger


def grant(ledger: SqliteLedger, user_id: str, scope: str, **terms) -> dict:
    """Record a grant through the provider; fail the test if it was refused."""
    metadata = terms.pop("metadata", {})
    out = ledger.record({"user_id": user_id, "scope": scope, "metadata": metadata, **terms})
    assert out["ok"], out
    return out


def tamper(path: Path, *statements: str) -> None:
    """Change the database as someone with the file could: triggers dropped first."""
    with sqlite3.connect(path) as db:
        db.execute("DROP TRIGGER IF EXISTS events_no_update")
        db.execute("DROP TRIGGER IF EXISTS events_no_delete")
        for statement in statements:
            db.execute(statement)
    db.close()


def all_bytes(directory: Path) -> bytes:
    """Every byte of every file in ``directory`` (the database, its WAL and shm)."""
    return b"".join(p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file())
