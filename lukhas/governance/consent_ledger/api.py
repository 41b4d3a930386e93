"""The consent ledger's public API: record, verify, withdraw, export, erase, verify the chain.

Each function emits one MATRIZ node (see ``matriz_emit_points`` in the manifest) holding no
argument or answer, so no personal data. The real ledger answers only when the slice is
live (``lukhas.flags.live``); otherwise the null provider does.
"""

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
    user_id: str,
    scope: str,
    metadata: Mapping[str, Any] | None = None,
    *,
    purpose: str | None = None,
    lawful_basis: str | None = None,
    notice_version: str | None = None,
    notice_hash: str | None = None,
    expires_at: float | None = None,
) -> dict[str, Any]:
    """Record that ``user_id`` granted ``scope``.

    Optional terms: the ``purpose``, the ``lawful_basis`` (GDPR Art. 6(1), default
    ``"consent"``), the version and SHA-256 (hex) of the notice shown, and ``expires_at``
    (Unix time in seconds). Answers ``{"ok": True, "provider", "mode", ...}``, or ``ok``
    False with an ``error`` for bad input. The real ledger answers only when live.
    """
    provider = get_provider(enabled=live(FEATURE_FLAG))
    entry = {"user_id": user_id, "scope": scope, "metadata": {} if metadata is None else metadata}
    terms = {
        "purpose": purpose,
        "lawful_basis": lawful_basis,
        "notice_version": notice_version,
        "notice_hash": notice_hash,
        "expires_at": expires_at,
    }
    entry.update((name, value) for name, value in terms.items() if value is not None)
    return provider.record(entry)


@instrument(
    "CONSENT", label="governance:verify", capability="verify_consent", salience=0.6, urgency=0.8
)
def verify_consent(user_id: str, scope: str) -> dict[str, Any]:
    """Whether ``user_id`` consents to ``scope`` now.

    Answers ``allowed`` and ``reason``: None when allowed, else ``"none"`` (never
    granted, or erased), ``"withdrawn"`` or ``"expired"``. Trust it as a decision only
    when ``mode`` is ``"live"``: in dry-run mode every well-formed request is allowed.
    """
    return get_provider(enabled=live(FEATURE_FLAG)).verify_consent(user_id, scope)


@instrument(
    "CONSENT",
    label="governance:withdraw",
    capability="withdraw_consent",
    salience=0.6,
    urgency=0.8,
)
def withdraw_consent(user_id: str, scope: str) -> dict[str, Any]:
    """Withdraw ``user_id``'s consent to ``scope``, with immediate effect (GDPR Art. 7(3)).

    Answers ``withdrawn``: whether a grant was in force and is now withdrawn.
    """
    return get_provider(enabled=live(FEATURE_FLAG)).withdraw_consent(user_id, scope)


@instrument(
    "CONSENT", label="governance:export", capability="export_subject", salience=0.5, urgency=0.3
)
def export_subject(user_id: str) -> dict[str, Any]:
    """All of ``user_id``'s consent events, decrypted, as JSON-serialisable ``export``
    (GDPR Art. 15 and 20)."""
    return get_provider(enabled=live(FEATURE_FLAG)).export_subject(user_id)


@instrument(
    "CONSENT", label="governance:erase", capability="erase_subject", salience=0.7, urgency=0.5
)
def erase_subject(user_id: str) -> dict[str, Any]:
    """Erase ``user_id`` (GDPR Art. 17) by crypto-shredding: the subject's key is deleted,
    so its events can no longer be read or linked to the person; the chain still verifies.

    Answers ``erased``: whether the ledger knew the subject.
    """
    return get_provider(enabled=live(FEATURE_FLAG)).erase_subject(user_id)


@instrument(
    "VALIDATION",
    label="governance:verify_chain",
    capability="verify_chain",
    salience=0.5,
    urgency=0.3,
)
def verify_chain() -> dict[str, Any]:
    """Check the ledger's hash chain: ``valid``, ``length``, and ``first_bad``, the first
    position at which a row was edited, deleted or reordered (None when valid)."""
    return get_provider(enabled=live(FEATURE_FLAG)).verify_chain()
