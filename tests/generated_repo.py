"""A small foreign repository for pytester runs: lanes ``prod/`` and ``labs/``, two slices.

The billing slice answers through a provider chosen like LUKHAS slices do (real only when
its flag is on and dry-run mode is off) and says which one answered with a
``provider:`` label on its MATRIZ node; ``prod/matriz.py`` holds a minimal consent guard of
the repository's own, so the gate's checks are exercised on code that is not ``lukhas``'s.
``capture=False`` points the plugin at an emitter that does not exist.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_lukhas.evidence import REPORT_ATTR
from tests.conftest import CONFIG, write

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
import functools

from lukhas.observability import annotate, instrument


@instrument("DECISION", label="consent:check", capability="consent_check")
def refuse(scope):
    annotate("consent:refused", f"scope:{scope}")


def consent_required(scope):
    def decorate(func):
        @functools.wraps(func)
        def guarded(user_id, *args, **kwargs):
            if user_id == "refuse-me":
                refuse(scope)
                return {"ok": False, "reason": "consent_refused"}
            return func(user_id, *args, **kwargs)

        guarded.__consent_scopes__ = (scope,)
        return guarded

    return decorate
"""

BILLING_API = """\
import os

from lukhas.observability import annotate, instrument
from prod.matriz import consent_required

REGISTERED = []


def live():
    return (
        os.environ.get("FEATURE_BILLING") == "true"
        and os.environ.get("LUKHAS_DRY_RUN_MODE") == "false"
    )


@instrument("DECISION", label="billing:charge", capability="charge")
@consent_required("billing.charge")
def charge(user_id, amount):
    provider = REGISTERED[0] if live() and REGISTERED else "null"
    annotate(f"provider:{provider}")
    return {"ok": True, "provider": provider, "amount": amount}
"""

SHIPPING_API = """\
from lukhas.observability import annotate, instrument


@instrument("DECISION", label="shipping:ship", capability="ship")
def ship(parcel):
    annotate("provider:null")
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


def repo_files(*, capture: bool = True) -> dict[str, str]:
    """Repo-relative path -> text; ``capture=False`` names an emitter that does not exist."""
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
    }
    ini = {} if capture else {"pytest.ini": "[pytest]\nlukhas_matriz_emitter = no_such_emitter\n"}
    return {
        "ops/matriz.yaml": CONFIG,
        "prod/billing/MODULE_MANIFEST.json": json.dumps(BILLING_MANIFEST),
        "prod/shipping/MODULE_MANIFEST.json": json.dumps(SHIPPING_MANIFEST),
        **{f"{name}.py": text for name, text in modules.items()},
        **ini,
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
