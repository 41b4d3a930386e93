import pytest

from lukhas.identity.passkey import FEATURE_FLAG, reset
from lukhas.observability import SINK_ENV


@pytest.fixture(autouse=True)
def defaults(monkeypatch):
    """Each test starts with no real provider and no sink from the environment.

    The lukhas plugin sets the flags: all off and dry-run mode on, unless the test asks
    otherwise (``feature_matrix``, ``feature_flags``).
    """
    monkeypatch.delenv(SINK_ENV, raising=False)
    reset()
    yield
    reset()


@pytest.fixture
def live_env(feature_flags):
    """The slice live: its flag on (which also turns dry-run mode off)."""
    feature_flags.set(**{FEATURE_FLAG: True})
