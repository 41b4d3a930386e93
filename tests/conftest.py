"""Shared helpers for the plugin's own tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


def write(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (repo-relative path -> text) under ``root``; return ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


CONFIG = """\
lanes:
  - name: prod
    root: prod/
    import_rules: {deny_from: ["labs/**"]}
    promotion: {from: labs}
  - name: labs
    root: labs/
"""

MANIFEST = {
    "module": "prod.billing",
    "capabilities": ["charge"],
    "feature_flag": "FEATURE_BILLING",
    "slas": {"p95_ms": 50},
    "matriz_emit_points": ["DECISION:billing:charge"],
}


@pytest.fixture
def gate_repo(pytester: pytest.Pytester) -> pytest.Pytester:
    """A small repository with lanes prod/ and labs/ and one slice, prod/billing."""
    pytester.makefile(".yaml", **{"ops/matriz": CONFIG})
    pytester.makepyfile(**{
        "prod/__init__": "",
        "prod/billing/__init__": "",
        "prod/billing/api": "def charge():\n    return 1\n",
        "prod/billing/tests/__init__": "",
        "prod/billing/tests/test_api": "def test_charge():\n    assert True\n",
        "labs/__init__": "",
    })  # fmt: skip
    (pytester.path / "prod/billing/MODULE_MANIFEST.json").write_text(json.dumps(MANIFEST))
    return pytester


@pytest.fixture(autouse=True)
def _inner_runs_are_not_xdist_workers(request: pytest.FixtureRequest) -> None:
    """An in-process pytester run under ``pytest -n`` inherits the worker's environment;
    pytest-benchmark reads PYTEST_XDIST_WORKER from it and would switch itself off."""
    if "pytester" in request.fixturenames:
        request.getfixturevalue("monkeypatch").delenv("PYTEST_XDIST_WORKER", raising=False)


CRITERIA_COLUMNS = ("lane", "imports", "matriz", "tests", "sla", "dry-run")


def gate_table(result: pytest.RunResult) -> dict[str, dict[str, str]]:
    """The gate table of a pytester run: slice -> column -> cell ("pass", "FAIL", ...)."""
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if line.startswith("slice ") and "lane" in line)
    table: dict[str, dict[str, str]] = {}
    for line in lines[start + 2 :]:
        if not line or line.startswith((" ", "n/i", "repo", "partial", "lukhas gate", "=")):
            break
        name, *cells = line.split()
        table[name] = dict(zip((*CRITERIA_COLUMNS, "passed", "p95"), cells, strict=False))
    return table
