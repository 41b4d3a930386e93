"""Consent ledger: record that a user granted a consent scope.

Dry-run by default: the null provider answers without side effects. The real ledger is
used only when ``FEATURE_GOVERNANCE_LEDGER`` is on and ``LUKHAS_DRY_RUN_MODE`` is off.
"""

from lukhas.governance.consent_ledger.api import FEATURE_FLAG, record_consent
from lukhas.governance.consent_ledger.providers import ConsentProvider
from lukhas.governance.consent_ledger.registry import get_provider, register, reset

__all__ = ["FEATURE_FLAG", "ConsentProvider", "get_provider", "record_consent", "register", "reset"]
