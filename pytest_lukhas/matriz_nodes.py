"""Reading one MATRIZ node: its emit point, producer and outcome, and its schema problems.

Nodes come from any emitter, so nothing here assumes a node is well formed. Validation
uses jsonschema-rs: about 2 µs per node against about 400 µs for the pure-Python
validator, which matters because the gate checks every node every test emits.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema_rs

from . import schemas
from .problems import json_pointer

MAX_MESSAGE = 200  # characters of a schema message kept; enum messages list every type


@dataclass(frozen=True)
class NodeProblem:
    """Where a node breaks the node schema (a JSON pointer into the node) and how."""

    pointer: str
    message: str


def point_of(node: object) -> str | None:
    """``"TYPE:label"`` (the type and first label), or None when the node has neither."""
    if not isinstance(node, dict):
        return None
    ntype, labels = node.get("type"), node.get("labels")
    if isinstance(ntype, str) and isinstance(labels, list | tuple) and labels:
        return f"{ntype}:{labels[0]}"
    return None


def producer_of(node: object) -> str | None:
    """``provenance.producer``: the module path (``module.qualname``) that emitted the node."""
    provenance = node.get("provenance") if isinstance(node, dict) else None
    producer = provenance.get("producer") if isinstance(provenance, dict) else None
    return producer if isinstance(producer, str) else None


def outcome_of(node: dict[str, Any]) -> str:
    """``"ok"`` or ``"error"``; a node from before schema v1.2 has no outcome and counts ok."""
    return "error" if node.get("outcome") == "error" else "ok"


def labels_of(node: dict[str, Any]) -> list[str]:
    labels = node.get("labels")
    return [str(label) for label in labels] if isinstance(labels, list | tuple) else []


@cache
def _validator() -> Any:
    return jsonschema_rs.validator_for(schemas.load_schema(schemas.MATRIZ_NODE))


def problems_of(node: object) -> list[NodeProblem]:
    """What makes ``node`` invalid against the node schema; empty when it is valid."""
    validator = _validator()
    try:
        if validator.is_valid(node):
            return []
        return [
            NodeProblem(json_pointer(error.instance_path), _short(error.message))
            for error in validator.iter_errors(node)
        ]
    except ValueError:  # a value JSON cannot hold (a set, an object): the Python validator
        pass  # names where it is
    return [
        NodeProblem(problem.pointer or "", _short(problem.message))
        for problem in schemas.validate(schemas.MATRIZ_NODE, node, "node")
    ] or [NodeProblem("", "holds a value that is not JSON data")]


def describe(node: object) -> str:
    """One line saying what the node is, for failure reports (never its full content)."""
    if not isinstance(node, dict):
        return f"not an object: {_short(repr(node), 60)}"
    extra = labels_of(node)[1:]
    parts = [
        point_of(node) or "no type or label",
        f"[{', '.join(extra)}]" if extra else "",
        outcome_of(node),
        f"from {producer_of(node) or '?'}",
    ]
    return " ".join(part for part in parts if part)


def _short(text: str, limit: int = MAX_MESSAGE) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
