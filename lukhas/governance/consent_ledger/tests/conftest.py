import pytest

from lukhas.flags import DRY_RUN_MODE
from lukhas.governance.consent_ledger import FEATURE_FLAG, reset
from lukhas.observability import SINK_ENV


@pytest.fixture(autouse=True)
def defaults(monkeypatch):
    """Each test starts from the defaults: flag and dry-run mode unset. No provider stays
    registered after a test; the one registered before it (by the repository's testing
    plugin: the real ledger on a temporary file) is kept."""
    for name in (FEATURE_FLAG, DRY_RUN_MODE, SINK_ENV):
        monkeypatch.delenv(name, raising=False)
    yield
    reset()


@pytest.fixture
def live_env(monkeypatch):
    monkeypatch.setenv(FEATURE_FLAG, "true")
    monkeypatch.setenv(DRY_RUN_MODE, "false")
