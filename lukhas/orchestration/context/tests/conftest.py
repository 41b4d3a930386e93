import pytest

from lukhas.flags import DRY_RUN_MODE
from lukhas.observability import SINK_ENV
from lukhas.orchestration.context import FEATURE_FLAG, RateLimiter, reset, use_rate_limiter


@pytest.fixture(autouse=True)
def defaults(monkeypatch):
    """Each test starts from the defaults: flags unset and a fresh limiter. The provider is
    left as the repository's test plugin registered it (the real bus, used only while the
    slice is live); tests that register their own are reset afterwards."""
    for name in (FEATURE_FLAG, DRY_RUN_MODE, SINK_ENV):
        monkeypatch.delenv(name, raising=False)
    use_rate_limiter(RateLimiter())
    yield
    reset()
    use_rate_limiter(RateLimiter())


@pytest.fixture
def live_env(monkeypatch):
    monkeypatch.setenv(FEATURE_FLAG, "true")
    monkeypatch.setenv(DRY_RUN_MODE, "false")
