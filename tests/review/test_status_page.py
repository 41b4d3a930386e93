"""LUKHAS_SYSTEM_STATUS.md: regenerated from the bundle for HEAD, byte for byte the same."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pytest_lukhas.cli import main
from pytest_lukhas.lanes import load_lanes
from pytest_lukhas.manifests import discover_slices
from pytest_lukhas.review_cli import STATUS_FILE
from tests.review.conftest import HEAD_SHA

ROOT = Path(__file__).resolve().parents[2]
OLDER = "0ddba11" + "0" * 33


def place(bundle: Path, bundle_dir: Path, sha: str = HEAD_SHA, finished: str | None = None) -> Path:
    """Copy ``bundle`` into ``bundle_dir`` as the bundle of ``sha`` finished at ``finished``."""
    target = bundle_dir / f"lukhas-gate-{sha}"
    shutil.copytree(bundle, target)
    gate = json.loads((target / "gate.json").read_text())
    gate["commit"]["sha"] = sha
    gate["finished_at"] = finished or gate["finished_at"]
    (target / "gate.json").write_text(json.dumps(gate))
    return target


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """A root whose HEAD is ``HEAD_SHA`` (as CI names it with LUKHAS_SHA)."""
    monkeypatch.setenv("LUKHAS_SHA", HEAD_SHA)
    return tmp_path


def write(repo: Path, *args: str) -> str:
    assert main(["status", "--write", "--root", str(repo), *args]) == 0
    return (repo / "LUKHAS_SYSTEM_STATUS.md").read_text(encoding="utf-8")


def test_the_page_shows_each_slice_with_its_criteria_p95_budget_and_providers(repo, red_bundle):
    place(red_bundle, repo / "lukhas-gate-bundle")
    text = write(repo)
    gate = json.loads((red_bundle / "gate.json").read_text())
    sla = gate["slices"][0]["criteria"]["sla"]["details"]
    assert text.startswith("# LUKHAS system status\n")
    assert f"**Gate: ❌ RED** at commit `{HEAD_SHA}`" in text
    row = next(line for line in text.splitlines() if line.startswith("| `billing` |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1:7] == [
        "✅",
        "❌",
        "✅",
        "❌",
        "❌",
        "✅",
    ]  # lane imports matriz tests sla dry-run
    assert cells[7] == "5/6"
    assert cells[8].startswith(f"{sla['p95_ms']:.3g} ms [") and cells[9] == "1 ms"
    assert cells[10] == "null (flag off); stripe (flag on)"
    assert "### Why red" in text and "No earlier bundle to compare with." in text


def test_a_second_run_writes_the_same_bytes(repo, red_bundle, green_bundle):
    place(green_bundle, repo / "lukhas-gate-bundle", OLDER, "2020-01-01T00:00:00.000Z")
    place(red_bundle, repo / "lukhas-gate-bundle")
    first = (write(repo), (repo / "LUKHAS_SYSTEM_STATUS.md").read_bytes())
    second = (write(repo), (repo / "LUKHAS_SYSTEM_STATUS.md").read_bytes())
    assert first == second
    assert "\r" not in first[0] and str(repo) not in first[0]


def test_what_changed_since_the_newest_older_bundle(repo, red_bundle, green_bundle):
    bundles = repo / "lukhas-gate-bundle"
    place(green_bundle, bundles, "a" * 40, "2020-01-01T00:00:00.000Z")
    place(green_bundle, bundles, OLDER, "2021-06-01T00:00:00.000Z")  # the newest older one
    place(green_bundle, bundles, "b" * 40, "2999-01-01T00:00:00.000Z")  # finished later: not it
    place(red_bundle, bundles)
    text = write(repo)
    changes = text[text.index("## What changed since `0ddba1100000`") :]
    assert (
        f"Against the bundle of `{OLDER}`, gate run finished 2021-06-01T00:00:00.000Z." in changes
    )
    assert "- Gate: ✅ GREEN → ❌ RED" in changes
    assert "- ❌ `billing` imports: pass → fail" in changes
    row = next(line for line in changes.splitlines() if line.startswith("| `billing` |"))
    assert "5/5 → 5/6" in row and "50 ms → 1 ms" in row and " ms → " in row


def test_an_explicit_previous_bundle_wins(repo, red_bundle, green_bundle, tmp_path_factory):
    place(red_bundle, repo / "lukhas-gate-bundle")
    elsewhere = place(green_bundle, tmp_path_factory.mktemp("old"), OLDER)
    text = write(repo, "--previous", str(elsewhere))
    assert "## What changed since `0ddba1100000`" in text


def test_no_bundle_for_head_writes_nothing(repo, capsys):
    assert main(["status", "--write", "--root", str(repo)]) == 1
    assert "no gate bundle for HEAD c0ffee0ddc1c" in capsys.readouterr().out
    assert not (repo / "LUKHAS_SYSTEM_STATUS.md").exists()


@pytest.mark.parametrize("write", [[], ["--write"]], ids=["show", "write"])
def test_no_bundle_for_head_says_the_pytest_command_that_writes_one(repo, capsys, write):
    """Not `make gate`: a foreign repository has no Makefile."""
    assert main(["status", "--root", str(repo), "--bundle-dir", "out/gate", *write]) == 1
    assert capsys.readouterr().out == (
        "no gate bundle for HEAD c0ffee0ddc1c in out/gate/: write one with "
        "`pytest --lukhas-gate --lukhas-bundle out/gate` from the repository root\n"
    )


def test_this_repositorys_status_page_was_written_by_the_command():
    text = (ROOT / STATUS_FILE).read_text(encoding="utf-8")
    assert text.startswith("# LUKHAS system status\n\n<!-- Written by `lukhas-gate status --write`")
    config = load_lanes(ROOT / "ops/matriz.yaml", ROOT)
    for slice_ in discover_slices(config):
        short = slice_.name.split(".", 1)[1]
        assert f"| `{short}` |" in text
