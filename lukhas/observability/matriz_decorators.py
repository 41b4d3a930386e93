"""``instrument``: one MATRIZ node per call of a public API function, sync or async."""

import functools
import inspect
from collections.abc import Callable, Sequence
from time import perf_counter, time_ns
from typing import Any, TypeVar

from lukhas.observability.matriz_emit import EmitPoint, node_counter, node_emitter, node_parts
from lukhas.observability.sinks import active_sinks, sink_failed
from lukhas.observability.tracing import frame_var, new_trace_id, tenant_var

F = TypeVar("F", bound=Callable[..., Any])


def instrument(
    ntype: str,
    *,
    label: str,
    capability: str | None = None,
    salience: float = 0.5,
    urgency: float = 0.5,
    confidence: float = 1.0,
    consent_scopes: Sequence[str] = (),
) -> Callable[[F], F]:
    """Emit one MATRIZ node of type ``ntype`` per call, after it returns or raises.

    The node's capability is ``capability`` or the function's name; its first label is
    ``label``, and code the call runs may add more with ``annotate``. Arguments and return
    values are never recorded; exceptions propagate unchanged. With no sink active the
    call costs one sink lookup and no node is built. The wrapper carries
    ``__matriz_emit_point__`` (``"TYPE:label"``) and ``__matriz__`` (its EmitPoint).
    """

    def decorate(func: F) -> F:
        if inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func):
            raise TypeError(
                f"instrument cannot wrap generator function {func.__qualname__}: its call only "
                "creates the generator; instrument the function that consumes it instead"
            )
        if isinstance(consent_scopes, str):  # would become one scope per character
            raise TypeError(f"consent_scopes must be a sequence of scopes, got {consent_scopes!r}")
        # Validated here, at decoration time, so a typo fails at import rather than per call.
        point = EmitPoint(
            type=ntype,
            label=label,
            capability=func.__name__ if capability is None else capability,
            salience=salience,
            urgency=urgency,
            confidence=confidence,
            consent_scopes=tuple(consent_scopes),
        )
        producer = f"{func.__module__}.{func.__qualname__}"
        make_wrapper = _async_wrapper if inspect.iscoroutinefunction(func) else _wrapper
        wrapper = make_wrapper(func, point, producer)
        wrapper.__matriz_emit_point__ = point.emit_point  # type: ignore[attr-defined]
        wrapper.__matriz__ = point  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


# The wrappers run on every public call, so they are written out in full: a helper called
# per call costs about 0.2 µs (see BENCHMARKS.md). The synchronous one, the common case,
# builds its node in its own body with the lines of ``node_emitter``; the asynchronous one,
# whose await costs far more, calls the emitter.


def _wrapper(func: Callable[..., Any], point: EmitPoint, producer: str) -> Callable[..., Any]:
    label = point.label
    template, state, producer, capability, scopes = node_parts(point, producer)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        sinks = active_sinks()
        if not sinks:
            return func(*args, **kwargs)
        frame = frame_var.get()
        # A top-level call opens a trace; nested instrumented calls share it.
        trace_id = new_trace_id() if frame is None else frame[0]
        labels = [label]  # annotate() adds to it while the call runs
        token = frame_var.set((trace_id, labels))
        error_type = None
        start = perf_counter()
        try:
            return func(*args, **kwargs)
        except BaseException as exc:
            error_type = type(exc).__name__
            raise
        finally:
            duration_s = perf_counter() - start
            frame_var.reset(token)
            node = template.copy()
            node["id"] = (
                "LT-" + trace_id + "#N0"
                if frame is None
                else f"LT-{trace_id}#N{next(node_counter)}"
            )
            # A copy: a thread the call started may still annotate after the node is emitted.
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
                    sink_failed(sink, exc, stacklevel=4)  # warn <- sink_failed <- here <- caller

    return wrapper


def _async_wrapper(func: Callable[..., Any], point: EmitPoint, producer: str) -> Callable[..., Any]:
    label = point.label
    emit = node_emitter(point, producer)

    @functools.wraps(func)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        sinks = active_sinks()
        if not sinks:
            return await func(*args, **kwargs)
        frame = frame_var.get()
        # A top-level call opens a trace; nested instrumented calls share it.
        trace_id = new_trace_id() if frame is None else frame[0]
        labels = [label]  # annotate() adds to it while the call runs
        token = frame_var.set((trace_id, labels))
        error_type = None
        start = perf_counter()
        try:
            return await func(*args, **kwargs)
        except BaseException as exc:
            error_type = type(exc).__name__
            raise
        finally:
            duration = perf_counter() - start
            frame_var.reset(token)
            emit(sinks, trace_id, frame is None, duration, error_type, labels)

    return wrapper
