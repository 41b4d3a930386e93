"""MATRIZ nodes: the allowed types, an emit point's description, and node construction.

A node describes one call: what ran (type, label, producer, capability), for whom (tenant,
trace id, consent scopes), how long it took and whether it raised. It never holds the
call's arguments or return value.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from time import time_ns

from lukhas.observability.builtin_sinks import Node, Sink
from lukhas.observability.labels import MAX_LABEL_LENGTH
from lukhas.observability.sinks import sink_failed
from lukhas.observability.tracing import tenant_var

# The v1.1 reference types plus CONSENT (see pytest_lukhas/schemas/matriz_node.schema.json).
NODE_TYPES: tuple[str, ...] = (
    "SENSORY_IMG", "SENSORY_AUD", "SENSORY_VID", "SENSORY_TOUCH",
    "EMOTION", "INTENT", "DECISION", "CONTEXT", "MEMORY", "REFLECTION",
    "CAUSAL", "TEMPORAL", "AWARENESS", "HYPOTHESIS", "REPLAY", "DRM",
    "COMPUTATION", "VALIDATION", "CONSENT",
)  # fmt: skip

Emitter = Callable[[tuple[Sink, ...], str, float, str | None, list[str]], None]

_node_counter = itertools.count(1)  # node ids are unique per process without uuid4's cost


@dataclass(frozen=True)
class EmitPoint:
    """What an instrumented function emits; ``emit_point`` is ``"TYPE:label"``."""

    type: str
    label: str
    capability: str
    salience: float = 0.5
    urgency: float = 0.5
    confidence: float = 1.0
    consent_scopes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in NODE_TYPES:
            allowed = ", ".join(NODE_TYPES)
            raise ValueError(f"MATRIZ node type {self.type!r} is not one of: {allowed}")
        _check_text("label", self.label, MAX_LABEL_LENGTH)
        _check_text("capability", self.capability)
        for name in ("salience", "urgency", "confidence"):
            _check_unit(name, getattr(self, name))
        for scope in self.consent_scopes:
            _check_text("consent scope", scope)

    @property
    def emit_point(self) -> str:
        return f"{self.type}:{self.label}"


def node_emitter(point: EmitPoint, producer: str) -> Emitter:
    """A function that builds the node of one call to ``producer`` and hands it to sinks.

    Called as ``emit(sinks, trace_id, duration_s, error_type, labels)``, ``labels`` being
    the emit label and any added by ``annotate``; everything that does not change between
    calls is bound here, once.
    """
    ntype, capability, scopes = point.type, point.capability, point.consent_scopes
    state = {"confidence": point.confidence, "salience": point.salience, "urgency": point.urgency}

    def emit(
        sinks: tuple[Sink, ...],
        trace_id: str,
        duration_s: float,
        error_type: str | None,
        labels: list[str],
    ) -> None:
        node: Node = {
            "version": 1,
            "id": f"LT-{trace_id}#N{next(_node_counter)}",
            "type": ntype,
            # A copy: a task the call started may still annotate after the node is emitted.
            "labels": labels.copy(),
            "state": state.copy(),  # a copy per node: a sink may change its node
            "timestamps": {"created_ts": time_ns() // 1_000_000},
            "provenance": {
                "producer": producer,
                "capabilities": [capability],
                "tenant": tenant_var.get(),
                "trace_id": trace_id,
                "consent_scopes": [*scopes] if scopes else [],
            },
            "duration_ms": duration_s * 1000.0,
            "outcome": "ok" if error_type is None else "error",
        }
        if error_type is not None:
            node["error_type"] = error_type
        for sink in sinks:
            try:
                sink(node)
            except Exception as exc:  # a sink must not break the observed call
                sink_failed(sink, exc)

    return emit


def _check_text(name: str, value: object, max_length: int | None = None) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"MATRIZ {name} must be a non-empty string, got {value!r}")
    if max_length is not None and len(value) > max_length:
        raise ValueError(f"MATRIZ {name} {value!r} is longer than {max_length} characters")


def _check_unit(name: str, value: object) -> None:
    # NaN fails the range test too: every comparison with it is false.
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"MATRIZ {name} must be a number from 0 to 1, got {value!r}")
