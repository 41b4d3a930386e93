"""Measured handoffs: one CONTEXT node per handoff, and a log line when one breaks the SLA.

The node uses the slice's own emit point (``CONTEXT:orchestration:handoff``), so a gate
run sees no undeclared point; further labels say who answered and how
(``provider:context-bus``, ``mode:live``, ``target:<name>``, ``handoff:<status>``, and
``sla:breach`` when the handoff took longer than the SLA; a breach also labels the node
of the instrumented call in progress, the slice API's when the handoff came through it).
Neither node nor log line holds the context, the ack or the tenant: only names the
deployment chose (targets), the status, the duration and the pseudonymous trace id.
"""

import logging

from candidate.orchestration.context.outcome import Outcome
from lukhas.observability import (
    EmitPoint,
    active_sinks,
    annotate,
    current_trace_id,
    new_trace_id,
)
from lukhas.observability.matriz_emit import node_emitter

PROVIDER_NAME = "context-bus"
SLA_MS = 250.0  # the context slice's p95 budget (its MODULE_MANIFEST.json)
SLA_BREACH = "sla:breach"

logger = logging.getLogger("candidate.orchestration.context")

HANDOFF = EmitPoint(
    type="CONTEXT",
    label="orchestration:handoff",
    capability="context_bus.handoff",
    salience=0.4,
    urgency=0.7,
)
_emit = node_emitter(HANDOFF, "candidate.orchestration.context.bus.ContextBus.handoff")


def record(outcome: Outcome, sla_ms: float, *, configured: bool) -> None:
    """Log ``outcome`` if it broke the SLA and emit its node to the active sinks, if any.

    ``configured``: the target is one the deployment added. Any other name is what a
    caller typed, so it stays out of labels and logs. Runs in the sender's context, so
    the node carries the sender's trace id and tenant.
    """
    breach = outcome.duration_ms > sla_ms
    target = outcome.target if configured else "unknown"
    if breach:
        annotate(SLA_BREACH)  # the slice API's node, when the handoff came through it
        logger.warning(
            "context handoff to target %s took %.1f ms, over the %g ms SLA (status %s, trace %s)",
            target,
            outcome.duration_ms,
            sla_ms,
            outcome.status.value,
            current_trace_id() or "-",
        )
    sinks = active_sinks()
    if not sinks:
        return
    labels = [
        HANDOFF.label,
        f"provider:{PROVIDER_NAME}",
        "mode:live",
        f"target:{target}",
        f"handoff:{outcome.status.value}",
    ]
    if breach:
        labels.append(SLA_BREACH)
    error_type = None if outcome.ok else outcome.error_type or outcome.status.value
    current = current_trace_id()
    trace_id = new_trace_id() if current is None else current
    _emit(sinks, trace_id, current is None, outcome.duration_ms / 1000, error_type, labels)
