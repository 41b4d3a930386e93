"""What a handoff's sender is told: one Outcome per handoff, delivered or failed, never both."""

from enum import StrEnum
from typing import Any, NamedTuple


class Status(StrEnum):
    """How a handoff ended; every value but ``delivered`` is a failure reason."""

    DELIVERED = "delivered"  # the handler returned: its return value is the acknowledgement
    INVALID_INPUT = "invalid_input"  # not a mapping, or no target name: never accepted
    UNKNOWN_TARGET = "unknown_target"  # no handler by that name: never accepted
    RATE_LIMITED = "rate_limited"  # the tenant's token bucket was empty: never accepted
    BACKPRESSURE = "backpressure"  # the target's queue was full (after waiting, if it waits)
    SHED = "shed"  # accepted, then dropped from a full queue to make room for a newer one
    TIMEOUT = "timeout"  # not acknowledged by the deadline; a running handler is cancelled
    HANDLER_ERROR = "handler_error"  # the handler raised
    CANCELLED = "cancelled"  # the sender was cancelled (it sees CancelledError)
    SHUTDOWN = "shutdown"  # the bus closed before the handler acknowledged


class Stage(StrEnum):
    """Where a handoff was when it ended."""

    WAITING = "waiting"  # waiting for room in a full queue: not accepted yet
    QUEUED = "queued"  # accepted, waiting for a free handler
    RUNNING = "running"  # its handler was called


class TransientError(Exception):
    """Raise it (or any exception with ``transient = True``) from a handler to say that the
    same handoff may succeed if tried again: pipelines retry such errors with backoff."""

    transient = True


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` is marked transient."""
    return getattr(exc, "transient", False) is True


# Failures worth retrying later: the target was busy, not wrong.
OVERLOAD = frozenset({Status.BACKPRESSURE, Status.SHED, Status.RATE_LIMITED})


class Outcome(NamedTuple):
    """The answer to one handoff. ``ack`` is the handler's return value when delivered.

    A NamedTuple rather than a frozen dataclass: one is built per handoff, in a third of
    the time."""

    status: Status
    target: str
    duration_ms: float
    stage: Stage | None = None  # None: refused before it reached the target's queue
    ack: Any = None
    error_type: str | None = None  # class name of the handler's exception
    transient: bool = False  # the handler's exception was marked transient
    field: str | None = None  # invalid_input: which argument, and why (no values)
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is Status.DELIVERED

    @property
    def retryable(self) -> bool:
        """A failure that a later attempt may turn into a delivery."""
        return self.status in OVERLOAD or (self.status is Status.HANDLER_ERROR and self.transient)

    def as_dict(self) -> dict[str, Any]:
        """The answer as the slice's API returns it (without provider and mode)."""
        answer: dict[str, Any] = {"ok": self.ok, "target": self.target}
        if self.ok:
            answer["ack"] = self.ack
        else:
            answer["reason"] = self.status.value
            if self.stage is not None:
                answer["stage"] = self.stage.value
            if self.status is Status.HANDLER_ERROR:
                answer["error_type"] = self.error_type
                answer["transient"] = self.transient
            if self.status is Status.INVALID_INPUT:
                answer["error"] = {
                    "code": "invalid_input",
                    "field": self.field,
                    "message": self.message,
                }
        answer["duration_ms"] = self.duration_ms
        return answer
