"""annotate: labels go to the node of the innermost instrumented call in progress."""

import asyncio

from lukhas.observability import annotate, capture, instrument


@instrument("DECISION", label="test:inner")
def inner() -> None:
    annotate("provider:null")


@instrument("CONTEXT", label="test:outer")
def outer() -> None:
    annotate("mode:dry_run")
    inner()
    annotate("scope:x")


@instrument("CONTEXT", label="test:async")
async def outer_async() -> None:
    annotate("consent:refused")
    await asyncio.sleep(0)


def test_labels_go_to_the_innermost_call_in_progress():
    with capture() as nodes:
        outer()
        asyncio.run(outer_async())
    assert [n["labels"] for n in nodes] == [
        ["test:inner", "provider:null"],
        ["test:outer", "mode:dry_run", "scope:x"],
        ["test:async", "consent:refused"],
    ]


def test_annotating_outside_a_call_or_without_a_sink_does_nothing():
    annotate("provider:null")
    outer()
    with capture() as nodes:
        inner()
    assert nodes[0]["labels"] == ["test:inner", "provider:null"]
