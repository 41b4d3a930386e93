"""lukhas.observability.instrument: one MATRIZ node per call, and nothing else changes."""

import asyncio
import inspect
import json
import time
import traceback
from contextlib import nullcontext

import pytest

from lukhas.observability import (
    DEFAULT_TENANT,
    NODE_TYPES,
    SINK_ENV,
    EmitPoint,
    active_sinks,
    capture,
    current_tenant,
    current_trace_id,
    instrument,
    trace,
)
from lukhas.observability import sinks as sinks_module
from lukhas.observability.matriz_emit import node_emitter

SECRET = "usr_4711-secret"


@pytest.fixture(autouse=True)
def no_env_sink(monkeypatch):
    monkeypatch.delenv(SINK_ENV, raising=False)


@pytest.fixture
def no_sinks(monkeypatch):
    """No sink at all, not even one a test-run plugin registered."""
    monkeypatch.setattr(sinks_module, "_registered", ())


@instrument(
    "DECISION",
    label="test:add",
    capability="adding",
    salience=0.25,
    urgency=0.75,
    confidence=0.9,
    consent_scopes=["math.read"],
)
def add(a: int, b: int = 1) -> int:
    """Add two numbers."""
    return a + b


@instrument("CONTEXT", label="test:aadd")
async def aadd(a: int, b: int = 1) -> int:
    """Add two numbers, later."""
    await asyncio.sleep(0)
    return a + b


class Boom(Exception):
    pass


RAISED: list[Boom] = []  # each exception the two functions below raised


@instrument("VALIDATION", label="test:fail")
def fail() -> None:
    RAISED.append(Boom("boom"))
    raise RAISED[-1]


@instrument("VALIDATION", label="test:afail")
async def afail() -> None:
    await asyncio.sleep(0)
    RAISED.append(Boom("boom"))
    raise RAISED[-1]


@instrument("COMPUTATION", label="test:inner")
def inner() -> str | None:
    return current_trace_id()


@instrument("COMPUTATION", label="test:outer")
def outer() -> tuple[str | None, str | None]:
    return current_trace_id(), inner()


@instrument("MEMORY", label="test:echo")
def echo(value: str) -> str:
    return value


# --- the wrapped function is unchanged to its callers -----------------------------------


def test_wrapper_keeps_name_doc_signature_and_result():
    assert (add.__name__, add.__qualname__, add.__doc__) == ("add", "add", "Add two numbers.")
    assert str(inspect.signature(add)) == "(a: int, b: int = 1) -> int"
    assert add(2, b=3) == 5
    assert inspect.iscoroutinefunction(aadd)
    assert str(inspect.signature(aadd)) == "(a: int, b: int = 1) -> int"
    assert asyncio.run(aadd(2)) == 3


def test_wrapper_carries_its_emit_point():
    assert add.__matriz_emit_point__ == "DECISION:test:add"
    assert add.__matriz__ == EmitPoint(
        type="DECISION",
        label="test:add",
        capability="adding",
        salience=0.25,
        urgency=0.75,
        confidence=0.9,
        consent_scopes=("math.read",),
    )
    assert add.__matriz__.emit_point == add.__matriz_emit_point__
    assert aadd.__matriz__.capability == "aadd"  # the function's name by default
    with pytest.raises(AttributeError):
        add.__matriz__.label = "other"  # frozen


@pytest.mark.parametrize("with_sink", [False, True])
def test_exception_propagates_unchanged(with_sink):
    with capture() if with_sink else nullcontext(), pytest.raises(Boom) as info:
        fail()
    assert info.value is RAISED[-1]
    assert info.value.__context__ is None
    assert info.value.__cause__ is None
    assert traceback.extract_tb(info.value.__traceback__)[-1].name == "fail"


@pytest.mark.parametrize("with_sink", [False, True])
def test_async_exception_propagates_unchanged(with_sink):
    with capture() if with_sink else nullcontext(), pytest.raises(Boom) as info:
        asyncio.run(afail())
    assert info.value is RAISED[-1]
    assert info.value.__context__ is None
    assert traceback.extract_tb(info.value.__traceback__)[-1].name == "afail"


# --- decoration-time checks --------------------------------------------------------------


def test_unknown_node_type_is_refused_listing_the_allowed_ones():
    with pytest.raises(ValueError, match="'DECIDE' is not one of") as info:
        instrument("DECIDE", label="x")(lambda: None)
    assert all(ntype in str(info.value) for ntype in NODE_TYPES)


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"label": ""}, "label"),
        ({"label": "x" * 65}, "label"),
        ({"label": "x", "salience": 1.5}, "salience"),
        ({"label": "x", "urgency": -0.1}, "urgency"),
        ({"label": "x", "confidence": float("nan")}, "confidence"),
        ({"label": "x", "confidence": True}, "confidence"),
        ({"label": "x", "capability": ""}, "capability"),
        ({"label": "x", "consent_scopes": [""]}, "consent scope"),
    ],
)
def test_invalid_emit_point_fields_are_refused(kwargs, problem):
    with pytest.raises(ValueError, match=problem):
        instrument("DECISION", **kwargs)(lambda: None)


def test_a_single_string_is_not_taken_for_a_list_of_scopes():
    with pytest.raises(TypeError, match="consent_scopes must be a sequence"):
        instrument("CONSENT", label="x", consent_scopes="profile.read")(lambda: None)


def test_generator_functions_are_refused():
    def numbers():
        yield 1

    async def anumbers():
        yield 1

    for func in (numbers, anumbers):
        with pytest.raises(TypeError, match="generator function"):
            instrument("DECISION", label="x")(func)


# --- the node ----------------------------------------------------------------------------


def test_one_node_per_call_with_the_documented_shape():
    before = time.time_ns() // 1_000_000
    with capture() as nodes:
        assert add(1) == 2
    after = time.time_ns() // 1_000_000
    [node] = nodes
    assert node == {
        "version": 1,
        "id": node["id"],
        "type": "DECISION",
        "labels": ["test:add"],
        "state": {"confidence": 0.9, "salience": 0.25, "urgency": 0.75},
        "timestamps": {"created_ts": node["timestamps"]["created_ts"]},
        "provenance": {
            "producer": f"{__name__}.add",
            "capabilities": ["adding"],
            "tenant": DEFAULT_TENANT,
            "trace_id": node["provenance"]["trace_id"],
            "consent_scopes": ["math.read"],
        },
        "duration_ms": node["duration_ms"],
        "outcome": "ok",
    }
    assert node["id"].startswith(f"LT-{node['provenance']['trace_id']}#N")
    assert before <= node["timestamps"]["created_ts"] <= after
    assert isinstance(node["duration_ms"], float)
    assert 0 <= node["duration_ms"] <= after - before + 1
    assert f"{node['type']}:{node['labels'][0]}" == add.__matriz_emit_point__
    json.dumps(node)  # plain JSON types only


def test_node_is_emitted_after_the_call():
    seen_during_call = []

    @instrument("DECISION", label="test:peek")
    def peek(nodes):
        seen_during_call.append(len(nodes))

    with capture() as nodes:
        peek(nodes)
    assert seen_during_call == [0]
    assert len(nodes) == 1


def test_error_node_names_the_exception_class():
    with capture() as nodes, pytest.raises(Boom):
        fail()
    [node] = nodes
    assert (node["outcome"], node["error_type"]) == ("error", "Boom")


def test_base_exceptions_are_recorded_too():
    @instrument("DECISION", label="test:interrupt")
    def interrupted():
        raise KeyboardInterrupt

    with capture() as nodes, pytest.raises(KeyboardInterrupt):
        interrupted()
    assert nodes[0]["error_type"] == "KeyboardInterrupt"


def test_duration_measures_the_call():
    @instrument("DECISION", label="test:sleep")
    def sleepy():
        time.sleep(0.02)

    with capture() as nodes:
        sleepy()
    assert 20 <= nodes[0]["duration_ms"] < 1000


def test_arguments_and_return_values_are_never_recorded():
    with capture() as nodes:
        assert echo(SECRET) == SECRET
        assert echo(value=SECRET) == SECRET
    assert len(nodes) == 2
    assert SECRET not in json.dumps(nodes)


def test_async_call_emits_one_node_after_it_completes():
    async def main():
        with capture() as nodes:
            task = asyncio.create_task(aadd(1))
            await asyncio.sleep(0)
            assert nodes == []  # still running
            assert await task == 2
        return nodes

    [node] = asyncio.run(main())
    assert (node["type"], node["labels"], node["outcome"]) == ("CONTEXT", ["test:aadd"], "ok")
    assert node["provenance"]["capabilities"] == ["aadd"]


def test_async_error_and_cancellation_are_recorded():
    async def main():
        with capture() as nodes:
            with pytest.raises(Boom):
                await afail()
            task = asyncio.create_task(aadd(1))
            await asyncio.sleep(0)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        return nodes

    errors = [node["error_type"] for node in asyncio.run(main())]
    assert errors == ["Boom", "CancelledError"]


def test_methods_can_be_instrumented():
    class Ledger:
        @instrument("CONSENT", label="test:method")
        def record(self, scope):
            return scope

    with capture() as nodes:
        assert Ledger().record("s") == "s"
    assert nodes[0]["provenance"]["producer"].endswith("Ledger.record")


def test_node_ids_are_unique():
    with capture() as nodes:
        for i in range(500):
            add(i)
        with trace("same-trace"):
            for i in range(500):
                add(i)
    assert len({node["id"] for node in nodes}) == 1000


def test_the_call_that_opens_a_trace_is_its_node_0_and_the_others_are_numbered():
    with capture() as nodes:
        outer()
        asyncio.run(aadd(1))
        with trace("given"):
            add(1)
            asyncio.run(aadd(1))
    inner_node, outer_node, async_node, *in_given = nodes
    trace_id = outer_node["provenance"]["trace_id"]
    assert outer_node["id"] == f"LT-{trace_id}#N0"
    assert inner_node["id"].removeprefix(f"LT-{trace_id}#N").isdigit()
    assert inner_node["id"] != outer_node["id"]
    assert async_node["id"] == f"LT-{async_node['provenance']['trace_id']}#N0"
    # Calls inside a trace someone else opened never take node 0, whoever reuses its id.
    assert [node["id"].removeprefix("LT-given#N").isdigit() for node in in_given] == [True] * 2
    assert "LT-given#N0" not in {node["id"] for node in in_given}


def _fixed_parts(node: dict) -> dict:
    """A node without what differs per call: id, time, duration and the trace id."""
    provenance = {k: v for k, v in node["provenance"].items() if k != "trace_id"}
    skip = ("id", "timestamps", "duration_ms", "provenance")
    return {**{k: v for k, v in node.items() if k not in skip}, "provenance": provenance}


@pytest.mark.parametrize("raises", [False, True], ids=["ok", "error"])
def test_sync_async_and_emitter_nodes_have_one_shape(raises):
    """The sync wrapper builds its node in its own body: it must match the emitter's."""
    point = EmitPoint(type="CONSENT", label="test:same", capability="same", consent_scopes=("s",))
    options = {"label": point.label, "capability": "same", "consent_scopes": ["s"]}

    def body():
        if raises:
            raise Boom("boom")

    async def abody():
        body()

    sync = instrument("CONSENT", **options)(body)
    asynchronous = instrument("CONSENT", **options)(abody)
    with capture() as nodes:
        with pytest.raises(Boom) if raises else nullcontext():
            sync()
        with pytest.raises(Boom) if raises else nullcontext():
            asyncio.run(asynchronous())
        emit = node_emitter(point, f"{__name__}.{body.__qualname__}")
        emit(active_sinks(), "t-1", True, 0.001, "Boom" if raises else None, [point.label])
    sync_node, async_node, emitted = nodes
    assert list(sync_node) == list(async_node) == list(emitted)  # same keys, same order
    assert list(sync_node["provenance"]) == list(emitted["provenance"])
    assert _fixed_parts(sync_node) == _fixed_parts(emitted)
    assert _fixed_parts(async_node) == {
        **_fixed_parts(emitted),
        "provenance": {
            **_fixed_parts(emitted)["provenance"],
            "producer": f"{__name__}.{abody.__qualname__}",
        },
    }
    assert emitted["id"] == "LT-t-1#N0"


# --- trace id and tenant -----------------------------------------------------------------


def test_each_top_level_call_gets_a_fresh_trace_and_nested_calls_share_it():
    with capture() as nodes:
        outer_trace, inner_trace = outer()
        outer()
    inner1, outer1, inner2, outer2 = nodes  # inner calls finish first
    assert outer_trace == inner_trace == outer1["provenance"]["trace_id"]
    assert inner1["provenance"]["trace_id"] == outer1["provenance"]["trace_id"]
    assert inner2["provenance"]["trace_id"] == outer2["provenance"]["trace_id"]
    assert outer1["provenance"]["trace_id"] != outer2["provenance"]["trace_id"]
    assert current_trace_id() is None  # the call's trace ended with it


def test_trace_sets_trace_id_and_tenant_for_every_call_inside():
    with capture() as nodes, trace("checkout-42", tenant="acme") as trace_id:
        assert trace_id == "checkout-42"
        assert (current_trace_id(), current_tenant()) == ("checkout-42", "acme")
        add(1)
        asyncio.run(aadd(1))
    assert [node["provenance"]["trace_id"] for node in nodes] == ["checkout-42"] * 2
    assert [node["provenance"]["tenant"] for node in nodes] == ["acme"] * 2
    assert (current_trace_id(), current_tenant()) == (None, DEFAULT_TENANT)


def test_trace_generates_an_id_and_inner_traces_restore_the_outer_one():
    with trace(tenant="acme") as first:
        assert first and current_trace_id() == first
        with trace() as second:
            assert second != first
            assert current_tenant() == "acme"  # kept from the enclosing trace
        assert current_trace_id() == first


@pytest.mark.parametrize(
    ("trace_id", "tenant"), [("", None), (" ", None), ("x" * 65, None), (42, None), ("t", "")]
)
def test_trace_refuses_bad_ids(trace_id, tenant):
    with pytest.raises(ValueError, match=r"trace_id|tenant"), trace(trace_id, tenant=tenant):
        pass
    assert (current_trace_id(), current_tenant()) == (None, DEFAULT_TENANT)


def test_without_a_sink_no_trace_is_opened(no_sinks):
    assert outer() == (None, None)


def test_without_a_sink_no_node_is_built(no_sinks, monkeypatch):
    from lukhas.observability import matriz_decorators, matriz_emit

    def forbidden(*_):
        raise AssertionError("a node was built with no sink active")

    monkeypatch.setattr(matriz_emit, "time_ns", forbidden)  # the async wrapper's emitter
    monkeypatch.setattr(matriz_decorators, "time_ns", forbidden)  # the sync wrapper
    assert add(1) == 2
    assert asyncio.run(aadd(1)) == 2
