"""Pipelines: a context handed through ordered steps (targets) of a context bus.

Each step's handler returns the context for the next step (a mapping; None passes the
context on unchanged). A step may have its own timeout per attempt and retry policy:
failures marked transient by the handler, and overload (backpressure, shed,
rate_limited), are retried with capped exponential backoff and jitter. The whole run
shares one trace id (the caller's, or a new one), so every handoff's node and every
handler sees it. A failed run returns the context the failing step was given: nothing
is lost.
"""

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from candidate.orchestration.context.bus import ContextBus
from candidate.orchestration.context.outcome import Outcome, Status
from candidate.orchestration.context.target import check_seconds
from lukhas.observability import current_trace_id, trace

INVALID_ACK = "invalid_ack"  # a step acknowledged with something that is not a context


@dataclass(frozen=True)
class Retry:
    """How often a step is tried (``attempts`` in all) and how long to wait in between."""

    attempts: int = 1
    base_delay: float = 0.01  # seconds before the first retry
    max_delay: float = 1.0
    factor: float = 2.0
    on_timeout: bool = False  # also retry an attempt that timed out

    def __post_init__(self) -> None:
        if isinstance(self.attempts, bool) or not isinstance(self.attempts, int):
            raise ValueError(f"attempts must be an integer >= 1, got {self.attempts!r}")
        if self.attempts < 1:
            raise ValueError(f"attempts must be an integer >= 1, got {self.attempts!r}")
        check_seconds("base_delay", self.base_delay)
        check_seconds("max_delay", self.max_delay)
        if not self.factor >= 1:
            raise ValueError(f"factor must be >= 1, got {self.factor!r}")

    def delay(self, retry: int, rng: random.Random) -> float:
        """Seconds before retry number ``retry`` (1 for the first): ``base_delay *
        factor**(retry-1)``, capped at ``max_delay``, times a random factor in [0.5, 1]
        so that senders that failed together do not retry together."""
        ceiling = min(self.max_delay, self.base_delay * self.factor ** (retry - 1))
        return ceiling * rng.uniform(0.5, 1.0)

    def allows(self, outcome: Outcome) -> bool:
        """Whether a failed attempt with ``outcome`` is worth another."""
        return outcome.retryable or (self.on_timeout and outcome.status is Status.TIMEOUT)


@dataclass(frozen=True)
class Step:
    """One step: the target, its timeout per attempt (None: the target's) and retries."""

    target: str
    timeout: float | None = None
    retry: Retry = field(default_factory=Retry)


@dataclass(frozen=True)
class StepResult:
    target: str
    attempts: tuple[Outcome, ...]  # in order; the last one decided the step

    @property
    def ok(self) -> bool:
        return self.attempts[-1].ok


@dataclass(frozen=True)
class PipelineResult:
    """``context``: the last step's output, or the context the failing step was given."""

    ok: bool
    context: Mapping[str, Any]
    trace_id: str
    steps: tuple[StepResult, ...]
    reason: str | None = None  # the failing step's status, or invalid_ack

    @property
    def failed_step(self) -> str | None:
        return None if self.ok else self.steps[-1].target


Sleep = Callable[[float], Awaitable[object]]


class Pipeline:
    """Ordered steps; ``rng`` and ``sleep`` can be replaced to make backoff reproducible."""

    def __init__(
        self,
        steps: Sequence[Step | str],
        *,
        rng: random.Random | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if not steps:
            raise ValueError("a pipeline needs at least one step")
        self.steps = tuple(Step(step) if isinstance(step, str) else step for step in steps)
        self._rng = rng or random.Random()
        self._sleep = sleep

    async def run(self, bus: ContextBus, ctx: Mapping[str, Any]) -> PipelineResult:
        """Hand ``ctx`` through every step in order; stop at the first step that fails."""
        with trace(current_trace_id()) as trace_id:
            done: list[StepResult] = []
            for step in self.steps:
                result = await self._run_step(bus, step, ctx)
                done.append(result)
                last = result.attempts[-1]
                if not last.ok:
                    return PipelineResult(False, ctx, trace_id, tuple(done), last.status.value)
                if last.ack is not None and not isinstance(last.ack, Mapping):
                    return PipelineResult(False, ctx, trace_id, tuple(done), INVALID_ACK)
                if last.ack is not None:
                    ctx = last.ack
            return PipelineResult(True, ctx, trace_id, tuple(done))

    async def _run_step(self, bus: ContextBus, step: Step, ctx: Mapping[str, Any]) -> StepResult:
        attempts: list[Outcome] = []
        for attempt in range(1, step.retry.attempts + 1):
            outcome = await bus.handoff(ctx, step.target, timeout=step.timeout)
            attempts.append(outcome)
            if outcome.ok or attempt == step.retry.attempts or not step.retry.allows(outcome):
                break
            await self._sleep(step.retry.delay(attempt, self._rng))
        return StepResult(step.target, tuple(attempts))
