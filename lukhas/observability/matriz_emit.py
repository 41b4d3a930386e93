"""MATRIZ nodes: the allowed types, an emit point's description, and node construction.

A node describes one call: what ran (type, label, producer, capability), for whom (tenant,
trace id, consent scopes), how long it took and whether it raised. It never holds the
call's arguments or return value.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from time import time_ns
from typing import NamedTuple

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

Emitter = Callable[[tuple[Sink, ...], str, bool, float, str | None, list[str]], None]

# Node ids are "LT-<trace id>#N<n>": n is 0 for the node of the call that opened the trace
# (trace ids are unique), else drawn from this counter; unique per process, far cheaper
# than uuid4.
node_counter = itertools.count(1)
_NODE_FIELDS = ("version", "id", "type", "labels", "state", "timestamps", "provenance",
                "duration_ms", "outcome")  # fmt: skip


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


class NodeParts(NamedTuple):
    """What the nodes of one emit point share: bound once, copied or referenced per call."""

    template: Node  # the top-level fields, in schema order, the fixed ones filled in
    state: dict[str, float]
    producer: str
    capability: str
    consent_scopes: tuple[str, ...]


def node_parts(point: EmitPoint, producer: str) -> NodeParts:
    """The shared parts of ``point``'s nodes, produced by ``producer``.

    A node starts as a copy of ``template``: copying a dict is faster than building one
    from a dict display, and keeps the schema's key order.
    """
    template: Node = dict.fromkeys(_NODE_FIELDS)
    template.update(version=1, type=point.type, outcome="ok")
    state = {"confidence": point.confidence, "salience": point.salience, "urgency": point.urgency}
    return NodeParts(template, state, producer, point.capability, point.consent_scopes)


def node_emitter(point: EmitPoint, producer: str) -> Emitter:
    """A function that builds the node of one call to ``producer`` and hands it to sinks.

    Called as ``emit(sinks, trace_id, opened_trace, duration_s, error_type, labels)``:
    ``opened_trace`` says the call opened its own trace, so its node is the trace's node 0;
    ``labels`` are the emit label and any added by ``annotate``. The synchronous wrapper of
    ``instrument`` builds its nodes with these same lines, written out in its own body.
    """
    template, state, producer, capability, scopes = node_parts(point, producer)

    def emit(  # noqa: PLR0917 - runs per call: positional arguments are the cheapest
        sinks: tuple[Sink, ...],
        trace_id: str,
        opened_trace: bool,
        duration_s: float,
        error_type: str | None,
        labels: list[str],
    ) -> None:
        node = template.copy()
        node["id"] = (
            "LT-" + trace_id + "#N0" if opened_trace else f"LT-{trace_id}#N{next(node_counter)}"
        )
        # A copy: a task the call started may still annotate after the node is emitted.
        node["labels"] = labels.copy()
        node["state"] = state.copy()  # a copy per node: a sink may change its node
        node["timestamps"] = {"created_ts": time_ns() // 1_000_000}
        node["provenance"] = {
            "producer": producer,
            "capabilities": [capability],
            "tenant": tenant_var.get(),
            "trace_id": trace_id,
            "consent_scopes": [*scopes] if scopes else [],
        }
        node["duration_ms"] = duration_s * 1000.0
        if error_type is not None:
            node["outcome"] = "error"
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
