import pytest

from lukhas.governance.consent_ledger import FEATURE_FLAG, reset
from lukhas.observability import SINK_ENV


@pytest.fixture(autouse=True)
def defaults(monkeypatch):
    """Each test starts with no MATRIZ sink from the environment. The lukhas plugin sets the
    flags (all off, dry-run mode on, unless the test asks otherwise with ``feature_matrix``
    or ``feature_flags``). No provider stays registered after a test; the one registered
    before it (by the repository's testing plugin: the real ledger on a temporary file)
    is kept."""
    monkeypatch.delenv(SINK_ENV, raising=False)
    yield
    reset()


@pytest.fixture
def live_env(feature_flags):
    """The slice live: its flag on (which also turns dry-run mode off)."""
    feature_flags.set(**{FEATURE_FLAG: True})
