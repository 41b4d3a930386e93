"""Context handoff: pass a context to a target on the context bus, rate limited per tenant.

Dry-run by default: the null bus validates the handoff and delivers nothing. The real bus
is used only when ``FEATURE_ORCHESTRATION_HANDOFF`` is on and ``LUKHAS_DRY_RUN_MODE`` is
off.
"""

from lukhas.orchestration.context.api import (
    FEATURE_FLAG,
    ahandoff_context,
    handoff_context,
    use_rate_limiter,
)
from lukhas.orchestration.context.providers import ContextBusProvider
from lukhas.orchestration.context.rate_limit import RateLimiter
from lukhas.orchestration.context.registry import get_provider, register, reset

__all__ = [
    "FEATURE_FLAG",
    "ContextBusProvider",
    "RateLimiter",
    "ahandoff_context",
    "get_provider",
    "handoff_context",
    "register",
    "reset",
    "use_rate_limiter",
]
