import asyncio
import json
import logging
from pathlib import Path

import pytest

from candidate.orchestration.context import ContextBus, Status
from candidate.orchestration.context.metrics import SLA_MS
from lukhas.observability import add_sink, capture, remove_sink, trace
from pytest_lukhas.schemas import MATRIZ_NODE, validate

SLICE_MANIFEST = Path(__file__).resolve().parents[4] / (
    "lukhas/orchestration/context/MODULE_MANIFEST.json"
)
PERSONAL = "alice@example.com"


def handoffs(*calls, sla_ms=SLA_MS, targets=None):
    """Run ``calls`` ((ctx, target, kwargs)) on a fresh bus; their outcomes and nodes."""

    async def main():
        bus = ContextBus(sla_ms=sla_ms)
        for name, handler in (targets or {"t": lambda ctx: "ok"}).items():
            bus.add_target(name, handler)
        return [await bus.handoff(ctx, target, **kwargs) for ctx, target, kwargs in calls]

    with capture() as nodes:
        outcomes = asyncio.run(main())
    return outcomes, nodes


def test_every_handoff_is_one_schema_valid_context_node_at_the_slices_emit_point():
    outcomes, nodes = handoffs(({"a": 1}, "t", {}), ({"a": 2}, "missing", {}), ("bad", "t", {}))
    assert [f"{n['type']}:{n['labels'][0]}" for n in nodes] == ["CONTEXT:orchestration:handoff"] * 3
    declared = json.loads(SLICE_MANIFEST.read_text())["matriz_emit_points"]
    assert "CONTEXT:orchestration:handoff" in declared
    for node in nodes:
        assert validate(MATRIZ_NODE, node, "node") == []
    assert [n["labels"][1:] for n in nodes] == [
        ["provider:context-bus", "mode:live", "target:t", "handoff:delivered"],
        ["provider:context-bus", "mode:live", "target:unknown", "handoff:unknown_target"],
        ["provider:context-bus", "mode:live", "target:unknown", "handoff:invalid_input"],
    ]
    assert [(n["outcome"], n.get("error_type")) for n in nodes] == [
        ("ok", None),
        ("error", "unknown_target"),
        ("error", "invalid_input"),
    ]
    assert [n["duration_ms"] for n in nodes] == [o.duration_ms for o in outcomes]


def test_a_handler_error_node_names_the_exception_class():
    def handler(ctx):
        raise KeyError(PERSONAL)

    _, nodes = handoffs(({}, "t", {}), targets={"t": handler})
    assert (nodes[0]["outcome"], nodes[0]["error_type"]) == ("error", "KeyError")
    assert PERSONAL not in json.dumps(nodes)


def test_a_cancelled_handoff_is_an_error_node_naming_cancelled_error():
    async def hang(ctx):
        await asyncio.Event().wait()

    async def main():
        bus = ContextBus()
        bus.add_target("t", hang)
        task = asyncio.ensure_future(bus.handoff({}, "t"))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    with capture() as nodes:
        asyncio.run(main())
    [node] = nodes
    assert (node["outcome"], node["error_type"]) == ("error", "CancelledError")
    assert node["labels"][-1] == "handoff:cancelled"


def test_the_node_carries_the_senders_trace_and_tenant():
    async def main():
        bus = ContextBus()
        bus.add_target("t", lambda ctx: None)
        with trace("trace-7", tenant="acme"):
            await bus.handoff({}, "t")
        await bus.handoff({}, "t")  # outside any trace: a fresh trace id of its own

    with capture() as nodes:
        asyncio.run(main())
    assert nodes[0]["provenance"]["trace_id"] == "trace-7"
    assert nodes[0]["provenance"]["tenant"] == "acme"
    assert nodes[1]["provenance"]["trace_id"] not in ("", "trace-7")


def test_the_default_sla_is_the_slices_budget():
    manifest = json.loads(SLICE_MANIFEST.read_text())
    assert manifest["slas"]["p95_ms"] == SLA_MS == 250


def test_a_handoff_over_the_sla_is_marked_in_its_node_and_logged(caplog):
    async def slow(ctx):
        await asyncio.sleep(0.03)

    caplog.set_level(logging.WARNING, logger="candidate.orchestration.context")
    outcomes, nodes = handoffs(
        ({"email": PERSONAL}, "slow", {}),
        ({"email": PERSONAL}, "fast", {}),
        sla_ms=20,
        targets={"slow": slow, "fast": lambda ctx: None},
    )
    assert outcomes[0].duration_ms > 20 >= outcomes[1].duration_ms
    assert "sla:breach" in nodes[0]["labels"]
    assert "sla:breach" not in nodes[1]["labels"]
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "target slow" in record.getMessage()
    assert "over the 20 ms SLA" in record.getMessage()
    assert PERSONAL not in caplog.text + json.dumps(nodes)


def test_a_breach_of_the_default_250_ms_sla_is_marked(caplog):
    async def slow(ctx):
        await asyncio.sleep(0.26)

    caplog.set_level(logging.WARNING, logger="candidate.orchestration.context")
    [outcome], [node] = handoffs(({}, "t", {}), targets={"t": slow})
    assert outcome.ok and outcome.duration_ms > 250
    assert node["labels"][-1] == "sla:breach"
    assert "over the 250 ms SLA" in caplog.text


def test_names_a_caller_typed_stay_out_of_labels_and_logs(caplog):
    caplog.set_level(logging.WARNING, logger="candidate.orchestration.context")
    [outcome], nodes = handoffs(({}, PERSONAL, {}), sla_ms=1e-9)
    assert outcome.status is Status.UNKNOWN_TARGET
    assert outcome.target == PERSONAL  # its own sender may see it
    assert "target unknown" in caplog.text
    assert PERSONAL not in caplog.text + json.dumps(nodes)


def test_a_failing_sink_does_not_break_the_handoff():
    def broken(node):
        raise RuntimeError("sink down")

    add_sink(broken)
    try:
        with pytest.warns(RuntimeWarning, match="sink down"):
            outcomes, nodes = handoffs(({}, "t", {}))
    finally:
        remove_sink(broken)
    assert outcomes[0].ok and len(nodes) == 1
