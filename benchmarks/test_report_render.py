"""What drawing report.html adds to writing a bundle, against writing gate.json and sla.json.

    pytest benchmarks/test_report_render.py --benchmark-only -p no:randomly

The baseline is the JSON the bundle writer serialises anyway (gate.json and sla.json,
indented and sorted as it writes them); the report is rendered from the same data. Two
sizes: this repository's shape (3 slices, 2 SLA tests of 368 samples each, no import
finding) and a large repository (100 slices, each with an import chain of 4 hops).
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from pytest_lukhas.bundle import html_report

CRITERIA = ("lane", "imports", "matriz", "tests", "sla", "dry_run")


def _check(rng: random.Random, quantile: str, budget: float) -> dict[str, Any]:
    estimate = rng.uniform(0.1, budget / 2)
    return {"quantile": quantile, "estimate_ms": estimate, "lower_ms": estimate * 0.9,
            "upper_ms": estimate * 1.2, "budget_ms": budget, "confidence": 0.975}  # fmt: skip


def synthetic(slices: int, chain: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """gate.json and sla.json shaped like a real run's, with ``slices`` slices."""
    rng = random.Random(11)
    rows, sla_tests = [], []
    for i in range(slices):
        path = f"prod/area{i}/slice{i}"
        tests = {}
        for state in ("off", "on"):
            nodeid = f"{path}/tests/test_sla.py::test_budget[FLAG={state}]"
            checks = [_check(rng, "p95", 50.0), _check(rng, "p99", 100.0)]
            tests[nodeid] = {"nodeid": nodeid, "n": 368, "passed": True, "checks": checks}
            samples = [int(rng.lognormvariate(13, 0.8)) for _ in range(368)]
            sla_tests.append({**tests[nodeid], "slice": path, "samples_ns": samples})
        hops = [{"importer": f"prod.m{h}", "file": f"{path}/m{h}.py", "line": h + 1,
                 "text": f"import prod.m{h + 1}", "via": "import", "imported": f"prod.m{h + 1}",
                 "imported_file": f"prod/m{h + 1}.py"} for h in range(chain)]  # fmt: skip
        finding = {"kind": "import", "severity": "error", "file": f"{path}/m0.py", "line": 1,
                   "message": "reaches labs.x", "remedy": "break the chain", "rules": [],
                   "target": "labs/x.py", "chain": hops, "fingerprint": f"f{i}"}  # fmt: skip
        verdict = {"criterion": "", "status": "pass", "reason": "", "where": None, "details": {}}
        criteria = {c: {**verdict, "criterion": c} for c in CRITERIA}
        criteria["tests"]["details"] = {"total": 60, "passed": 60}
        criteria["sla"]["details"] = {"p95_ms": 4.0, "p95_lower_ms": 3.5, "p95_upper_ms": 4.4,
                                      "budget_ms": 50.0, "tests": tests}  # fmt: skip
        criteria["imports"]["details"] = {"files": 12, "findings": [finding] if chain else []}
        criteria["matriz"]["details"] = {"declared": ["A:b:c", "A:b:d"], "emitted": {"A:b:c": 9}}
        providers = {"off": ["null"], "on": ["real"]}
        criteria["dry_run"]["details"] = {"flag": "FLAG", "off_runs": 3, "on_runs": 2,
                                          "providers": providers}  # fmt: skip
        rows.append({"name": f"prod.area{i}.slice{i}", "path": path, "green": True,
                     "criteria": criteria})  # fmt: skip
    gate = {"commit": {"sha": "a" * 40, "ref": "refs/heads/main", "dirty": False},
            "tool": {"version": "0"}, "green": True, "partial": False, "partial_reasons": [],
            "finished_at": "2026-01-01T00:00:00.000Z", "duration_s": 12.0,
            "tests": {"total": 60 * slices, "passed": 60 * slices},
            "machine": {"python": "CPython 3.11.7", "cpu": "cpu"}, "slices": rows,
            "repo_checks": []}  # fmt: skip
    return gate, {"tests": sla_tests}


SHAPES = {"3 slices": synthetic(3, 0), "100 slices": synthetic(100, 4)}


def write_json(gate: dict[str, Any], sla: dict[str, Any]) -> int:
    text = json.dumps(gate, indent=2, sort_keys=True) + json.dumps(sla, indent=2, sort_keys=True)
    return len(text)


@pytest.mark.parametrize("shape", SHAPES)
def test_baseline_gate_and_sla_json(benchmark, record_p95, shape):
    benchmark.group = f"report.html: {shape}"
    benchmark(write_json, *SHAPES[shape])
    record_p95(benchmark, f"json {shape}")


@pytest.mark.parametrize("shape", SHAPES)
def test_render_report_html(benchmark, record_p95, shape):
    benchmark.group = f"report.html: {shape}"
    page = benchmark(html_report.render, *SHAPES[shape])
    benchmark.extra_info["bytes"] = len(page.encode())
    record_p95(benchmark, f"report.html {shape}", baseline=f"json {shape}")
