"""The passkey slice's provider: a registered real verifier when live, else the null one."""

from lukhas.identity.passkey.providers import PasskeyProvider
from lukhas.identity.passkey.providers.null_webauthn import NullWebAuthnProvider
from lukhas.registry import ProviderRegistry

_registry = ProviderRegistry[PasskeyProvider](NullWebAuthnProvider(), PasskeyProvider)

register = _registry.register
get_provider = _registry.get_provider
reset = _registry.reset
