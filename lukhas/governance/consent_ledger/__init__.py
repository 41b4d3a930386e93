"""Consent ledger: record, verify and withdraw consent; export and erase a subject; guard
calls by consent.

Dry-run by default: the null provider answers without side effects. The real ledger is
used only when ``FEATURE_GOVERNANCE_LEDGER`` is on and ``LUKHAS_DRY_RUN_MODE`` is off.
``consent_required`` guards functions of other slices that process personal data.
"""

from lukhas.governance.consent_ledger.api import (
    FEATURE_FLAG,
    erase_subject,
    export_subject,
    record_consent,
    verify_chain,
    verify_consent,
    withdraw_consent,
)
from lukhas.governance.consent_ledger.consent_gate import ConsentVerifier, consent_required
from lukhas.governance.consent_ledger.providers import ConsentProvider
from lukhas.governance.consent_ledger.registry import get_provider, register, reset

__all__ = [
    "FEATURE_FLAG",
    "ConsentProvider",
    "ConsentVerifier",
    "consent_required",
    "erase_subject",
    "export_subject",
    "get_provider",
    "record_consent",
    "register",
    "reset",
    "verify_chain",
    "verify_consent",
    "withdraw_consent",
]
