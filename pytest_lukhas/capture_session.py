"""When to capture a test's MATRIZ nodes, and what to do with them when its phases end.

A test is captured when it asks for ``matriz_events``, carries ``@pytest.mark.matriz``,
or runs under ``--lukhas-gate`` (then every test is, and its emitted points become gate
evidence). The capture spans setup, call and teardown. An invalid node fails the test;
a failed test shows its captured nodes in a "Captured matriz" report section.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from .capture import Emitter, EmitterUnavailable, MatrizEvents, expected_points, load_emitter
from .evidence import item_data

FIXTURE = "matriz_events"
MARKER = "matriz"
EVIDENCE_KEY = "matriz"
_EVENTS = pytest.StashKey[MatrizEvents]()
_EXPECTED = pytest.StashKey[list[str]]()


class CaptureSession:
    """The capture side of one pytest session (one per xdist worker)."""

    def __init__(self, emitter_name: str, gate: bool) -> None:
        self.emitter_name = emitter_name
        self.gate = gate
        self._emitter: Emitter | str | None = None  # loaded on first use; str: why not

    def emitter(self) -> Emitter:
        """The emitter module, imported once; raises EmitterUnavailable."""
        if self._emitter is None:
            try:
                self._emitter = load_emitter(self.emitter_name)
            except EmitterUnavailable as exc:
                self._emitter = str(exc)
        if isinstance(self._emitter, str):
            raise EmitterUnavailable(self._emitter)
        return self._emitter

    def events(self, item: pytest.Item) -> MatrizEvents:
        """The ``matriz_events`` of ``item``, started now if the test did not start with one."""
        events = item.stash.get(_EVENTS, None)
        if events is not None:
            return events
        try:
            return self._start(item)
        except EmitterUnavailable as exc:
            problem = f"{FIXTURE}: {exc}"
        pytest.fail(problem, pytrace=False)  # outside the except: no chained traceback

    @contextmanager
    def phase(self, item: pytest.Item, when: str) -> Iterator[None]:
        """Wrap one phase of ``item``: start capturing before setup, check after each phase."""
        if when == "setup":
            self._begin(item)
        try:
            yield
        except pytest.skip.Exception:
            self._end_phase(item, when, "skipped")
            raise
        except BaseException:
            self._end_phase(item, when, "failed")
            raise
        self._end_phase(item, when, "passed")

    def _begin(self, item: pytest.Item) -> None:
        marks = list(item.iter_markers(MARKER))
        problem = None
        try:
            item.stash[_EXPECTED] = expected_points(marks)
            if self.gate or marks or FIXTURE in getattr(item, "fixturenames", ()):
                self._start(item)
        except ValueError as exc:  # a misused marker
            problem = str(exc)
        except EmitterUnavailable as exc:
            if self.gate:  # fail closed: criterion 3 reads this from the evidence
                item_data(item)[EVIDENCE_KEY] = unavailable(exc)
            problem = f"@pytest.mark.{MARKER}: {exc}" if marks else None
        if problem:  # outside the except: no chained traceback
            pytest.fail(problem, pytrace=False)

    def _start(self, item: pytest.Item) -> MatrizEvents:
        events = MatrizEvents(self.emitter())
        events.start()
        item.stash[_EVENTS] = events
        return events

    def _end_phase(self, item: pytest.Item, when: str, outcome: str) -> None:
        """Check the phase's nodes; fail a phase that passed if one is invalid or missing."""
        events = item.stash.get(_EVENTS, None)
        if events is None:
            return
        if when == "teardown":
            events.stop()
        problems = [str(bad) for bad in events.check()]
        if when == "call" and outcome == "passed":
            problems += _missing(events, item.stash.get(_EXPECTED, []))
        if when == "teardown" and self.gate:
            item_data(item)[EVIDENCE_KEY] = events.evidence()
        if outcome == "failed" or problems:
            item.add_report_section(when, MARKER, events.summary())
        if problems and outcome == "passed":
            pytest.fail("\n".join(problems), pytrace=False)


def unavailable(exc: EmitterUnavailable) -> dict[str, object]:
    """The evidence of a test whose nodes could not be captured."""
    return {"emitted": [], "invalid": [], "unavailable": str(exc)}


def _missing(events: MatrizEvents, expected: list[str]) -> list[str]:
    emitted = set(events.points())
    return [
        f"@pytest.mark.{MARKER}(emits=[...]): {point!r} was not emitted; {events.tally()}"
        for point in expected
        if point not in emitted
    ]
