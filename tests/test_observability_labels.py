"""annotate: labels added to the node of the innermost instrumented call in progress."""

import asyncio
import threading
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lukhas.observability import MAX_LABELS, SINK_ENV, annotate, capture, instrument, trace
from lukhas.observability import sinks as sinks_module
from lukhas.observability.tracing import frame_var
from pytest_lukhas import schemas


@pytest.fixture(autouse=True)
def no_env_sink(monkeypatch):
    monkeypatch.delenv(SINK_ENV, raising=False)


@instrument("DECISION", label="test:labelled")
def labelled(*labels):
    annotate(*labels)


@instrument("COMPUTATION", label="test:inner")
def inner():
    annotate("where:inner")


@instrument("DECISION", label="test:outer")
def outer():
    annotate("where:outer-before")
    inner()
    annotate("where:outer-after")


@instrument("CONTEXT", label="test:alabelled")
async def alabelled(label):
    await asyncio.sleep(0)
    annotate(label)
    await asyncio.sleep(0)


def test_labels_follow_the_emit_label_in_order():
    with capture() as nodes:
        labelled("provider:null", "mode:dry_run")
    assert nodes[0]["labels"] == ["test:labelled", "provider:null", "mode:dry_run"]


def test_each_label_goes_to_the_innermost_call_in_progress():
    with capture() as nodes:
        outer()
    assert [node["labels"] for node in nodes] == [
        ["test:inner", "where:inner"],
        ["test:outer", "where:outer-before", "where:outer-after"],
    ]


def test_outside_a_call_annotate_does_nothing():
    with capture() as nodes:
        annotate("provider:null")
        labelled()
    assert nodes[0]["labels"] == ["test:labelled"]


def test_a_trace_inside_a_call_keeps_labelling_that_call():
    @instrument("DECISION", label="test:traced")
    def traced():
        with trace("inner-trace"):
            annotate("where:in-trace")

    with capture() as nodes, trace("outer-trace"):
        annotate("where:outside-any-call")
        traced()
    assert nodes[0]["labels"] == ["test:traced", "where:in-trace"]
    assert nodes[0]["provenance"]["trace_id"] == "outer-trace"


def test_without_a_sink_no_label_list_is_opened(monkeypatch):
    monkeypatch.setattr(sinks_module, "_registered", ())
    seen = []

    @instrument("DECISION", label="test:peek")
    def peek():
        seen.append(frame_var.get())
        annotate("provider:null")

    peek()
    assert seen == [None]


def test_a_label_already_on_the_node_is_not_added_twice():
    with capture() as nodes:
        labelled("provider:null", "provider:null", "test:labelled")
    assert nodes[0]["labels"] == ["test:labelled", "provider:null"]


def test_labels_past_the_schema_limit_are_dropped_with_one_warning():
    extra = [f"n:{i}" for i in range(MAX_LABELS + 3)]
    with capture() as nodes, pytest.warns(RuntimeWarning) as record:
        labelled(*extra)
    assert nodes[0]["labels"] == ["test:labelled", *extra[: MAX_LABELS - 1]]
    assert len(record) == 1
    message = str(record[0].message)
    assert "'test:labelled'" in message and "past the schema's 12 labels" in message
    assert all(f"'n:{i}'" in message for i in range(MAX_LABELS - 1, MAX_LABELS + 3))


@pytest.mark.parametrize("bad", ["", "x" * 65, 42, None])
def test_a_label_the_schema_refuses_is_dropped_with_a_warning_at_the_caller(bad):
    with capture() as nodes, pytest.warns(RuntimeWarning, match="not a string of 1 to 64") as w:
        labelled(bad, "mode:live")
    assert nodes[0]["labels"] == ["test:labelled", "mode:live"]
    assert w[0].filename == __file__


def test_dropping_labels_never_breaks_the_call_under_warnings_as_errors():
    with capture() as nodes, warnings.catch_warnings():
        warnings.simplefilter("error")
        labelled("", *(f"n:{i}" for i in range(20)))
    assert len(nodes[0]["labels"]) == MAX_LABELS


def test_concurrent_tasks_label_their_own_calls():
    async def main():
        await asyncio.gather(*(alabelled(f"task:{n}") for n in range(20)))

    with capture() as nodes:
        asyncio.run(main())
    assert sorted(node["labels"][1] for node in nodes) == sorted(f"task:{n}" for n in range(20))
    assert all(len(node["labels"]) == 2 for node in nodes)


def test_a_task_that_outlives_its_call_cannot_change_the_emitted_node():
    @instrument("DECISION", label="test:spawner")
    async def spawner():
        return asyncio.create_task(late())

    async def late():
        await asyncio.sleep(0)
        annotate("late:label")

    async def main():
        task = await spawner()
        await task

    with capture() as nodes:
        asyncio.run(main())
    assert nodes[0]["labels"] == ["test:spawner"]


def test_threads_label_their_own_calls():
    barrier = threading.Barrier(4)

    def run(n):
        barrier.wait()
        for _ in range(200):
            labelled(f"thread:{n}")

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    with capture() as nodes:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(nodes) == 800
    assert all(node["labels"][1].startswith("thread:") for node in nodes)
    assert all(len(node["labels"]) == 2 for node in nodes)


@given(st.lists(st.lists(st.one_of(st.text(max_size=70), st.integers()), max_size=8), max_size=6))
def test_any_annotations_still_give_a_schema_valid_node(calls):
    @instrument("DECISION", label="test:any")
    def annotated():
        for labels in calls:
            annotate(*labels)

    with capture() as nodes, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        annotated()
    [node] = nodes
    assert schemas.validate(schemas.MATRIZ_NODE, node, "node") == []
    assert node["labels"][0] == "test:any"
    assert len(set(node["labels"])) == len(node["labels"])
