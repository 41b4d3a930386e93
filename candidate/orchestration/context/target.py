"""One named target of the context bus: its handler, bounded queue and overload policy.

A target runs at most ``concurrency`` handlers at once. A handoff that finds every
handler busy joins the target's queue (at most ``capacity`` long); when the queue is full
the policy decides: ``wait`` for room (at most ``wait_timeout`` seconds, at most
``max_waiting`` senders), ``reject`` at once, or ``shed_oldest``: drop the oldest queued
handoff, whose sender is told ``shed``. So a target never holds more than
``capacity + max_waiting + concurrency`` handoffs, whatever the load.

Everything here runs on the bus's event loop thread and never awaits: the sender's own
coroutine (in ``bus.py``) awaits its turn and runs the handler itself, so a handler sees
the sender's context variables (trace id, tenant) and is cancelled with its sender.
"""

import asyncio
import math
import re
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from candidate.orchestration.context.outcome import Stage, Status

Handler = Callable[[Mapping[str, Any]], Any | Awaitable[Any]]

# Target names appear in MATRIZ labels ("target:<name>", at most 64 characters) and logs.
TARGET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,47}")


class Policy(StrEnum):
    """What a handoff to a target with a full queue does."""

    WAIT = "wait"
    REJECT = "reject"
    SHED_OLDEST = "shed_oldest"


@dataclass(frozen=True)
class TargetConfig:
    """A target's bounds; ``timeout`` is the default deadline of its handoffs, queueing and
    handling together (None: no deadline)."""

    capacity: int = 64
    concurrency: int = 1
    policy: Policy = Policy.WAIT
    wait_timeout: float = 0.1
    max_waiting: int = 256
    timeout: float | None = 5.0

    def __post_init__(self) -> None:
        for name in ("capacity", "concurrency", "max_waiting"):
            value = getattr(self, name)
            minimum = 0 if name == "max_waiting" else 1
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
        try:
            object.__setattr__(self, "policy", Policy(self.policy))
        except ValueError:
            choices = ", ".join(policy.value for policy in Policy)
            raise ValueError(f"policy must be one of {choices}, got {self.policy!r}") from None
        check_seconds("wait_timeout", self.wait_timeout)
        if self.timeout is not None:
            check_seconds("timeout", self.timeout)


def check_seconds(name: str, value: object, unit: str = "seconds") -> None:
    """Raise ValueError unless ``value`` is a positive, finite number (of ``unit``)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 < value < math.inf  # NaN fails too
    ):
        raise ValueError(f"{name} must be a positive number of {unit}, got {value!r}")


@dataclass
class TargetStats:
    """Counters of one target: handoffs per status and the high-water marks of its bounds."""

    counts: Counter[Status] = field(default_factory=Counter)  # keys equal their names
    max_queued: int = 0
    max_waiting: int = 0
    max_running: int = 0


@dataclass(eq=False, slots=True)
class Envelope:
    """One accepted (or waiting) handoff's place at its target."""

    stage: Stage = Stage.QUEUED
    # Resolved when the sender's wait ends: None means "run the handler now", a Status
    # means the handoff failed with it. None itself when the handoff never waited.
    turn: "asyncio.Future[Status | None] | None" = None
    holds_slot: bool = False
    task: "asyncio.Task[Any] | None" = None
    wait_timer: asyncio.TimerHandle | None = None
    shutdown: bool = False  # its handler was cancelled because the bus closed


class Target:
    """A handler with its queue; only the bus's loop thread touches it."""

    def __init__(self, name: str, handler: Handler, config: TargetConfig) -> None:
        if not isinstance(name, str) or not TARGET_NAME.fullmatch(name):
            raise ValueError(
                f"target name must match {TARGET_NAME.pattern} (letters, digits, _.:-; "
                f"at most 48 characters), got {name!r}"
            )
        if not callable(handler):
            raise TypeError(f"handler of target {name!r} must be callable, got {handler!r}")
        self.name = name
        self.handler = handler
        self.config = config
        self.stats = TargetStats()
        self.stopped = False  # the bus closed: nothing more is granted
        self._queue: deque[Envelope] = deque()
        self._waiting: deque[Envelope] = deque()
        self._running: set[Envelope] = set()
        self._active = 0  # slots held: handlers running or granted and about to run

    @property
    def idle(self) -> bool:
        return not (self._queue or self._waiting or self._active)

    def admit(self, env: Envelope, loop: asyncio.AbstractEventLoop) -> Status | None:
        """Place a new handoff: None when placed (it holds a slot or must await its turn),
        else the failure to report (backpressure)."""
        config = self.config
        if self._active < config.concurrency and not self._queue:
            self._grant(env)
            return None
        if len(self._queue) < config.capacity:
            self._enqueue(env, loop)
            return None
        if config.policy is Policy.SHED_OLDEST:
            _settle(self._queue.popleft(), Status.SHED)
            self._enqueue(env, loop)
            return None
        if config.policy is Policy.WAIT and len(self._waiting) < config.max_waiting:
            env.stage = Stage.WAITING
            env.turn = loop.create_future()
            env.wait_timer = loop.call_later(config.wait_timeout, self._stop_waiting, env)
            self._waiting.append(env)
            self.stats.max_waiting = max(self.stats.max_waiting, len(self._waiting))
            return None
        return Status.BACKPRESSURE

    def start(self, env: Envelope, ctx: Mapping[str, Any]) -> Any:
        """Call the handler for a granted handoff, in the sender's task; what it returned
        (an awaitable for a coroutine function)."""
        env.stage = Stage.RUNNING
        env.task = asyncio.current_task()
        self._running.add(env)
        return self.handler(ctx)

    def withdraw(self, env: Envelope) -> None:
        """Take a handoff out of the target, wherever it is; idempotent."""
        if env.stage is Stage.WAITING:
            if env.wait_timer is not None:
                env.wait_timer.cancel()
            with suppress(ValueError):  # already taken out by _pump
                self._waiting.remove(env)
        elif env.stage is Stage.QUEUED:
            with suppress(ValueError):
                self._queue.remove(env)
        self._running.discard(env)
        if env.holds_slot:
            env.holds_slot = False
            self._active -= 1
        self._pump()

    def stop(self) -> None:
        """Fail everything queued or waiting with ``shutdown`` and cancel running handlers."""
        self.stopped = True
        self.fail_waiting()
        self.fail_queued()
        for env in self._running:
            env.shutdown = True
            if env.task is not None:
                env.task.cancel()

    def fail_waiting(self) -> None:
        """Tell every sender still waiting for room that the bus is shutting down."""
        while self._waiting:
            env = self._waiting.popleft()
            if env.wait_timer is not None:
                env.wait_timer.cancel()
            _settle(env, Status.SHUTDOWN)

    def fail_queued(self) -> None:
        """Tell every queued sender that the bus is shutting down."""
        while self._queue:
            _settle(self._queue.popleft(), Status.SHUTDOWN)

    def _grant(self, env: Envelope) -> None:
        env.holds_slot = True
        self._active += 1
        self.stats.max_running = max(self.stats.max_running, self._active)

    def _enqueue(self, env: Envelope, loop: asyncio.AbstractEventLoop) -> None:
        env.stage = Stage.QUEUED
        env.turn = loop.create_future()
        self._queue.append(env)
        self.stats.max_queued = max(self.stats.max_queued, len(self._queue))

    def _stop_waiting(self, env: Envelope) -> None:
        """The wait timer: a sender still waiting for room gives up with backpressure."""
        if env.stage is Stage.WAITING:
            with suppress(ValueError):
                self._waiting.remove(env)
            _settle(env, Status.BACKPRESSURE)

    def _pump(self) -> None:
        """Move waiting senders into free queue room and grant free slots, in FIFO order.

        A sender whose wait ended (timeout, cancellation) is skipped: it withdraws itself.
        """
        config = self.config
        while True:
            if self._waiting and len(self._queue) < config.capacity:
                env = self._waiting.popleft()
                if env.wait_timer is not None:
                    env.wait_timer.cancel()
                if env.turn is not None and not env.turn.done():
                    env.stage = Stage.QUEUED
                    self._queue.append(env)
                    self.stats.max_queued = max(self.stats.max_queued, len(self._queue))
            elif self._queue and self._active < config.concurrency and not self.stopped:
                env = self._queue.popleft()
                if env.turn is not None and not env.turn.done():
                    self._grant(env)
                    env.turn.set_result(None)
            else:
                return


def _settle(env: Envelope, status: Status) -> None:
    if env.turn is not None and not env.turn.done():
        env.turn.set_result(status)
