"""The real context bus behind ``lukhas.orchestration.context``.

:class:`ContextBus` (asyncio: named targets, bounded queues, overload policies, per-tenant
rate limits, measured handoffs), :class:`ContextBusService` (the bus on its own loop
thread: the slice's provider, for sync and async callers), :class:`Pipeline` (ordered
steps with timeouts and retries) and :func:`wire` (registers the service when the slice
is live).
"""

from candidate.orchestration.context.bootstrap import install, unwire, wire
from candidate.orchestration.context.bus import ContextBus
from candidate.orchestration.context.outcome import Outcome, Stage, Status, TransientError
from candidate.orchestration.context.pipeline import Pipeline, PipelineResult, Retry, Step
from candidate.orchestration.context.service import ContextBusService
from candidate.orchestration.context.target import Policy, TargetConfig, TargetStats

__all__ = [
    "ContextBus",
    "ContextBusService",
    "Outcome",
    "Pipeline",
    "PipelineResult",
    "Policy",
    "Retry",
    "Stage",
    "Status",
    "Step",
    "TargetConfig",
    "TargetStats",
    "TransientError",
    "install",
    "unwire",
    "wire",
]
