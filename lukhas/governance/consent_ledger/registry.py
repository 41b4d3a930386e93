"""The consent ledger's provider: a registered real ledger when live, else the null one."""

from lukhas.governance.consent_ledger.providers import ConsentProvider
from lukhas.governance.consent_ledger.providers.null_consent import NullConsentProvider
from lukhas.registry import ProviderRegistry

_registry = ProviderRegistry[ConsentProvider](NullConsentProvider(), ConsentProvider)

register = _registry.register
get_provider = _registry.get_provider
registered = _registry.registered
reset = _registry.reset
