"""Small generated repositories for the MATRIZ capture and criterion-3 tests.

Lanes are ``prod/`` (accepted) and ``labs/``; the slice ``prod.billing`` is instrumented
with ``lukhas.observability.instrument`` unless a test swaps its files.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_lukhas.verdicts import Criterion, GateResult, Verdict
from tests.conftest import CONFIG

POINT = "DECISION:billing:charge"

MANIFEST: dict[str, Any] = {
    "module": "prod.billing",
    "capabilities": ["charge"],
    "feature_flag": "FEATURE_BILLING",
    "slas": {"p95_ms": 50},
    "matriz_emit_points": [POINT],
}

API = """\
from lukhas.observability import annotate, instrument


@instrument("DECISION", label="billing:charge")
def charge(amount):
    annotate("provider:null", "mode:dry_run")
    return amount
"""

TESTS = """\
from prod.billing import charge


def test_charge():
    assert charge(3) == 3
"""

# An emitter of its own, as a foreign repository might have: add_sink/remove_sink, and
# an ``instrument`` that emits ``node(...)`` with any fields overridden (even broken).
FAKE_EMITTER = """\
import functools

_sinks = []


def add_sink(sink):
    _sinks.append(sink)


def remove_sink(sink):
    _sinks.remove(sink)


def node(point, producer, **changes):
    ntype, label = point.split(":", 1)
    made = {
        "version": 1,
        "id": "LT-fake#N1",
        "type": ntype,
        "labels": [label],
        "state": {"confidence": 1.0, "salience": 0.5},
        "timestamps": {"created_ts": 1},
        "provenance": {"producer": producer, "capabilities": ["c"], "tenant": "t",
                       "trace_id": "fake", "consent_scopes": []},
    }
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = made
        for name in parents:
            target = target[name]
        target[last] = value
    return made


def emit(made):
    for sink in list(_sinks):
        sink(made)


def instrument(point, **changes):
    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            result = func(*args, **kwargs)
            emit(node(point, f"{func.__module__}.{func.__qualname__}", **changes))
            return result

        wrapper.__matriz_emit_point__ = point
        return wrapper

    return decorate
"""


def make_repo(
    pytester: pytest.Pytester,
    *,
    api: str = API,
    tests: str = TESTS,
    manifest: dict[str, Any] | None = None,
    files: dict[str, str] | None = None,
) -> pytest.Pytester:
    """A repository with one slice, ``prod.billing``, and its tests."""
    pytester.makefile(".yaml", **{"ops/matriz": CONFIG})
    sources = {
        "prod/__init__.py": "",
        "prod/billing/__init__.py": "from prod.billing.api import *  # noqa: F403\n",
        "prod/billing/api.py": api,
        "prod/billing/tests/__init__.py": "",
        "prod/billing/tests/test_api.py": tests,
        "labs/__init__.py": "",
        **(files or {}),
    }
    for relpath, text in sources.items():
        path = pytester.path / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    manifest_path = pytester.path / "prod/billing/MODULE_MANIFEST.json"
    manifest_path.write_text(json.dumps(MANIFEST if manifest is None else manifest))
    return pytester


def gate_verdict(pytester: pytest.Pytester, *args: str) -> tuple[pytest.HookRecorder, Verdict]:
    """Run the gate in-process; the recorder and the slice's criterion-3 verdict."""
    recorder = pytester.inline_run("--lukhas-gate", *args)
    result = gate_result(recorder)
    [row] = result.slices
    return recorder, row.get(Criterion.MATRIZ)


def gate_result(recorder: pytest.HookRecorder) -> GateResult:
    [call] = recorder.getcalls("pytest_sessionfinish")
    hooks = call.session.config.pluginmanager.get_plugin("lukhas-gate-run")
    assert hooks.run.result is not None
    return hooks.run.result
