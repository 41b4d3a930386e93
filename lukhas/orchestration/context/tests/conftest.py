import pytest

from lukhas.governance import consent_ledger
from lukhas.governance.consent_ledger.providers.null_consent import NullConsentProvider
from lukhas.observability import SINK_ENV
from lukhas.orchestration.context import FEATURE_FLAG, RateLimiter, reset, use_rate_limiter


@pytest.fixture(autouse=True)
def defaults(monkeypatch):
    """Each test starts with a fresh limiter and no MATRIZ sink from the environment. The
    lukhas plugin sets the flags (all off, dry-run mode on, unless the test asks otherwise
    with ``feature_matrix`` or ``feature_flags``). Providers are left as the repository's
    testing plugins registered them (the real bus and ledger, used only while their slice
    is live); whatever a test registers is reset afterwards."""
    monkeypatch.delenv(SINK_ENV, raising=False)
    use_rate_limiter(RateLimiter())
    yield
    reset()
    consent_ledger.reset()
    use_rate_limiter(RateLimiter())


@pytest.fixture
def live_env(feature_flags):
    """The slice live: its flag on (which also turns dry-run mode off)."""
    feature_flags.set(**{FEATURE_FLAG: True})


class FakeConsentLedger(NullConsentProvider):
    """A consent ledger that answers from a set of (user_id, scope) grants."""

    name = "fake-ledger"

    def __init__(self, *grants):
        self.grants = set(grants)
        self.asked = []

    def record(self, entry):
        self.grants.add((entry["user_id"], entry["scope"]))
        return {"ok": True, "provider": "fake-ledger", "mode": "live"}

    def verify_consent(self, user_id, scope):
        self.asked.append((user_id, scope))
        if (user_id, scope) in self.grants:
            return {"allowed": True, "reason": "granted"}
        return {"allowed": False, "reason": "none"}


@pytest.fixture
def consent_ledger_live(feature_flags):
    """The consent slice live with a fake ledger that holds no consent yet."""
    feature_flags.set(**{consent_ledger.FEATURE_FLAG: True})
    ledger = FakeConsentLedger()
    consent_ledger.register(ledger)
    return ledger
