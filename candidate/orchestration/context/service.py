"""ContextBusService: a context bus on its own event-loop thread, the slice's real provider.

Synchronous callers block until their handoff is settled; async callers on other loops
await it without blocking their loop. The loop thread starts at the first handoff, so a
service that is never used costs no thread.

A synchronous call from inside a running event loop is fine (it blocks that loop, and
the bus does not need it), except from the bus's own loop, a handler calling the
synchronous API, which could never be answered: that call raises RuntimeError at once.
"""

import asyncio
import logging
import threading
from collections.abc import Coroutine, Mapping
from concurrent.futures import Future
from dataclasses import replace
from typing import Any, TypeVar

from candidate.orchestration.context import metrics
from candidate.orchestration.context.bus import ContextBus
from candidate.orchestration.context.outcome import Outcome, Status
from candidate.orchestration.context.target import Handler, TargetConfig, check_seconds
from lukhas.orchestration.context.rate_limit import RateLimiter

T = TypeVar("T")

logger = logging.getLogger("candidate.orchestration.context")

ON_BUS_LOOP = (
    "a synchronous context handoff from the context bus's own event loop (a handler calling "
    "handoff_context) would wait for itself forever; await ahandoff_context(...) instead"
)


class ContextBusService:
    """The provider behind ``lukhas.orchestration.context`` (``handoff``/``ahandoff``).

    ``targets`` maps names to handlers, all with ``target_defaults`` (TargetConfig
    fields); ``add_target`` adds more, with their own options, from any thread.
    """

    name = metrics.PROVIDER_NAME

    def __init__(
        self,
        *,
        targets: Mapping[str, Handler] | None = None,
        limiter: RateLimiter | None = None,
        sla_ms: float = metrics.SLA_MS,
        **target_defaults: Any,
    ) -> None:
        self.bus = ContextBus(limiter=limiter, sla_ms=sla_ms)
        self._defaults = TargetConfig(**target_defaults)
        for name, handler in (targets or {}).items():
            self.add_target(name, handler)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    def add_target(self, name: str, handler: Handler, **options: Any) -> None:
        """Add target ``name``: the service's target defaults overridden by ``options``."""
        # A dict assignment, atomic for the loop thread that reads the targets.
        self.bus.add_target(name, handler, replace(self._defaults, **options))

    def handoff(self, ctx: Mapping[str, Any], target: str) -> dict[str, Any]:
        """Hand ``ctx`` to ``target`` and wait for the acknowledgement or the failure."""
        if self._on_bus_loop():
            raise RuntimeError(ON_BUS_LOOP)
        future = self._submit(self.bus.handoff(ctx, target))
        if future is None:
            return _answer(self._closed_outcome(target))
        return _answer(future.result())

    async def ahandoff(self, ctx: Mapping[str, Any], target: str) -> dict[str, Any]:
        """:meth:`handoff` for async callers, on any event loop."""
        if self._on_bus_loop():
            return _answer(await self.bus.handoff(ctx, target))
        future = self._submit(self.bus.handoff(ctx, target))
        if future is None:
            return _answer(self._closed_outcome(target))
        return _answer(await asyncio.wrap_future(future))

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` (a pipeline, say) on the bus's loop and wait for its result."""
        if self._on_bus_loop():
            coro.close()
            raise RuntimeError(ON_BUS_LOOP)
        future = self._submit(coro)
        if future is None:
            raise RuntimeError("the context bus service is closed")
        return future.result()

    def close(self, *, drain: bool = True, timeout: float = 5.0) -> bool:
        """Close the bus (see :meth:`ContextBus.close`) and stop its thread; True when every
        handoff was settled. If a handler ignores cancellation, the thread is left running
        so that its sender still gets an answer, and False is returned."""
        if self._on_bus_loop():
            raise RuntimeError("close the context bus service from another thread")
        check_seconds("timeout", timeout)
        with self._lock:
            if self._closed:
                return True
            self._closed = True
            loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return True
        closing = self.bus.close(drain=drain, timeout=timeout)
        settled = asyncio.run_coroutine_threadsafe(closing, loop).result()
        if not settled:
            logger.error("context bus closed with handoffs still unsettled; its thread stays up")
            return False
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        return True

    def _submit(self, coro: Coroutine[Any, Any, T]) -> Future[T] | None:
        with self._lock:
            if self._closed:
                coro.close()
                return None
            if self._loop is None:
                self._start()
            assert self._loop is not None
            return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def _start(self) -> None:
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=_run_loop, args=(loop,), name="context-bus", daemon=True)
        self._loop, self._thread = loop, thread
        thread.start()

    def _closed_outcome(self, target: object) -> Outcome:
        name = target if isinstance(target, str) else ""
        outcome = Outcome(Status.SHUTDOWN, name, 0.0)
        metrics.record(outcome, self.bus.sla_ms, configured=name in self.bus.targets())
        return outcome

    def _on_bus_loop(self) -> bool:
        thread = self._thread
        return thread is not None and thread.ident == threading.get_ident()


def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        loop.close()


def _answer(outcome: Outcome) -> dict[str, Any]:
    return {"ok": outcome.ok, "provider": metrics.PROVIDER_NAME, "mode": "live"} | outcome.as_dict()
