"""MatrizEvents and the node helpers directly, with an emitter made of two functions."""

from __future__ import annotations

import copy
import json
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lukhas.observability import capture, instrument
from pytest_lukhas import capture as capture_module
from pytest_lukhas.capture import Emitter, MatrizEvents, expected_points
from pytest_lukhas.matriz_nodes import describe, point_of, problems_of


class FakeEmitter:
    def __init__(self):
        self.sinks = []

    def add_sink(self, sink):
        self.sinks.append(sink)

    def remove_sink(self, sink):
        self.sinks.remove(sink)

    def emit(self, node):
        for sink in list(self.sinks):
            sink(node)


@instrument("DECISION", label="unit:node")
def call():
    pass


def valid_node():
    with capture() as nodes:
        call()
    return nodes[0]


NODE = valid_node()


def node_with(point="DECISION:unit:node", labels=(), outcome="ok", producer="pkg.mod.f"):
    node = copy.deepcopy(NODE)
    ntype, label = point.split(":", 1)
    node["type"], node["labels"] = ntype, [label, *labels]
    node["outcome"] = outcome
    node.pop("error_type", None)
    if outcome == "error":
        node["error_type"] = "Boom"
    node["provenance"]["producer"] = producer
    return node


@pytest.fixture
def emitter():
    return FakeEmitter()


@pytest.fixture
def events(emitter):
    events = MatrizEvents(Emitter("fake", emitter.add_sink, emitter.remove_sink))
    events.start()
    yield events
    events.stop()


def test_collects_only_between_start_and_stop(emitter):
    events = MatrizEvents(Emitter("fake", emitter.add_sink, emitter.remove_sink))
    emitter.emit(NODE)
    events.start()
    emitter.emit(NODE)
    events.stop()
    emitter.emit(NODE)
    assert events.nodes == [NODE]
    assert emitter.sinks == []


def test_nodes_from_many_threads_all_arrive(emitter, events):
    def emit_many():
        for _ in range(500):
            emitter.emit(NODE)

    threads = [threading.Thread(target=emit_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(events) == 2000


@pytest.mark.parametrize(
    ("change", "pointer", "message"),
    [
        (lambda n: n["state"].update(salience=3), "/state/salience", "greater than the maximum"),
        (lambda n: n.pop("id"), "", '"id" is a required property'),
        (lambda n: n.update(labels=["x" * 65]), "/labels/0", "longer than 64 characters"),
        (lambda n: n.update(labels=[f"l{i}" for i in range(13)]), "/labels", "more than 12"),
        (lambda n: n.update(outcome="error"), "", '"error_type" is a required property'),
        (lambda n: n.update(labels={"a"}), "/labels", "array"),  # not JSON data at all
    ],
)
def test_each_schema_problem_has_its_json_pointer(change, pointer, message):
    node = copy.deepcopy(NODE)
    change(node)
    problems = problems_of(node)
    assert [p.pointer for p in problems] == [pointer]
    assert message in problems[0].message


def test_a_valid_node_has_no_problem_and_anything_else_is_described():
    assert problems_of(NODE) == []
    assert problems_of("not a node")[0].pointer == ""
    assert point_of(NODE) == "DECISION:unit:node"
    assert describe(NODE) == f"DECISION:unit:node ok from {__name__}.call"
    assert describe(["x"]) == "not an object: ['x']"
    assert point_of({"type": "DECISION", "labels": []}) is None


def test_check_reports_each_invalid_node_once_with_its_number(emitter, events):
    bad = copy.deepcopy(NODE)
    bad["state"]["salience"] = 2
    emitter.emit(NODE)
    emitter.emit(bad)
    [found] = events.check()
    assert (found.index, found.pointer) == (2, "/state/salience")
    assert events.check() == []
    events.clear()
    emitter.emit(bad)
    [again] = events.check()
    assert again.index == 3  # numbers stay stable across clear()
    assert "! #3 DECISION:unit:node ok" in events.summary()
    assert (
        "      invalid at /state/salience: 2 is greater than the maximum of 1" in events.summary()
    )


def test_summary_is_bounded(emitter, events):
    for _ in range(capture_module.MAX_SHOWN + 5):
        emitter.emit(NODE)
    lines = events.summary().splitlines()
    assert lines[0] == f"{capture_module.MAX_SHOWN + 5} MATRIZ node(s) captured:"
    assert lines[-1] == "  ... and 5 more"
    assert len(lines) == capture_module.MAX_SHOWN + 2


def test_evidence_deduplicates_and_keeps_producer_and_labels(emitter, events):
    for node in [
        node_with(labels=["provider:null"]),
        node_with(labels=["provider:null"]),
        node_with(labels=["provider:x"]),
        node_with(outcome="error"),
        node_with(producer="other.f"),
    ]:
        emitter.emit(node)
    bad = node_with()
    bad["state"]["urgency"] = -1
    emitter.emit(bad)
    emitter.emit(bad)
    assert events.evidence() == {
        "emitted": [
            {"point": "DECISION:unit:node", "labels": ["unit:node", "provider:null"],
             "outcome": "ok", "producer": "pkg.mod.f", "count": 2},
            {"point": "DECISION:unit:node", "labels": ["unit:node", "provider:x"],
             "outcome": "ok", "producer": "pkg.mod.f", "count": 1},
            {"point": "DECISION:unit:node", "labels": ["unit:node"],
             "outcome": "error", "producer": "pkg.mod.f", "count": 1},
            {"point": "DECISION:unit:node", "labels": ["unit:node"],
             "outcome": "ok", "producer": "other.f", "count": 1},
        ],
        "invalid": [
            {"point": "DECISION:unit:node", "producer": "pkg.mod.f", "pointer": "/state/urgency",
             "message": "-1 is less than the minimum of 0", "count": 2},
        ],
    }  # fmt: skip


NODES = st.builds(
    node_with,
    point=st.sampled_from(["DECISION:a", "DECISION:b", "CONTEXT:a"]),
    labels=st.lists(st.sampled_from(["provider:null", "mode:live", "x:" + "y" * 70]), max_size=3),
    outcome=st.sampled_from(["ok", "error"]),
    producer=st.sampled_from(["p.a", "p.b"]),
)


@given(st.lists(NODES, max_size=60), st.integers(min_value=1, max_value=8))
def test_evidence_accounts_for_every_node_within_its_bounds(nodes, bound):
    emitter = FakeEmitter()
    events = MatrizEvents(Emitter("fake", emitter.add_sink, emitter.remove_sink))
    events.start()
    for node in nodes:
        emitter.emit(node)
    original = capture_module.MAX_EMITTED, capture_module.MAX_INVALID
    capture_module.MAX_EMITTED = capture_module.MAX_INVALID = bound
    try:
        data = events.evidence()
    finally:
        capture_module.MAX_EMITTED, capture_module.MAX_INVALID = original
    json.dumps(data)
    keys = [(e["point"], tuple(e["labels"]), e["outcome"], e["producer"]) for e in data["emitted"]]
    assert len(keys) == len(set(keys)) <= bound
    assert len(data["invalid"]) <= bound
    distinct_valid = {
        (point_of(n), tuple(n["labels"]), n["outcome"], n["provenance"]["producer"])
        for n in nodes
        if not problems_of(n)
    }
    distinct_invalid = {(e.point, e.producer, e.pointer, e.message) for e in events.invalid}
    if len(distinct_valid) <= bound and len(distinct_invalid) <= bound:
        assert "dropped" not in data
        valid = sum(1 for n in nodes if not problems_of(n))
        assert sum(e["count"] for e in data["emitted"]) == valid
    else:
        assert data["dropped"] == max(0, len(distinct_valid) - bound) + max(
            0, len(distinct_invalid) - bound
        )


@pytest.mark.parametrize(
    "kwargs",
    [{"emits": "A:b"}, {"emits": ["A"]}, {"emits": [""]}, {"emits": [1]}, {"emit": ["A:b"]}, {}],
)
def test_misused_marker_is_explained(kwargs):
    mark = pytest.mark.matriz(**kwargs).mark
    with pytest.raises(ValueError, match=r"takes emits=\[\.\.\.\], a list of 'TYPE:label'"):
        expected_points([mark])


def test_marker_points_combine_without_repeats():
    marks = [pytest.mark.matriz(emits=["A:b", "C:d"]).mark, pytest.mark.matriz(emits=("A:b",)).mark]
    assert expected_points(marks) == ["A:b", "C:d"]
