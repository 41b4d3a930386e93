"""Where budgets come from, and the clear error for every value that cannot work."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_lukhas.manifests import Manifest, Slice
from pytest_lukhas.problems import ConfigError
from pytest_lukhas.sla.calibration import Calibration
from pytest_lukhas.sla.settings import SlaSettings
from pytest_lukhas.sla.spec import SlaSpec, resolve

MANIFEST = Manifest(
    module="prod.billing",
    capabilities=(),
    feature_flag="FEATURE_BILLING",
    p95_ms=50.0,
    p99_ms=80.0,
    emit_points=("DECISION:billing:charge",),
)
SLICE = Slice("prod/billing", Path("prod/billing"), MANIFEST)
SETTINGS = SlaSettings()


def spec(slice_=SLICE, settings=SETTINGS, args=(), **kwargs) -> SlaSpec:
    return resolve(args, kwargs, slice_, settings, file="prod/billing/tests/test_x.py", line=7)


def error(**kwargs) -> str:
    with pytest.raises(ConfigError) as caught:
        spec(**kwargs)
    return str(caught.value)


def test_budgets_come_from_the_manifest_by_default():
    result = spec()
    assert {b.name: b.ms for b in result.budgets} == {"p95": 50.0, "p99": 80.0}
    assert dict(result.sources) == {
        "p95": "prod/billing/MODULE_MANIFEST.json",
        "p99": "prod/billing/MODULE_MANIFEST.json",
    }


def test_marker_values_win_field_by_field():
    result = spec(p95_ms=20)
    assert {b.name: b.ms for b in result.budgets} == {"p95": 20.0, "p99": 80.0}
    assert dict(result.sources)["p95"] == "marker"


def test_outside_a_slice_the_marker_alone_gives_the_budget():
    result = spec(slice_=None, p95_ms=5)
    assert [(b.name, b.ms) for b in result.budgets] == [("p95", 5.0)]
    assert result.samples == 200


def test_no_budget_anywhere_is_an_error_saying_where_to_put_one():
    text = error(slice_=None)
    assert "prod/billing/tests/test_x.py:7: error: no latency budget" in text
    assert "not inside a slice folder" in text
    assert "fix: add @pytest.mark.sla(p95_ms=...)" in text


def test_a_slice_whose_manifest_does_not_load_gives_no_budget():
    broken = Slice("prod/billing", Path("prod/billing"), None)
    assert "the manifest prod/billing/MODULE_MANIFEST.json does not load" in error(slice_=broken)


@pytest.mark.parametrize("value", [0, -5, float("nan"), float("inf"), "50", True])
def test_a_budget_must_be_a_positive_number(value):
    assert "p95_ms must be a number of milliseconds greater than 0, found" in error(p95_ms=value)


def test_too_few_samples_are_refused_with_the_minimum():
    text = error(slice_=None, p95_ms=50, samples=58)
    assert "samples=58 is too few" in text
    assert "a one-sided 95% upper bound of the p95 needs at least 59 samples" in text
    assert spec(slice_=None, p95_ms=50, samples=59).samples == 59


def test_the_minimum_follows_alpha_and_the_quantile():
    assert "at least 299 samples" in error(samples=200)  # the manifest budgets p99 too
    assert "at least 90 samples" in error(slice_=None, p95_ms=5, samples=60, alpha=0.01)


def test_without_samples_the_default_grows_to_what_a_first_look_needs():
    assert spec(slice_=None, p95_ms=5).samples == 200
    assert spec().samples == 368  # p99 at alpha/2 needs 368


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"alpha": 0.5}, "alpha must be a number greater than 0 and less than 0.5"),
        ({"alpha": 0}, "alpha must be a number greater than 0"),
        ({"blocks": 2}, "blocks must be a whole number of at least 3, found 2"),
        ({"warmup": -1}, "warmup must be a whole number of at least 0"),
        ({"samples": 200.5}, "samples must be a whole number, found 200.5"),
        ({"p95": 50}, "has no argument 'p95' (fix: did you mean 'p95_ms'?)"),
        ({"args": (50,)}, "takes keyword arguments only, found (50,)"),
        ({"samples": 400, "blocks": 401}, "blocks=401 is more than samples=400"),
    ],
)
def test_bad_marker_values_are_named(kwargs, expected):
    assert expected in error(**kwargs)


def test_every_problem_is_reported_at_once():
    text = error(p95_ms=-1, blocks=1, colour="red")
    assert "p95_ms must be" in text and "blocks must be" in text and "'colour'" in text


def test_normalized_budgets_scale_by_the_machine_factor():
    calibration = Calibration(seconds=0.0244, spread=0.0, runs=31, machine={}, created="now")
    settings = SlaSettings(normalize=True, calibration=calibration)  # factor 2
    result = spec(settings=settings, p95_ms=10)
    assert result.factor == pytest.approx(2.0)
    assert {b.name: b.ms for b in result.budgets} == pytest.approx({"p95": 20.0, "p99": 160.0})
    assert {b.name: b.ms for b in result.declared} == {"p95": 10.0, "p99": 80.0}


def test_spec_survives_json():
    result = spec(p95_ms=20, alpha=0.01)
    assert SlaSpec.from_json(result.to_json()) == result
