"""Added cost per call of ``instrument``, against the bare function, measured in one run.

Each round makes CALLS calls, so a round's time in µs is the cost of one call in ns.
Subtract the bare row to get what instrumentation adds. Compare rows of one run only.

    .venv/bin/pytest benchmarks/test_instrument_overhead.py --benchmark-only
"""

import functools
import json
import os
import time
import uuid

import pytest

from lukhas.observability import SINK_ENV, annotate, capture, instrument, trace

CALLS = 1000
GROUP = "instrument overhead: round = 1000 calls, so us per round = ns per call"


def work(x: int) -> int:
    return x


def labelled_work(x: int) -> int:
    """work, plus the two labels a slice's provider registry adds to every call."""
    annotate("provider:null", "mode:dry_run")
    return x


def seed_instrument(ntype: str, label: str, stream):
    """The seed's reference design: per call, a node with uuid4, json.dumps and print."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            result = func(*args, **kwargs)
            node = {
                "id": str(uuid.uuid4()),
                "type": ntype,
                "labels": [label],
                "timestamps": {"created_ts": int(time.time() * 1000)},
                "duration_ms": (time.perf_counter() - start) * 1000,
            }
            print(json.dumps(node), file=stream)
            return result

        return wrapper

    return decorate


def calls(func) -> None:
    for i in range(CALLS):
        func(i)


@pytest.fixture(autouse=True)
def no_env_sink(monkeypatch):
    monkeypatch.delenv(SINK_ENV, raising=False)


@pytest.fixture
def instrumented():
    return instrument("DECISION", label="bench:work")(work)


@pytest.mark.benchmark(group=GROUP)
def test_bare(benchmark):
    benchmark(calls, work)


@pytest.mark.benchmark(group=GROUP)
def test_no_sink(benchmark, instrumented):
    benchmark(calls, instrumented)


@pytest.fixture
def labelled():
    return instrument("DECISION", label="bench:work")(labelled_work)


@pytest.mark.benchmark(group=GROUP)
def test_no_sink_annotated(benchmark, labelled):
    benchmark(calls, labelled)


@pytest.mark.benchmark(group=GROUP)
def test_memory_sink(benchmark, instrumented):
    """Nodes are kept in a capture() list, emptied between rounds outside the timing."""
    with capture() as nodes:
        benchmark.pedantic(
            calls, args=(instrumented,), setup=nodes.clear, rounds=300, warmup_rounds=5
        )
    assert len(nodes) == CALLS


@pytest.mark.benchmark(group=GROUP)
def test_memory_sink_in_trace(benchmark, instrumented):
    """As above, inside trace(): calls join it instead of each opening their own."""
    with capture() as nodes, trace("bench"):
        benchmark.pedantic(
            calls, args=(instrumented,), setup=nodes.clear, rounds=300, warmup_rounds=5
        )
    assert len(nodes) == CALLS


@pytest.mark.benchmark(group=GROUP)
def test_memory_sink_annotated(benchmark, labelled):
    """As test_memory_sink, with two labels added to each node by annotate()."""
    with capture() as nodes:
        benchmark.pedantic(calls, args=(labelled,), setup=nodes.clear, rounds=300, warmup_rounds=5)
    assert len(nodes) == CALLS
    assert nodes[0]["labels"] == ["bench:work", "provider:null", "mode:dry_run"]


@pytest.mark.benchmark(group=GROUP)
def test_seed_design(benchmark):
    with open(os.devnull, "w") as devnull:  # noqa: PTH123 - a stream, as the seed printed
        benchmark(calls, seed_instrument("DECISION", "bench:work", devnull)(work))
