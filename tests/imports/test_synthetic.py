"""The benchmark's generated monorepo, small: every planted finding is found, nothing else."""

from __future__ import annotations

from benchmarks.synthetic_repo import generate
from pytest_lukhas.boundaries.check import check_imports
from pytest_lukhas.lanes import load_lanes
from pytest_lukhas.problems import Severity


def test_every_planted_violation_is_found_and_nothing_else(tmp_path):
    repo = generate(tmp_path, modules=600, imports=3000, per_kind=2, fan_in=3)
    config = load_lanes(tmp_path / "ops" / "matriz.yaml", tmp_path)
    report = check_imports(config)
    errors = {
        (f.kind, f.chain[-1].file if f.chain else f.file,
         f.chain[-1].line if f.chain else f.line, f.target)
        for f in report.findings if f.severity is Severity.ERROR
    }  # fmt: skip
    assert errors == {(p.kind, p.file, p.line, p.target) for p in repo.planted}
    depths = {len(f.chain) for f in report.findings if f.kind == "import" and f.lane == "accepted"}
    assert depths == {1, 2, 3, 4, 5}
    warnings = {f.file for f in report.findings if f.severity is Severity.WARNING}
    assert warnings == set(repo.broken)
