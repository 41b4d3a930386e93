"""The asyncio context bus: hand a context to a named target and await its acknowledgement.

No context is lost: every handoff gets exactly one :class:`Outcome`. An accepted handoff
is either delivered (its handler returned, once) or reported failed to its sender
(``shed``, ``timeout``, ``handler_error``, ``shutdown``; a cancelled sender sees its
CancelledError). A handler that is cancelled (deadline, cancelled sender, forced
shutdown) has not acknowledged: handlers must let CancelledError propagate.

A bus belongs to the event loop it is used on; :class:`ContextBusService` runs one on its
own thread for synchronous callers and other loops.
"""

import asyncio
import inspect
from collections.abc import Mapping
from time import perf_counter
from typing import Any

from candidate.orchestration.context import metrics
from candidate.orchestration.context.outcome import Outcome, Stage, Status, is_transient
from candidate.orchestration.context.target import (
    Envelope,
    Handler,
    Target,
    TargetConfig,
    TargetStats,
    check_seconds,
)
from lukhas.dry_run import InvalidInput, mapping, text
from lukhas.observability import current_tenant
from lukhas.orchestration.context.rate_limit import RateLimiter


class ContextBus:
    """Named targets with bounded queues, on one event loop.

    ``limiter``: a per-tenant token bucket (tenant of the active ``lukhas.observability``
    trace) that every handoff draws from; ``sla_ms``: handoffs slower than this are
    marked ``sla:breach`` in their node and logged.
    """

    name = metrics.PROVIDER_NAME

    def __init__(
        self, *, limiter: RateLimiter | None = None, sla_ms: float = metrics.SLA_MS
    ) -> None:
        check_seconds("sla_ms", sla_ms, "milliseconds")
        self.limiter = limiter
        self.sla_ms = sla_ms
        self._targets: dict[str, Target] = {}
        self._closing = False
        self._in_flight = 0  # handoffs placed at a target and not yet settled
        self._drained: asyncio.Event | None = None  # set by the last one to settle on close

    def add_target(
        self, name: str, handler: Handler, config: TargetConfig | None = None, **options: Any
    ) -> None:
        """Deliver handoffs to ``name`` by calling ``handler(ctx)``: its return value (or
        what it resolves to) is the acknowledgement. ``options`` are TargetConfig fields.

        A plain function runs on the bus's loop and holds it while it runs: keep it quick,
        or make it a coroutine function (``asyncio.to_thread`` for blocking work)."""
        if name in self._targets:
            raise ValueError(f"target {name!r} already exists")
        if config is None:
            config = TargetConfig(**options)
        elif options:
            raise TypeError("pass either a TargetConfig or its fields, not both")
        self._targets[name] = Target(name, handler, config)

    def targets(self) -> list[str]:
        return list(self._targets)

    def stats(self, name: str) -> TargetStats:
        """The live counters of target ``name``."""
        return self._targets[name].stats

    @property
    def idle(self) -> bool:
        """Whether no handoff is in flight: none waiting, queued or running."""
        return not self._in_flight and all(t.idle for t in self._targets.values())

    async def handoff(
        self, ctx: Mapping[str, Any], target: str, *, timeout: float | None = None
    ) -> Outcome:
        """Hand ``ctx`` to ``target`` and await the acknowledgement, or the failure.

        ``timeout`` overrides the target's deadline for this handoff (queueing and handling
        together). Cancelling the caller withdraws the handoff: a queued one is never
        delivered, a running handler is cancelled.
        """
        started = perf_counter()
        if timeout is not None:
            check_seconds("timeout", timeout)
        refusal, place = self._check(ctx, target, started)
        if refusal is not None:
            return self._finish(refusal, place)
        assert place is not None  # _check returns a refusal or a target
        env = Envelope()
        loop = asyncio.get_running_loop()
        refused = place.admit(env, loop)
        if refused is not None:
            return self._finish(Outcome(refused, target, _ms_since(started), Stage.WAITING), place)
        self._in_flight += 1
        limit = place.config.timeout if timeout is None else timeout
        deadline = None if limit is None else loop.time() + limit
        try:
            return self._finish(await self._deliver(place, env, ctx, deadline, started), place)
        except asyncio.CancelledError:
            cancelled = Outcome(
                Status.CANCELLED,
                target,
                _ms_since(started),
                env.stage,
                error_type="CancelledError",  # what the sender sees
            )
            self._finish(cancelled, place)
            raise
        finally:
            place.withdraw(env)
            self._in_flight -= 1
            if self._drained is not None and not self._in_flight:
                self._drained.set()

    async def close(self, *, drain: bool = True, timeout: float = 5.0) -> bool:
        """Stop accepting handoffs and settle every one in flight; True when all settled.

        Senders waiting for room are told ``shutdown`` at once. With ``drain`` queued and
        running handoffs get up to ``timeout`` seconds to be delivered; without it queued
        ones are told ``shutdown`` at once and running ones get the ``timeout``. What is
        left then is told ``shutdown``, its handlers cancelled; False if a handler still
        has not returned ``timeout`` seconds later (it ignores cancellation).
        """
        check_seconds("timeout", timeout)
        self._closing = True
        self._drained = asyncio.Event()
        for target in self._targets.values():
            target.fail_waiting()
            if not drain:
                target.fail_queued()
        if await self._wait_drained(timeout):
            return True
        for target in self._targets.values():
            target.stop()
        return await self._wait_drained(timeout)

    def _check(
        self, ctx: object, target: object, started: float
    ) -> tuple[Outcome | None, Target | None]:
        """A handoff's refusal before it reaches a queue (None if none), and its target."""
        name = target if isinstance(target, str) else ""
        try:
            mapping("ctx", ctx)
            text("target", target)
        except InvalidInput as problem:
            invalid = Outcome(
                Status.INVALID_INPUT,
                name,
                _ms_since(started),
                field=problem.field,
                message=problem.message,
            )
            return invalid, None
        place = self._targets.get(name)
        if place is None:
            return Outcome(Status.UNKNOWN_TARGET, name, _ms_since(started)), None
        if self._closing:
            return Outcome(Status.SHUTDOWN, name, _ms_since(started)), place
        if self.limiter is not None and not self.limiter.try_acquire(current_tenant()):
            return Outcome(Status.RATE_LIMITED, name, _ms_since(started)), place
        return None, place

    async def _deliver(
        self,
        place: Target,
        env: Envelope,
        ctx: Mapping[str, Any],
        deadline: float | None,
        started: float,
    ) -> Outcome:
        """Await the handoff's turn, then run its handler, within the deadline."""

        def ended(status: Status, stage: Stage, **details: Any) -> Outcome:
            return Outcome(status, place.name, _ms_since(started), stage, **details)

        scope = asyncio.timeout_at(deadline)
        try:
            if env.turn is None:  # granted at once: a plain function cannot be interrupted
                ack = place.start(env, ctx)
                if inspect.isawaitable(ack):
                    async with scope:
                        ack = await ack
            else:
                async with scope:  # one deadline over the wait and the handler
                    refused = await env.turn
                    if refused is not None:
                        return ended(refused, env.stage)
                    if place.stopped:  # granted, but the bus closed before the handler ran
                        return ended(Status.SHUTDOWN, env.stage)
                    ack = place.start(env, ctx)
                    if inspect.isawaitable(ack):
                        ack = await ack
        except Exception as exc:
            if scope.expired():  # else the handler raised (its own TimeoutError included)
                return ended(Status.TIMEOUT, env.stage)
            error_type, transient = type(exc).__name__, is_transient(exc)
            return ended(
                Status.HANDLER_ERROR, Stage.RUNNING, error_type=error_type, transient=transient
            )
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if env.shutdown and task is not None and task.uncancel() == 0:
                return ended(Status.SHUTDOWN, Stage.RUNNING)
            raise
        return ended(Status.DELIVERED, Stage.RUNNING, ack=ack)

    def _finish(self, outcome: Outcome, place: Target | None) -> Outcome:
        """Count the outcome and emit its node: every handoff passes here once."""
        if place is not None:
            place.stats.counts[outcome.status] += 1  # a StrEnum: equal to its value
        metrics.record(outcome, self.sla_ms, configured=place is not None)
        return outcome

    async def _wait_drained(self, timeout: float) -> bool:
        if not self._in_flight:
            return True
        assert self._drained is not None
        try:
            async with asyncio.timeout(timeout):
                await self._drained.wait()
        except TimeoutError:
            return False
        return True


def _ms_since(started: float) -> float:
    return (perf_counter() - started) * 1000.0
