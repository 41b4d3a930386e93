"""Instrumentation under threads, asyncio tasks and fork: exact counts, no crossed traces."""

import asyncio
import multiprocessing
import os
import threading
from collections import Counter

import pytest

from lukhas.observability import (
    SINK_ENV,
    capture,
    current_trace_id,
    instrument,
    new_trace_id,
    trace,
)

THREADS = 8
CALLS = 1000


@pytest.fixture(autouse=True)
def no_env_sink(monkeypatch):
    monkeypatch.delenv(SINK_ENV, raising=False)


@instrument("COMPUTATION", label="test:work")
def work(i: int) -> int:
    return i


@instrument("COMPUTATION", label="test:step")
async def step(i: int) -> str | None:
    await asyncio.sleep(0)
    return current_trace_id()


@instrument("COMPUTATION", label="test:job")
async def job(i: int) -> list[str | None]:
    seen = [await step(i)]
    await asyncio.sleep(0)
    seen.append(await step(i))
    return seen


def run_threads(target) -> None:
    barrier = threading.Barrier(THREADS)

    def start(n: int) -> None:
        barrier.wait()
        target(n)

    threads = [threading.Thread(target=start, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_threads_exact_count_unique_ids_fresh_traces():
    def calls(_: int) -> None:
        for i in range(CALLS):
            work(i)

    with capture() as nodes:
        run_threads(calls)
    assert len(nodes) == THREADS * CALLS
    assert len({node["id"] for node in nodes}) == THREADS * CALLS
    assert len({node["provenance"]["trace_id"] for node in nodes}) == THREADS * CALLS


def test_each_thread_keeps_its_own_trace():
    def calls(n: int) -> None:
        with trace(f"thread-{n}", tenant=f"tenant-{n}"):
            for i in range(CALLS):
                work(i)

    with capture() as nodes:
        run_threads(calls)
    per_trace = Counter((n["provenance"]["trace_id"], n["provenance"]["tenant"]) for n in nodes)
    assert per_trace == {(f"thread-{n}", f"tenant-{n}"): CALLS for n in range(THREADS)}


def test_a_trace_does_not_leak_into_a_new_thread():
    seen = []
    with capture() as nodes, trace("main-thread"):
        thread = threading.Thread(target=lambda: seen.append(current_trace_id()) or work(1))
        thread.start()
        thread.join()
    assert seen == [None]
    assert nodes[0]["provenance"]["trace_id"] != "main-thread"


def test_concurrent_tasks_keep_their_own_traces():
    tasks = 50

    async def traced(n: int) -> list[str | None]:
        with trace(f"task-{n}"):
            return await job(n)

    async def main() -> list[list[str | None]]:
        return await asyncio.gather(*(traced(n) for n in range(tasks)))

    with capture() as nodes:
        seen = asyncio.run(main())
    assert seen == [[f"task-{n}", f"task-{n}"] for n in range(tasks)]
    assert Counter(node["provenance"]["trace_id"] for node in nodes) == {
        f"task-{n}": 3 for n in range(tasks)
    }


def test_concurrent_untraced_tasks_each_get_one_trace_for_their_nested_calls():
    tasks = 50

    async def main() -> list[list[str | None]]:
        return await asyncio.gather(*(job(n) for n in range(tasks)))

    with capture() as nodes:
        seen = asyncio.run(main())
    assert all(len(set(pair)) == 1 and pair[0] for pair in seen)  # both steps share a trace
    assert len({pair[0] for pair in seen}) == tasks  # and no two tasks do
    jobs = [node for node in nodes if node["labels"] == ["test:job"]]
    assert sorted(node["provenance"]["trace_id"] for node in jobs) == sorted(p[0] for p in seen)


def _child_trace_id(queue) -> None:
    queue.put(new_trace_id())


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_generates_different_trace_ids():
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child_trace_id, args=(queue,))
    child.start()
    child_id = queue.get(timeout=30)
    child.join(timeout=30)
    parent_prefix = new_trace_id().rsplit("-", 1)[0]
    assert child_id.rsplit("-", 1)[0] != parent_prefix
