"""record_consent: the consent ledger's public API."""

from collections.abc import Mapping
from typing import Any

from lukhas.flags import live
from lukhas.governance.consent_ledger.registry import get_provider
from lukhas.observability import instrument

FEATURE_FLAG = "FEATURE_GOVERNANCE_LEDGER"


@instrument(
    "CONSENT", label="governance:record", capability="record_consent", salience=0.6, urgency=0.2
)
def record_consent(
    user_id: str, scope: str, metadata: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Record that ``user_id`` granted ``scope``.

    Answers ``{"ok": True, "provider", "mode", ...}``, or ``ok`` False with an ``error``
    for bad input. The real ledger answers only when live (see ``lukhas.flags.live``).
    """
    provider = get_provider(enabled=live(FEATURE_FLAG))
    entry = {"user_id": user_id, "scope": scope, "metadata": {} if metadata is None else metadata}
    return provider.record(entry)
