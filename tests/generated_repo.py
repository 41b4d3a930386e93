"""A small foreign repository for pytester runs: lanes ``prod/`` and ``labs/``, two slices.

The billing slice answers through a provider chosen like LUKHAS slices do (real only when
its flag is on and dry-run mode is off). ``prod/matriz.py`` stands in for the MATRIZ
capture: the root conftest puts the nodes a test emitted into its evidence, in the shape
of the contract's ``data["matriz"]``, so these runs need no real capture fixture.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_lukhas.evidence import REPORT_ATTR
from tests.conftest import write
from tests.test_plugin_skeleton import CONFIG

BILLING_MANIFEST: dict[str, Any] = {
    "module": "prod.billing",
    "capabilities": [{"name": "charge", "consent_scopes": ["billing.charge"]}],
    "feature_flag": "FEATURE_BILLING",
    "slas": {"p95_ms": 50},
    "matriz_emit_points": ["DECISION:billing:charge"],
}

SHIPPING_MANIFEST: dict[str, Any] = {
    "module": "prod.shipping",
    "capabilities": ["ship"],
    "feature_flag": "FEATURE_SHIPPING",
    "slas": {"p95_ms": 50},
    "matriz_emit_points": ["DECISION:shipping:ship"],
}

MATRIZ = """\
NODES = []


def emit(point, *labels):
    NODES.append((point, [point.split(":", 1)[1], *labels]))


def consent_required(scope):
    def decorate(func):
        def guarded(user_id, *args, **kwargs):
            if user_id == "refuse-me":
                emit("DECISION:consent:check", "consent:refused", f"scope:{scope}")
                return {"ok": False, "reason": "consent_refused"}
            return func(user_id, *args, **kwargs)

        guarded.__consent_scopes__ = (scope,)
        return guarded

    return decorate
"""

BILLING_API = """\
import os

from prod.matriz import consent_required, emit

REGISTERED = []


def live():
    return (
        os.environ.get("FEATURE_BILLING") == "true"
        and os.environ.get("LUKHAS_DRY_RUN_MODE") == "false"
    )


@consent_required("billing.charge")
def charge(user_id, amount):
    provider = REGISTERED[0] if live() and REGISTERED else "null"
    emit("DECISION:billing:charge", f"provider:{provider}")
    return {"ok": True, "provider": provider, "amount": amount}
"""

SHIPPING_API = """\
from prod.matriz import emit


def ship(parcel):
    emit("DECISION:shipping:ship", "provider:null")
    return parcel
"""

BILLING_TESTS = """\
import pytest

from prod.billing import api


@pytest.fixture(autouse=True)
def no_provider():
    yield
    api.REGISTERED.clear()


def test_charge_off():
    assert api.charge("usr_1", 5)["provider"] == "null"


@pytest.mark.feature_matrix("FEATURE_BILLING")
def test_charge_both(feature_flags):
    api.REGISTERED.append("stripe")
    expected = "stripe" if feature_flags.states["FEATURE_BILLING"] else "null"
    assert api.charge("usr_1", 5)["provider"] == expected


def test_refused():
    assert api.charge("refuse-me", 5)["reason"] == "consent_refused"
"""

SHIPPING_TESTS = """\
from prod.shipping.api import ship


def test_ship():
    assert ship("box") == "box"
"""

CONFTEST = """\
import pytest

from prod import matriz
from pytest_lukhas.evidence import item_data


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    matriz.NODES.clear()
    try:
        return (yield)
    finally:
        emitted = [
            {"point": point, "labels": labels, "outcome": "ok", "count": 1}
            for point, labels in matriz.NODES
        ]
        item_data(item)["matriz"] = {"emitted": emitted, "invalid": []}
"""


def repo_files(*, capture: bool = True) -> dict[str, str]:
    """Repo-relative path -> text; ``capture=False`` leaves out the stand-in capture."""
    modules = {
        "prod/__init__": "",
        "prod/matriz": MATRIZ,
        "prod/billing/__init__": "from prod.billing.api import charge\n",
        "prod/billing/api": BILLING_API,
        "prod/billing/tests/__init__": "",
        "prod/billing/tests/test_api": BILLING_TESTS,
        "prod/shipping/__init__": "from prod.shipping.api import ship\n",
        "prod/shipping/api": SHIPPING_API,
        "prod/shipping/tests/__init__": "",
        "prod/shipping/tests/test_api": SHIPPING_TESTS,
        "labs/__init__": "",
        **({"conftest": CONFTEST} if capture else {}),
    }
    return {
        "ops/matriz.yaml": CONFIG,
        "prod/billing/MODULE_MANIFEST.json": json.dumps(BILLING_MANIFEST),
        "prod/shipping/MODULE_MANIFEST.json": json.dumps(SHIPPING_MANIFEST),
        **{f"{name}.py": text for name, text in modules.items()},
    }


def make_repo(pytester: pytest.Pytester, *, capture: bool = True) -> pytest.Pytester:
    """Write the repository into ``pytester.path``."""
    write(pytester.path, repo_files(capture=capture))
    return pytester


def write_manifest(pytester: pytest.Pytester, folder: str, manifest: dict[str, Any]) -> None:
    (pytester.path / folder / "MODULE_MANIFEST.json").write_text(json.dumps(manifest))


def evidence(reprec: pytest.HookRecorder) -> dict[str, dict[str, Any]]:
    """The per-test evidence of an inline run, merged over phases, by test id."""
    merged: dict[str, dict[str, Any]] = {}
    for report in reprec.getreports("pytest_runtest_logreport"):
        merged.setdefault(report.nodeid, {}).update(getattr(report, REPORT_ATTR, None) or {})
    return merged
