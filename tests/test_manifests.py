"""MODULE_MANIFEST.json: the seed's manifests, richer ones, and every kind of broken one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_lukhas.lanes import load_lanes
from pytest_lukhas.manifests import discover_slices, load_manifest
from pytest_lukhas.problems import ConfigError
from tests.conftest import FIXTURES, write

SEED_MANIFESTS = sorted((FIXTURES / "seed_manifests").glob("*.json"))


@pytest.mark.parametrize("path", SEED_MANIFESTS, ids=lambda p: p.stem)
def test_seed_manifests_validate_unchanged(path):
    manifest = load_manifest(path, path.name)
    raw = json.loads(path.read_text())
    assert manifest.module == raw["module"]
    assert manifest.p95_ms == raw["slas"]["p95_ms"]
    assert manifest.emit_points == tuple(raw["matriz_emit_points"])
    assert [c.name for c in manifest.capabilities] == raw["capabilities"]


def test_richer_manifest_fields(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({
        "module": "app.billing",
        "capabilities": [
            "charge",
            {"name": "refund", "entry_point": "app.billing.api:refund",
             "consent_scopes": ["billing.write"], "emit_point": "DECISION:billing:refund"},
        ],
        "feature_flag": "FEATURE_BILLING",
        "slas": {"p95_ms": 20, "p99_ms": 40},
        "matriz_emit_points": ["DECISION:billing:refund"],
        "docs": "extra keys are kept",
    }))  # fmt: skip
    manifest = load_manifest(path, "m.json")
    assert manifest.p99_ms == 40
    refund = manifest.capabilities[1]
    assert refund.entry_point == "app.billing.api:refund"
    assert refund.consent_scopes == ("billing.write",)
    assert manifest.raw["docs"] == "extra keys are kept"


BASE = json.loads((FIXTURES / "seed_manifests" / "consent_ledger.json").read_text())


def _problems(tmp_path: Path, data: object) -> list[str]:
    path = tmp_path / "MODULE_MANIFEST.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    with pytest.raises(ConfigError) as info:
        load_manifest(path, "MODULE_MANIFEST.json")
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda m: m.pop("module"), "missing required key 'module'"),
        (lambda m: m.update(slas={"p95": 50}), "at /slas: error: unknown key(s) 'p95'"),
        (lambda m: m.update(slas={"p95_ms": -1}), "at /slas/p95_ms"),
        (lambda m: m.update(slas={"p95_ms": "fast"}), "at /slas/p95_ms: error: expected number"),
        (lambda m: m.update(capabilities=[]), "at /capabilities: error: expected at least 1"),
        (lambda m: m.update(capabilities=[{"entry_point": "a:b"}]), "at /capabilities/0"),
        (lambda m: m.update(matriz_emit_points=["consent"]), "at /matriz_emit_points/0"),
        (lambda m: m.update(feature_flag="feature-x"), "at /feature_flag"),
        (lambda m: m.update(module="lukhas/governance"), "at /module"),
        (lambda m: m.update(sla=m.pop("slas")), "at /sla: error: unknown key 'sla' (fix: did you mean 'slas'?)"),
    ],
)  # fmt: skip
def test_broken_manifest_names_the_json_pointer(tmp_path, mutate, expected):
    data = json.loads(json.dumps(BASE))
    mutate(data)
    problems = _problems(tmp_path, data)
    assert any(expected in p for p in problems), problems


def test_invalid_json_names_the_line(tmp_path):
    problems = _problems(tmp_path, '{\n  "module": "x",\n  oops\n}')
    assert problems[0].startswith("MODULE_MANIFEST.json:3: error: invalid JSON")


def test_not_an_object(tmp_path):
    assert "expected object, found an array" in _problems(tmp_path, "[]")[0]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)  # fmt: skip

identifiers = st.from_regex(r"\A[a-z_][a-z0-9_]{0,10}\Z")
valid_manifests = st.fixed_dictionaries(
    {
        "module": st.lists(identifiers, min_size=1, max_size=4).map(".".join),
        "capabilities": st.lists(identifiers, min_size=1, max_size=4),
        "feature_flag": st.from_regex(r"\A[A-Z][A-Z0-9_]{0,20}\Z"),
        "slas": st.fixed_dictionaries({"p95_ms": st.floats(0.001, 1e6)}),
        "matriz_emit_points": st.lists(
            st.from_regex(r"\A[A-Z]{1,10}:[a-z.:]{1,20}\Z"), min_size=1, max_size=3, unique=True
        ),
    },
    optional={"owner": st.text(min_size=1, max_size=10), "dependencies": st.lists(st.text())},
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)
@given(valid_manifests)
def test_generated_valid_manifests_load(tmp_path, data):
    path = tmp_path / "MODULE_MANIFEST.json"
    path.write_text(json.dumps(data))
    manifest = load_manifest(path, "MODULE_MANIFEST.json")
    assert manifest.module == data["module"]
    assert manifest.p95_ms == data["slas"]["p95_ms"]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=150)
@given(valid_manifests, st.sampled_from(["module", "capabilities", "feature_flag", "slas",
                                         "matriz_emit_points"]), json_values)  # fmt: skip
def test_mutated_manifests_fail_cleanly_with_a_pointer(tmp_path, data, key, value):
    data = {**data, key: value}
    path = tmp_path / "MODULE_MANIFEST.json"
    path.write_text(json.dumps(data))
    try:
        load_manifest(path, "MODULE_MANIFEST.json")
    except ConfigError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.pointer is not None and problem.pointer.startswith("/")
            assert problem.message


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=100)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_raise_anything_but_config_error(tmp_path, blob):
    path = tmp_path / "MODULE_MANIFEST.json"
    path.write_bytes(blob)
    with pytest.raises(ConfigError):
        load_manifest(path, "MODULE_MANIFEST.json")


def test_discovery_finds_every_slice_and_keeps_broken_ones(tmp_path):
    good = {**BASE, "module": "app.good"}
    write(tmp_path, {
        "ops/matriz.yaml": "lanes:\n  - name: accepted\n    root: app/\n",
        "app/__init__.py": "",
        "app/good/MODULE_MANIFEST.json": json.dumps(good),
        "app/bad/MODULE_MANIFEST.json": "{",
        "app/moved/MODULE_MANIFEST.json": json.dumps({**BASE, "module": "app.elsewhere"}),
        "app/__pycache__/MODULE_MANIFEST.json": "{}",
        "other/MODULE_MANIFEST.json": json.dumps(good),
    })  # fmt: skip
    config = load_lanes(tmp_path / "ops" / "matriz.yaml", tmp_path)
    slices = {s.relpath: s for s in discover_slices(config)}
    assert set(slices) == {"app/good", "app/bad", "app/moved"}
    assert slices["app/good"].manifest is not None and not slices["app/good"].problems
    assert slices["app/bad"].manifest is None
    assert "invalid JSON" in slices["app/bad"].problems[0].message
    assert "lives in app/moved/" in slices["app/moved"].problems[0].message
