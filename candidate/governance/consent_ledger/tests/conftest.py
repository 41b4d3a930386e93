from collections.abc import Callable
from pathlib import Path

import pytest

from candidate.governance.consent_ledger.keys import LedgerKeys
from candidate.governance.consent_ledger.ledger import SqliteLedger

MASTER = bytes(range(32))


@pytest.fixture
def keys() -> LedgerKeys:
    return LedgerKeys.from_master(MASTER)


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "ledger.db"


@pytest.fixture
def open_ledger(db_path, keys) -> Callable[..., SqliteLedger]:
    """Open ledgers on ``db_path`` (keyword arguments as SqliteLedger's); all closed after."""
    opened: list[SqliteLedger] = []

    def open_(**options) -> SqliteLedger:
        ledger = SqliteLedger(options.pop("path", db_path), options.pop("keys", keys), **options)
        opened.append(ledger)
        return ledger

    yield open_
    for ledger in opened:
        ledger.close()


@pytest.fixture
def ledger(open_ledger) -> SqliteLedger:
    return open_ledger()
