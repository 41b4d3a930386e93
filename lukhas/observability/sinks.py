"""Where MATRIZ nodes go: the sink named by ``LUKHAS_MATRIZ_SINK`` plus registered sinks.

Sinks are looked up on every instrumented call, so the cheap answer "no sink" is what
keeps instrumentation nearly free. A sink that raises never breaks the call it observes.
"""

import os
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from lukhas.observability.builtin_sinks import Node, Sink, SinkSpecError, parse_sink_spec

SINK_ENV = "LUKHAS_MATRIZ_SINK"
# os.environ.get costs about 1 µs when the variable is unset (it raises and catches
# KeyError); the dict behind os.environ answers the same question in about 50 ns and
# sees every change made through os.environ (monkeypatch.setenv included).
# Its keys are bytes on POSIX and upper-case str on Windows.
_SINK_KEY: bytes | str = SINK_ENV if os.name == "nt" else os.fsencode(SINK_ENV)

_lock = threading.Lock()
_registered: tuple[Sink, ...] = ()  # replaced, never mutated, so readers need no lock
_env_sinks: dict[bytes | str, tuple[Sink, ...]] = {}  # raw env value -> its sinks
_errors = 0
_warned: set[object] = set()


def active_sinks() -> tuple[Sink, ...]:
    """The sinks a node emitted now goes to (empty when there are none)."""
    try:
        raw = os.environ._data.get(_SINK_KEY)  # type: ignore[attr-defined]
    except AttributeError:  # os.environ replaced by a plain mapping
        raw = os.environ.get(SINK_ENV)
    if not raw:
        return _registered
    env_sinks = _env_sinks.get(raw)
    if env_sinks is None:
        env_sinks = _parse_env(raw)
    return _registered + env_sinks


def _parse_env(raw: bytes | str) -> tuple[Sink, ...]:
    problem = None
    try:
        sink = parse_sink_spec(os.fsdecode(raw))
    except SinkSpecError as exc:
        sink, problem = None, exc
    parsed = () if sink is None else (sink,)
    with _lock:
        cached = _env_sinks.setdefault(raw, parsed)
    if problem is not None and cached is parsed:  # warn once per value
        warn(f"{problem}; MATRIZ nodes are not emitted to it")
    return cached


def add_sink(sink: Sink) -> None:
    """Send every node emitted from now on, from any thread, to ``sink`` (idempotent)."""
    global _registered  # noqa: PLW0603 - copy-on-write tuple
    with _lock:
        if sink not in _registered:
            _registered = (*_registered, sink)


def remove_sink(sink: Sink) -> None:
    """Stop sending nodes to ``sink``; a sink that was not added is ignored."""
    global _registered  # noqa: PLW0603 - copy-on-write tuple
    with _lock:
        _registered = tuple(s for s in _registered if s != sink)


@contextmanager
def capture() -> Iterator[list[Node]]:
    """Collect, in a list, every node emitted while the block runs, from any thread or task."""
    nodes: list[Node] = []
    sink = nodes.append  # list.append is atomic: safe from any thread
    add_sink(sink)
    try:
        yield nodes
    finally:
        remove_sink(sink)


def sink_errors() -> int:
    """How many times a sink has raised in this process."""
    return _errors


def sink_failed(sink: Sink, exc: Exception, stacklevel: int = 5) -> None:
    """Count a sink's error and warn about it, once per sink (``stacklevel`` as for ``warn``)."""
    global _errors  # noqa: PLW0603 - process-wide counter
    with _lock:
        _errors += 1
        try:
            first = sink not in _warned
            _warned.add(sink)
        except TypeError:  # an unhashable callable: warn each time rather than never
            first = True
    if first:
        message = (
            f"MATRIZ sink {sink!r} raised {type(exc).__name__}: {exc}; nodes it missed are lost"
        )
        warn(message, stacklevel)


def warn(message: str, stacklevel: int = 5) -> None:
    """Warn without ever raising: under ``-W error`` the warning is lost, not the call.

    ``stacklevel`` counts from ``warn`` itself; the default, 5, points at the line that
    called the instrumented function (warn <- sink_failed or _parse_env <- the emitter or
    sink lookup <- the wrapper <- that line); the sync wrapper, which builds its node
    itself, passes 4.
    """
    with suppress(Exception):
        warnings.warn(message, RuntimeWarning, stacklevel=stacklevel)
