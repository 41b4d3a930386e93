"""Passkey verification: check a WebAuthn assertion (PublicKeyCredential JSON).

Dry-run by default: the null provider checks the assertion's shape only and verifies no
signature, so its answer says ``"mode": "dry_run"``; only an answer with ``"mode":
"live"`` comes from a real verifier. The real one is used only when
``FEATURE_IDENTITY_PASSKEY`` is on and ``LUKHAS_DRY_RUN_MODE`` is off.
"""

from lukhas.identity.passkey.api import FEATURE_FLAG, verify_passkey
from lukhas.identity.passkey.providers import PasskeyProvider
from lukhas.identity.passkey.registry import get_provider, register, reset

__all__ = ["FEATURE_FLAG", "PasskeyProvider", "get_provider", "register", "reset", "verify_passkey"]
