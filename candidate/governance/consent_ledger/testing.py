"""pytest plugin: the real consent ledger in tests, on a temporary file.

Listed in ``pytest_plugins`` of the repository's root ``conftest.py``. Its autouse
fixture ``consent_ledger`` registers, for every test, a fresh SQLite ledger as the
consent slice's provider and resets the registry afterwards. The registry hands it out
only while the slice is live (``FEATURE_GOVERNANCE_LEDGER`` on, dry-run mode off), so
flag-on tests run against the real ledger, whether they turn the flag on in a fixture or
in the test body; flag-off tests get the null provider. The ledger opens its file on
first use, so a flag-off test creates no file.
"""

import itertools
import time
from collections.abc import Iterator

import pytest

from candidate.governance.consent_ledger.bootstrap import build
from candidate.governance.consent_ledger.keys import new_master_key
from candidate.governance.consent_ledger.ledger import SqliteLedger
from lukhas.governance.consent_ledger import register, reset

_ledger_numbers = itertools.count(1)


class LedgerClock:
    """The ledger's clock in tests: the real time plus an offset a test can advance."""

    def __init__(self) -> None:
        self.offset_s = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset_s

    def advance(self, seconds: float) -> None:
        self.offset_s += seconds


@pytest.fixture(scope="session")
def consent_ledger_key() -> str:
    """The master key (base64) of the test ledgers: a fresh one per session."""
    return new_master_key()


@pytest.fixture
def consent_ledger_clock() -> LedgerClock:
    """The clock of this test's ledger; ``advance(seconds)`` to reach an expiry."""
    return LedgerClock()


@pytest.fixture(autouse=True)
def consent_ledger(
    tmp_path_factory: pytest.TempPathFactory,
    consent_ledger_key: str,
    consent_ledger_clock: LedgerClock,
) -> Iterator[SqliteLedger]:
    """This test's real ledger (its ``path`` is the SQLite file), registered as the
    consent slice's provider for the test."""
    directory = tmp_path_factory.getbasetemp() / "consent-ledgers" / str(next(_ledger_numbers))
    ledger = build(path=directory / "ledger.db", key=consent_ledger_key, clock=consent_ledger_clock)
    register(ledger)
    yield ledger
    reset()
    ledger.close()
