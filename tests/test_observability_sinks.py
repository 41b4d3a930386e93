"""Where nodes go: LUKHAS_MATRIZ_SINK, registered sinks, capture(), and failing sinks."""

import json
import logging
import os
import warnings

import pytest

from lukhas.observability import (
    MEMORY_CAPACITY,
    SINK_ENV,
    active_sinks,
    add_sink,
    capture,
    clear_memory,
    instrument,
    memory_nodes,
    remove_sink,
    sink_errors,
)
from lukhas.observability import sinks as sinks_module


@pytest.fixture(autouse=True)
def isolated(monkeypatch):
    """Start each test with no sink: no env value, nothing registered, nothing parsed yet."""
    monkeypatch.delenv(SINK_ENV, raising=False)
    monkeypatch.setattr(sinks_module, "_registered", ())
    monkeypatch.setattr(sinks_module, "_env_sinks", {})
    clear_memory()
    yield
    clear_memory()


@instrument("DECISION", label="test:sink")
def call(value: int = 0) -> int:
    return value


def test_no_sink_by_default():
    assert active_sinks() == ()
    assert call(1) == 1
    assert memory_nodes() == []


def test_memory_sink_collects_nodes_process_wide(monkeypatch):
    monkeypatch.setenv(SINK_ENV, "memory")
    call()
    call()
    assert [node["labels"] for node in memory_nodes()] == [["test:sink"]] * 2
    clear_memory()
    assert memory_nodes() == []


def test_memory_sink_keeps_only_the_most_recent_nodes(monkeypatch):
    monkeypatch.setenv(SINK_ENV, " Memory ")  # keywords: any case, padding ignored
    for _ in range(MEMORY_CAPACITY + 5):
        call()
    nodes = memory_nodes()
    assert len(nodes) == MEMORY_CAPACITY
    assert nodes[-1]["id"] != nodes[0]["id"]


def test_sink_is_looked_up_at_call_time(monkeypatch):
    call()
    monkeypatch.setenv(SINK_ENV, "memory")
    call()
    monkeypatch.setenv(SINK_ENV, "")
    call()
    monkeypatch.setenv(SINK_ENV, "memory")
    call()
    assert len(memory_nodes()) == 2


def test_jsonl_sink_appends_one_flushed_json_line_per_node(monkeypatch, tmp_path):
    path = tmp_path / "nodes.jsonl"
    monkeypatch.setenv(SINK_ENV, f"jsonl:{path}")
    with capture() as nodes:
        call(1)
        assert len(path.read_text().splitlines()) == 1  # written through, not buffered
        call(2)
    lines = path.read_text().splitlines()
    assert [json.loads(line) for line in lines] == nodes


def test_logging_sink_logs_the_node_at_info(monkeypatch, caplog):
    monkeypatch.setenv(SINK_ENV, "logging")
    with caplog.at_level(logging.INFO, logger="lukhas.matriz"):
        call()
    [record] = [r for r in caplog.records if r.name == "lukhas.matriz"]
    assert record.levelno == logging.INFO
    assert record.matriz_node["labels"] == ["test:sink"]
    assert "DECISION:test:sink" in record.getMessage()


@pytest.mark.parametrize("form", ["stdout", "jsonl:", "jsonl: ", "memory:x", "logging:y"])
def test_malformed_value_warns_once_and_emits_nothing(monkeypatch, form):
    monkeypatch.setenv(SINK_ENV, form)
    with pytest.warns(RuntimeWarning, match=f"{SINK_ENV}=.*names no sink.*jsonl:PATH"):
        assert call(3) == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert call(4) == 4  # the value was parsed once: no second warning
    assert active_sinks() == ()


def test_env_sink_and_registered_sinks_both_receive(monkeypatch):
    monkeypatch.setenv(SINK_ENV, "memory")
    with capture() as nodes:
        call()
    assert memory_nodes() == nodes
    assert len(nodes) == 1


def test_add_sink_is_idempotent_and_remove_sink_forgets_it():
    received = []
    add_sink(received.append)
    add_sink(received.append)
    call()
    assert len(received) == 1
    remove_sink(received.append)
    remove_sink(received.append)  # not registered: ignored
    call()
    assert len(received) == 1


def test_capture_collects_only_while_active():
    call()
    with capture() as nodes:
        call()
        with capture() as inner:
            call()
    call()
    assert (len(nodes), len(inner)) == (2, 1)
    assert active_sinks() == ()


def test_capture_stops_even_when_the_block_raises():
    with pytest.raises(RuntimeError), capture():
        raise RuntimeError
    assert active_sinks() == ()


def test_failing_sink_never_breaks_the_call_and_is_counted_and_warned_once():
    def broken(node):
        raise OSError("disk full")

    add_sink(broken)
    before = sink_errors()
    with capture() as nodes:
        with pytest.warns(RuntimeWarning, match="sink .*broken.* raised OSError: disk full") as w:
            assert call(5) == 5
        assert w[0].filename == __file__  # points at the instrumented function's caller
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert call(6) == 6  # counted, not warned again
    assert sink_errors() == before + 2
    assert len(nodes) == 2  # the other sinks still got every node


def test_failing_sink_under_warnings_as_errors_still_does_not_break_the_call():
    def broken(node):
        raise ValueError("nope")

    add_sink(broken)
    before = sink_errors()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert call(7) == 7
    assert sink_errors() == before + 1


def test_unwritable_jsonl_path_is_a_sink_error(monkeypatch, tmp_path):
    monkeypatch.setenv(SINK_ENV, f"jsonl:{tmp_path / 'missing' / 'nodes.jsonl'}")
    before = sink_errors()
    with pytest.warns(RuntimeWarning, match="FileNotFoundError"):
        assert call(8) == 8
    assert sink_errors() == before + 1


def test_sink_lookup_works_when_os_environ_is_a_plain_mapping(monkeypatch):
    monkeypatch.setattr(os, "environ", {SINK_ENV: "memory"})
    call()
    assert len(memory_nodes()) == 1
