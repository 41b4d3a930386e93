"""The sinks ``LUKHAS_MATRIZ_SINK`` can name: ``memory``, ``logging`` and ``jsonl:PATH``."""

import json
import logging
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

Node = dict[str, Any]
Sink = Callable[[Node], object]

MEMORY_CAPACITY = 10_000  # the memory sink keeps the most recent nodes, never grows past this
SPEC_FORMS = "memory, logging or jsonl:PATH (unset or empty for none)"

_memory: deque[Node] = deque(maxlen=MEMORY_CAPACITY)
_logger = logging.getLogger("lukhas.matriz")


class SinkSpecError(ValueError):
    """A ``LUKHAS_MATRIZ_SINK`` value that names no sink."""


def memory_nodes() -> list[Node]:
    """The nodes held by the process-wide ``memory`` sink, oldest first."""
    return list(_memory)


def clear_memory() -> None:
    """Empty the process-wide ``memory`` sink."""
    _memory.clear()


def log_node(node: Node) -> None:
    """Log ``node`` on logger ``lukhas.matriz`` at INFO, as ``extra={"matriz_node": node}``."""
    point = f"{node['type']}:{node['labels'][0]}"
    _logger.info("MATRIZ %s %s", point, node["outcome"], extra={"matriz_node": node})


class JsonlSink:
    """Append each node as one JSON line to a file, opened per write so rotation is safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def __call__(self, node: Node) -> None:
        line = json.dumps(node, separators=(",", ":")) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as stream:
            stream.write(line)

    def __repr__(self) -> str:
        return f"JsonlSink({str(self.path)!r})"


def parse_sink_spec(spec: str) -> Sink | None:
    """The sink a ``LUKHAS_MATRIZ_SINK`` value names (None for none); raises SinkSpecError."""
    spec = spec.strip()
    kind, has_path, path = spec.partition(":")
    kind = kind.strip().lower()
    if not spec:
        return None
    if kind == "memory" and not has_path:
        return _memory.append
    if kind == "logging" and not has_path:
        return log_node
    if kind == "jsonl" and path.strip():
        return JsonlSink(Path(path.strip()))
    raise SinkSpecError(f"LUKHAS_MATRIZ_SINK={spec!r} names no sink; expected {SPEC_FORMS}")
