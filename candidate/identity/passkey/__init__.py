"""The real passkey provider behind ``lukhas.identity.passkey``: WebAuthn on py_webauthn.

``bootstrap.wire(**config)`` registers :class:`WebAuthnProvider` when
``FEATURE_IDENTITY_PASSKEY`` is on and dry-run mode is off. ``testing`` is a pytest plugin
with fixtures for the slice's flag-on tests; ``soft_authenticator`` the software
authenticator they use.
"""

from candidate.identity.passkey.bootstrap import wire
from candidate.identity.passkey.config import PasskeyConfig
from candidate.identity.passkey.provider import WebAuthnProvider
from candidate.identity.passkey.refusals import Reason

__all__ = ["PasskeyConfig", "Reason", "WebAuthnProvider", "wire"]
