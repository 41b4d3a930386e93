"""Token-bucket rate limiting, one bucket per tenant.

A bucket holds up to ``burst`` tokens and gains ``rate`` tokens per second; each granted
call takes one. Over any span of ``t`` seconds at most ``burst + rate * t`` calls are
granted.

Tenants are whatever callers name, so the table of buckets is pruned: a bucket that has
refilled answers exactly as a new one would, so it is forgotten once the table grows past
``prune_above`` (and past twice its size after the last pruning). The table then holds
about the tenants seen within the last ``burst / rate`` seconds, not every tenant ever.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# A safety valve against runaway loops, not a quota: high enough that benchmarks of
# thousands of back-to-back calls are never throttled. Deployments set their own.
DEFAULT_RATE = 100_000.0  # tokens per second, per tenant
DEFAULT_BURST = 100_000.0
DEFAULT_PRUNE_ABOVE = 1024  # buckets kept before refilled ones are forgotten


@dataclass
class TokenBucket:
    """A bucket's state; ``try_acquire(now)`` takes a token if one is there."""

    rate: float
    burst: float
    tokens: float
    updated: float

    def full(self, now: float) -> bool:
        """Whether the bucket has refilled by ``now`` (and so equals a new one)."""
        return now >= self.updated and self.tokens + (now - self.updated) * self.rate >= self.burst

    def try_acquire(self, now: float) -> bool:
        if now > self.updated:  # a clock that steps back adds nothing
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class RateLimiter:
    """Per-tenant token buckets; thread-safe; ``clock`` returns seconds (monotonic)."""

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        burst: float = DEFAULT_BURST,
        clock: Callable[[], float] = time.monotonic,
        prune_above: int = DEFAULT_PRUNE_ABOVE,
    ) -> None:
        if not rate > 0 or not burst >= 1:
            raise ValueError(f"rate must be > 0 and burst >= 1, got rate={rate}, burst={burst}")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._prune_above = prune_above
        self._prune_at = prune_above
        self._lock = threading.Lock()

    def try_acquire(self, tenant: str = "default") -> bool:
        """Take one token from ``tenant``'s bucket (full when first used); False if empty."""
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(tenant)
            if bucket is None:
                if len(self._buckets) >= self._prune_at:
                    self._prune(now)
                bucket = self._buckets[tenant] = TokenBucket(self.rate, self.burst, self.burst, now)
            return bucket.try_acquire(now)

    def tenants(self) -> int:
        """How many buckets the limiter holds."""
        return len(self._buckets)

    def _prune(self, now: float) -> None:
        self._buckets = {t: b for t, b in self._buckets.items() if not b.full(now)}
        self._prune_at = max(self._prune_above, 2 * len(self._buckets))
