"""MATRIZ capture: the nodes one test emits, from any thread or task, schema-checked.

The plugin never imports the code it observes. It finds the emitter by module name (ini
``lukhas_matriz_emitter``): any module with ``add_sink(callable)`` and
``remove_sink(callable)``, whose sinks are called with each node, from whichever thread
or task emitted it. Each test gets its own sink, so captures never mix.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from .matriz_nodes import describe, labels_of, outcome_of, point_of, problems_of, producer_of

EMITTER_INI = "lukhas_matriz_emitter"
DEFAULT_EMITTER = "lukhas.observability"
MAX_SHOWN = 40  # nodes listed in a failure report
MAX_EMITTED = 256  # distinct (point, labels, outcome, producer) kept as one test's evidence
MAX_INVALID = 32  # distinct schema problems kept as one test's evidence

Node = Any  # a dict when the emitter is sound; anything at all when it is not
Sink = Callable[[Node], object]


class EmitterUnavailable(Exception):
    """The configured emitter module cannot be imported or lacks add_sink/remove_sink."""


@dataclass(frozen=True)
class Emitter:
    name: str
    add_sink: Callable[[Sink], object]
    remove_sink: Callable[[Sink], object]


def load_emitter(name: str) -> Emitter:
    """The emitter module ``name``; raises EmitterUnavailable saying how to fix it."""
    fix = (
        f"install it, or set the ini key {EMITTER_INI} to a module that provides "
        "add_sink(callable) and remove_sink(callable)"
    )
    if not name.strip():
        raise EmitterUnavailable(f"the ini key {EMITTER_INI} is empty; {fix}")
    try:
        module = importlib.import_module(name.strip())
    except Exception as exc:  # any failure to import is the same problem to the user
        raise EmitterUnavailable(
            f"cannot import the MATRIZ emitter {name!r} (ini {EMITTER_INI}): "
            f"{type(exc).__name__}: {exc}; {fix}"
        ) from None
    missing = [f for f in ("add_sink", "remove_sink") if not callable(getattr(module, f, None))]
    if missing:
        raise EmitterUnavailable(
            f"the MATRIZ emitter {name!r} (ini {EMITTER_INI}) has no {' or '.join(missing)}; {fix}"
        )
    return Emitter(name, module.add_sink, module.remove_sink)


@dataclass(frozen=True)
class InvalidNode:
    """A captured node that breaks the node schema: which one, where and how."""

    index: int  # its position among the test's captured nodes
    point: str | None
    producer: str | None
    pointer: str
    message: str

    @property
    def problem(self) -> str:
        return f"invalid at {self.pointer or 'the top level'}: {self.message}"

    def __str__(self) -> str:
        what = f"{self.point or 'no type or label'} from {self.producer or '?'}"
        return f"MATRIZ node #{self.index} ({what}) is {self.problem}"


class MatrizEvents:
    """The nodes emitted during one test; the ``matriz_events`` fixture.

    Nodes arrive from any thread or asyncio task while the test runs; every node is
    checked against the node schema, and an invalid one fails the test.
    """

    def __init__(self, emitter: Emitter) -> None:
        self._emitter = emitter
        self._nodes: list[Node] = []
        self._sink: Sink = self._nodes.append  # list.append is atomic: safe from any thread
        self._checked = 0  # nodes before this index have been checked
        self._cleared = 0  # nodes dropped by clear(), for stable node numbers
        self.invalid: list[InvalidNode] = []

    def start(self) -> None:
        """Register the sink; EmitterUnavailable if the emitter refuses it."""
        try:
            self._emitter.add_sink(self._sink)
        except Exception as exc:
            raise EmitterUnavailable(
                f"the MATRIZ emitter {self._emitter.name!r} (ini {EMITTER_INI}) raised "
                f"{type(exc).__name__} in add_sink: {exc}"
            ) from None

    def stop(self) -> None:
        """Unregister the sink. A failure is ignored: the test may have reset the emitter."""
        with suppress(Exception):
            self._emitter.remove_sink(self._sink)

    # --- reading --------------------------------------------------------------------

    @property
    def nodes(self) -> list[Node]:
        """The nodes captured so far, oldest first (a copy)."""
        return list(self._nodes)

    def __repr__(self) -> str:
        return f"<MatrizEvents: {len(self._nodes)} node(s) captured>"

    def __len__(self) -> int:
        return len(self._nodes)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    def points(self) -> list[str | None]:
        """The emit point (``"TYPE:label"``) of each node, in order."""
        return [point_of(node) for node in self.nodes]

    def filter(
        self, point: str | None = None, *, type: str | None = None, label: str | None = None
    ) -> list[Node]:
        """Nodes with emit point ``point``, of type ``type``, carrying label ``label``."""
        return [
            node
            for node in self.nodes
            if (point is None or point_of(node) == point)
            and (type is None or (isinstance(node, dict) and node.get("type") == type))
            and (label is None or (isinstance(node, dict) and label in labels_of(node)))
        ]

    def assert_emitted(
        self, point: str, count: int | None = None, *, label: str | None = None
    ) -> list[Node]:
        """Assert nodes with emit ``point`` (and ``label``) were emitted: ``count`` of them,
        or at least one; return them."""
        __tracebackhide__ = True
        found = self.filter(point, label=label)
        if (count is None and found) or len(found) == count:
            return found
        times = "at least once" if count is None else f"{count} time(s)"
        raise AssertionError(
            f"expected {_wanted(point, label)} {times}, found {len(found)}; {self.tally()}"
        )

    def assert_not_emitted(self, point: str, *, label: str | None = None) -> None:
        """Assert no node with emit ``point`` (and ``label``) was emitted."""
        __tracebackhide__ = True
        found = self.filter(point, label=label)
        if found:
            raise AssertionError(
                f"expected no {_wanted(point, label)}, found {len(found)}; {self.tally()}"
            )

    def clear(self) -> None:
        """Forget the nodes captured so far (each is schema-checked first)."""
        self.check()
        count = len(self._nodes)
        del self._nodes[:count]
        self._cleared += count
        self._checked -= count

    # --- checking and reporting -----------------------------------------------------

    def check(self) -> list[InvalidNode]:
        """Check the nodes that arrived since the last check; return the invalid ones."""
        end = len(self._nodes)
        found = []
        for offset, node in enumerate(self._nodes[self._checked : end], self._checked):
            for problem in problems_of(node):
                found.append(
                    InvalidNode(
                        self._cleared + offset + 1,
                        point_of(node),
                        producer_of(node),
                        problem.pointer,
                        problem.message,
                    )
                )
        self._checked = end
        self.invalid += found
        return found

    def tally(self) -> str:
        """How many nodes of each emit point were captured, on one line."""
        counts = Counter(self.points())
        shown = ", ".join(f"{point or '(no type or label)'} x{n}" for point, n in counts.items())
        return f"emitted: {shown}" if counts else "no MATRIZ node emitted"

    def summary(self) -> str:
        """The captured nodes, one line each (at most MAX_SHOWN), for failure reports."""
        nodes = self.nodes
        problems: dict[int, list[str]] = {}
        for bad in self.invalid:
            problems.setdefault(bad.index, []).append(bad.problem)
        lines = [f"{len(nodes)} MATRIZ node(s) captured:" if nodes else "no MATRIZ node captured"]
        for offset, node in enumerate(nodes[:MAX_SHOWN]):
            index = self._cleared + offset + 1
            mark = "!" if index in problems else " "
            lines.append(f"{mark} #{index} {describe(node)}")
            lines += [f"      {problem}" for problem in problems.get(index, [])]
        if len(nodes) > MAX_SHOWN:
            lines.append(f"  ... and {len(nodes) - MAX_SHOWN} more")
        return "\n".join(lines)

    def evidence(self) -> dict[str, Any]:
        """The test's emitted points as the gate keeps them: deduplicated, bounded, JSON."""
        self.check()
        invalid = {bad.index - self._cleared - 1 for bad in self.invalid}
        emitted: Counter[tuple[str, tuple[str, ...], str, str | None]] = Counter(
            (point_of(node), tuple(labels_of(node)), outcome_of(node), producer_of(node))  # type: ignore[misc]
            for index, node in enumerate(self._nodes)
            if index not in invalid
        )
        problems = Counter((b.point, b.producer, b.pointer, b.message) for b in self.invalid)
        data: dict[str, Any] = {
            "emitted": [
                {"point": p, "labels": list(ls), "outcome": o, "producer": pr, "count": n}
                for (p, ls, o, pr), n in list(emitted.items())[:MAX_EMITTED]
            ],
            "invalid": [
                {"point": p, "producer": pr, "pointer": ptr, "message": m, "count": n}
                for (p, pr, ptr, m), n in list(problems.items())[:MAX_INVALID]
            ],
        }
        dropped = max(0, len(emitted) - MAX_EMITTED) + max(0, len(problems) - MAX_INVALID)
        if dropped:
            data["dropped"] = dropped
        return data


def _wanted(point: str, label: str | None) -> str:
    return repr(point) + (f" labelled {label!r}" if label else "")


def expected_points(marks: list[Any]) -> list[str]:
    """The points ``@pytest.mark.matriz(emits=[...])`` marks require; ValueError if misused."""
    points: list[str] = []
    for mark in marks:
        emits = mark.kwargs.get("emits")
        bad = mark.args or set(mark.kwargs) - {"emits"}
        if bad or not isinstance(emits, list | tuple) or not all(_is_point(p) for p in emits):
            raise ValueError(
                "@pytest.mark.matriz takes emits=[...], a list of 'TYPE:label' emit points, "
                f"such as emits=['CONSENT:governance:record']; found {mark.args!r} {mark.kwargs!r}"
            )
        points += [p for p in emits if p not in points]
    return points


def _is_point(value: object) -> bool:
    return isinstance(value, str) and ":" in value and all(value.partition(":")[::2])
