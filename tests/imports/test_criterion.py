"""Criterion 2's verdicts: fail closed without a scan, per slice, repo-wide."""

from __future__ import annotations

from pytest_lukhas import gate
from pytest_lukhas.boundaries.check import check_imports
from pytest_lukhas.evidence import Evidence
from pytest_lukhas.lanes import load_lanes
from pytest_lukhas.manifests import discover_slices
from pytest_lukhas.verdicts import Criterion, Status
from tests.imports.conftest import make_repo


def _result(root, evidence):
    config = load_lanes(root / "ops" / "matriz.yaml", root)
    return gate.evaluate(config, discover_slices(config), evidence)


def test_without_a_scan_the_criterion_and_the_repo_check_are_red(repo):
    result = _result(repo, Evidence())
    verdict = result.slices[0].get(Criterion.IMPORTS)
    assert verdict.status is Status.FAIL and "did not run" in verdict.reason
    assert next(v for v in result.repo_checks if v.criterion == "imports").status is Status.FAIL


def test_a_chain_from_the_slice_is_red_with_json_details(tmp_path):
    root = make_repo(tmp_path, {"prod/billing/api.py": "import shared.util\n",
                                "shared/util.py": "import labs.engine\n"})  # fmt: skip
    config = load_lanes(root / "ops" / "matriz.yaml", root)
    result = _result(root, Evidence(imports=check_imports(config)))
    verdict = result.slices[0].get(Criterion.IMPORTS)
    assert verdict.status is Status.FAIL
    assert verdict.where == "prod/billing/api.py:1"
    [finding] = verdict.details["findings"]
    assert [hop["file"] for hop in finding["chain"]] == ["prod/billing/api.py", "shared/util.py"]


def test_clean_slice_is_green_and_says_how_many_files_it_covered(repo):
    config = load_lanes(repo / "ops" / "matriz.yaml", repo)
    result = _result(repo, Evidence(imports=check_imports(config)))
    verdict = result.slices[0].get(Criterion.IMPORTS)
    assert (
        verdict.status is Status.PASS and verdict.details["files"] == 4
    )  # __init__, api, tests/__init__, test_api
