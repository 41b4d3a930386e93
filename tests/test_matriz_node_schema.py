"""Our node schema (v1.2) is the v1.1 reference plus documented additions, and fits our nodes."""

import asyncio
import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from lukhas.observability import NODE_TYPES, SINK_ENV, capture, instrument, trace

ROOT = Path(__file__).resolve().parents[1]
OURS = json.loads((ROOT / "pytest_lukhas/schemas/matriz_node.schema.json").read_text())
REFERENCE = json.loads((ROOT / "tests/fixtures/lukhas-matriz-node-v1.1.schema.json").read_text())
ADDED_PROPERTIES = {"duration_ms", "outcome", "error_type"}
validator = Draft202012Validator(OURS)
reference_validator = Draft202012Validator(REFERENCE)


@pytest.fixture(autouse=True)
def no_env_sink(monkeypatch):
    monkeypatch.delenv(SINK_ENV, raising=False)


def errors(node: dict) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(node)]


def test_our_schema_is_a_valid_draft_2020_12_schema_with_its_own_id():
    Draft202012Validator.check_schema(OURS)
    assert OURS["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert OURS["$id"] != REFERENCE["$id"]


def test_our_schema_differs_from_the_reference_only_by_documented_additions():
    ours = copy.deepcopy(OURS)
    for key in ("$id", "title", "$comment"):
        ours[key] = REFERENCE[key]
    for name in ADDED_PROPERTIES:
        assert name in OURS["$comment"]
        del ours["properties"][name]
    assert ours["properties"]["type"]["enum"].pop() == "CONSENT"
    assert "CONSENT" in OURS["$comment"]
    del ours["allOf"], ours["dependentSchemas"]  # tie error_type to outcome "error"
    assert ours == REFERENCE


def test_node_types_in_code_match_the_schema():
    assert list(NODE_TYPES) == OURS["properties"]["type"]["enum"]


@instrument("CONSENT", label="schema:sync", consent_scopes=["profile.read"])
def sync_call() -> int:
    return 1


@instrument("CONTEXT", label="schema:async")
async def async_call() -> int:
    await asyncio.sleep(0)
    return 1


@instrument("VALIDATION", label="schema:error")
def failing_call() -> None:
    raise LookupError("missing")


def test_emitted_nodes_validate_sync_async_error_and_in_a_trace():
    with capture() as nodes:
        sync_call()
        asyncio.run(async_call())
        with pytest.raises(LookupError):
            failing_call()
        with trace("x" * 64, tenant="acme"):  # the longest trace id a trace accepts
            sync_call()
            asyncio.run(async_call())
    assert len(nodes) == 5
    assert [errors(node) for node in nodes] == [[]] * 5


@pytest.mark.parametrize("ntype", NODE_TYPES)
def test_every_node_type_validates(ntype):
    with capture() as nodes:
        instrument(ntype, label="schema:type")(lambda: None)()
    assert errors(nodes[0]) == []


MINIMAL_REFERENCE_NODE = {
    "version": 1,
    "id": "LT-abc#N1",
    "type": "DECISION",
    "state": {"confidence": 0.5, "salience": 0.5},
    "timestamps": {"created_ts": 1_700_000_000_000},
    "provenance": {
        "producer": "svc",
        "capabilities": ["x"],
        "tenant": "t",
        "trace_id": "abc",
        "consent_scopes": [],
    },
}

FULL_REFERENCE_NODE = {
    **MINIMAL_REFERENCE_NODE,
    "labels": ["colony:role=planner@1"],
    "state": {
        "confidence": 1,
        "salience": 0,
        "valence": -1,
        "arousal": 0.2,
        "novelty": 0.3,
        "urgency": 0.4,
        "shock_factor": 0.5,
        "risk": 0.6,
        "utility": 0.7,
    },
    "timestamps": {"created_ts": 1, "updated_ts": 2, "observed_ts": 3},
    "provenance": {
        **MINIMAL_REFERENCE_NODE["provenance"],
        "subject_pseudonym": "p",
        "model_signature": "m",
        "policy_version": "v",
        "colony": {"id": "c", "role": "planner", "iteration": 0},
    },
    "links": [{"target_node_id": "n", "link_type": "causal", "direction": "unidirectional"}],
    "evolves_to": ["n2"],
    "triggers": [{"event_type": "e", "timestamp": 1}],
    "reflections": [
        {
            "reflection_type": "regret",
            "timestamp": 1,
            "old_state": {"confidence": 0.1, "salience": 0.1},
        }
    ],
    "embeddings": [{"space": "s", "vector": [0.1, 0.2], "dim": 2}],
    "evidence": [{"kind": "trace", "uri": "u"}],
    "schema_ref": "lukhas://schemas/matriz_node_v1.json",
}


@pytest.mark.parametrize("node", [MINIMAL_REFERENCE_NODE, FULL_REFERENCE_NODE])
def test_a_node_valid_under_the_reference_is_valid_under_ours(node):
    assert list(reference_validator.iter_errors(node)) == []
    assert errors(node) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"outcome": "error"}, "'error_type' is a required property"),
        ({"outcome": "ok", "error_type": "ValueError"}, "'error' was expected"),
        ({"error_type": "ValueError"}, "'outcome' is a required property"),
        ({"outcome": "maybe"}, "'maybe' is not one of"),
        ({"duration_ms": -1}, "less than the minimum"),
        ({"error_type": ""}, "should be non-empty"),
    ],
)
def test_our_additions_are_checked(change, problem):
    node = {**MINIMAL_REFERENCE_NODE, **change}
    assert any(problem in error for error in errors(node)), errors(node)
