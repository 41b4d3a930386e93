"""MATRIZ instrumentation: one schema-valid node per call of a public API function.

Configure where nodes go with ``LUKHAS_MATRIZ_SINK`` (``memory``, ``logging``,
``jsonl:PATH``; unset for none) or programmatically with ``add_sink``/``capture``.
Code inside an instrumented call labels its node with ``annotate("provider:null")``.
"""

from lukhas.observability.builtin_sinks import (
    MEMORY_CAPACITY,
    Node,
    Sink,
    SinkSpecError,
    clear_memory,
    memory_nodes,
)
from lukhas.observability.labels import MAX_LABELS, annotate
from lukhas.observability.matriz_decorators import instrument
from lukhas.observability.matriz_emit import NODE_TYPES, EmitPoint
from lukhas.observability.sinks import (
    SINK_ENV,
    active_sinks,
    add_sink,
    capture,
    remove_sink,
    sink_errors,
)
from lukhas.observability.tracing import (
    DEFAULT_TENANT,
    current_tenant,
    current_trace_id,
    new_trace_id,
    trace,
)

__all__ = [
    "DEFAULT_TENANT",
    "MAX_LABELS",
    "MEMORY_CAPACITY",
    "NODE_TYPES",
    "SINK_ENV",
    "EmitPoint",
    "Node",
    "Sink",
    "SinkSpecError",
    "active_sinks",
    "add_sink",
    "annotate",
    "capture",
    "clear_memory",
    "current_tenant",
    "current_trace_id",
    "instrument",
    "memory_nodes",
    "new_trace_id",
    "remove_sink",
    "sink_errors",
    "trace",
]
