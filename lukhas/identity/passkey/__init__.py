"""Passkey verification: check a WebAuthn assertion (PublicKeyCredential JSON), and run the
registration and authentication ceremonies around it.

Dry-run by default: the null provider checks the input's shape only and verifies no
signature, so its answers say ``"mode": "dry_run"`` and ``"verified": False`` (while
``ok`` is true for well-formed input). Callers must require ``mode == "live"`` and
``verified is True`` before treating an answer as a verification. The real provider is
used only when ``FEATURE_IDENTITY_PASSKEY`` is on and ``LUKHAS_DRY_RUN_MODE`` is off.
"""

from lukhas.identity.passkey.api import (
    FEATURE_FLAG,
    passkey_authentication_options,
    passkey_registration_options,
    register_passkey,
    verify_passkey,
)
from lukhas.identity.passkey.providers import PasskeyCeremonies, PasskeyProvider
from lukhas.identity.passkey.registry import get_provider, register, reset

__all__ = [
    "FEATURE_FLAG",
    "PasskeyCeremonies",
    "PasskeyProvider",
    "get_provider",
    "passkey_authentication_options",
    "passkey_registration_options",
    "register",
    "register_passkey",
    "reset",
    "verify_passkey",
]
