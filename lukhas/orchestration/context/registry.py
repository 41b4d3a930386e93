"""The context slice's provider: a registered real bus when live, else the null one."""

from lukhas.orchestration.context.providers import ContextBusProvider
from lukhas.orchestration.context.providers.null_bus import NullContextBus
from lukhas.registry import ProviderRegistry

_registry = ProviderRegistry[ContextBusProvider](NullContextBus(), ContextBusProvider)

register = _registry.register
get_provider = _registry.get_provider
reset = _registry.reset
