"""handoff_context and ahandoff_context: the context slice's public API.

Both draw from one per-tenant rate limiter (the tenant of the active
``lukhas.observability.trace``); when the tenant's bucket is empty they answer
``{"ok": False, "reason": "rate_limited", ...}`` without asking for a provider, so
their MATRIZ node carries no ``provider:`` label: no provider answered.
"""

from collections.abc import Mapping
from typing import Any

from lukhas.flags import live
from lukhas.observability import current_tenant, instrument
from lukhas.orchestration.context.rate_limit import RateLimiter
from lukhas.orchestration.context.registry import get_provider

FEATURE_FLAG = "FEATURE_ORCHESTRATION_HANDOFF"

_limiter = RateLimiter()


def use_rate_limiter(limiter: RateLimiter) -> None:
    """Make handoffs draw from ``limiter`` (a deployment's own rate and burst)."""
    global _limiter  # noqa: PLW0603 - the slice's one limiter, swapped whole
    _limiter = limiter


def _rate_limited(target: str) -> dict[str, Any] | None:
    """The refusal to answer if the current tenant's bucket is empty, else None."""
    tenant = current_tenant()
    if _limiter.try_acquire(tenant):
        return None
    return {"ok": False, "reason": "rate_limited", "tenant": tenant, "target": target}


@instrument(
    "CONTEXT",
    label="orchestration:handoff",
    capability="handoff_context",
    salience=0.4,
    urgency=0.7,
)
def handoff_context(ctx: Mapping[str, Any], target: str = "default") -> dict[str, Any]:
    """Hand ``ctx`` to ``target`` on the context bus (nothing is delivered in dry-run)."""
    enabled = live(FEATURE_FLAG)  # a malformed flag is refused before a token is taken
    return _rate_limited(target) or get_provider(enabled=enabled).handoff(ctx, target)


@instrument(
    "CONTEXT",
    label="orchestration:handoff",
    capability="ahandoff_context",
    salience=0.4,
    urgency=0.7,
)
async def ahandoff_context(ctx: Mapping[str, Any], target: str = "default") -> dict[str, Any]:
    """:func:`handoff_context` for async callers."""
    enabled = live(FEATURE_FLAG)
    return _rate_limited(target) or await get_provider(enabled=enabled).ahandoff(ctx, target)
