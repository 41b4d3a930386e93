"""Import rules that check nothing: a glob of ops/matriz.yaml matching no file (a typo, most
often) and a config without import rules are located warnings, never errors."""

from __future__ import annotations

import json

import pytest

from pytest_lukhas.boundaries.check import check_imports
from pytest_lukhas.cli import main
from pytest_lukhas.lanes import load_lanes
from tests.imports.conftest import CONFIG, make_repo
from tests.imports.test_routes import QUIET


def warnings(root) -> list[str]:
    report = check_imports(load_lanes(root / "ops" / "matriz.yaml", root))
    assert not report.blocking
    return [f"{f.location}: {f.message}" for f in report.all_findings]


def line_of(text: str, config: str) -> int:
    return next(n for n, line in enumerate(config.splitlines(), 1) if text in line)


def test_the_rules_of_a_repository_whose_globs_all_match_give_no_warning(repo):
    assert warnings(repo) == []


TYPOS = {
    "deny_from": ('deny_from: ["labs/**", "attic/**"]', 'deny_from: ["lab/**", "attic/**"]',
                  "lane 'prod': deny_from pattern 'lab/**' matches no file; did you mean 'labs/**'?"),
    "allow_from": ('allow_from: ["prod/**", "shared/**"]', 'allow_from: ["prod/**", "shard/**"]',
                   "lane 'prod': allow_from pattern 'shard/**' matches no file; did you mean 'shared/**'?"),
    "invariant": ('deny: ["attic/** -> **"]', 'deny: ["atic/** -> **"]',
                  "invariant 'nothing imports attic/': pattern 'atic/**' matches no file; did you mean 'attic/**'?"),
    "deeper-file-glob": ('deny_from: ["labs/**", "attic/**"]', 'deny_from: ["labs/cor/*.py"]',
                         "lane 'prod': deny_from pattern 'labs/cor/*.py' matches no file; did you mean 'labs/core/*.py'?"),
}  # fmt: skip


@pytest.mark.parametrize(("old", "new", "message"), TYPOS.values(), ids=TYPOS.keys())
def test_a_glob_matching_no_file_is_a_warning_at_its_line(tmp_path, old, new, message):
    config = CONFIG.replace(old, new)
    repo = make_repo(tmp_path, {"ops/matriz.yaml": config})
    assert warnings(repo) == [f"ops/matriz.yaml:{line_of(new, config)}: {message}"]


def test_a_glob_without_a_close_name_says_only_that_it_matches_nothing(tmp_path):
    config = CONFIG.replace('"attic/**"]', '"zzzzzz/**"]', 1)
    repo = make_repo(tmp_path, {"ops/matriz.yaml": config})
    assert warnings(repo) == [
        "ops/matriz.yaml:6: lane 'prod': deny_from pattern 'zzzzzz/**' matches no file"
    ]


def test_a_glob_of_a_missing_lane_root_is_left_to_the_lane_warning(tmp_path):
    repo = make_repo(tmp_path, {"attic/__init__.py": None, "attic/old.py": None})
    assert not (repo / "attic").exists()
    config = load_lanes(repo / "ops" / "matriz.yaml", repo)
    assert [w.message for w in config.warnings] == ["lane 'attic': root 'attic/' does not exist"]
    assert warnings(repo) == []


def test_a_glob_matching_only_non_python_files_is_not_vacuous(tmp_path):
    repo = make_repo(tmp_path, {"attic/__init__.py": None, "attic/old.py": None,
                                "attic/README.md": "kept for the record\n"})  # fmt: skip
    assert warnings(repo) == []


NO_RULES = """\
lanes:
  - name: prod
    root: prod/
    promotion: {from: labs}
  - name: labs
    root: labs/
"""


def test_a_config_without_import_rules_is_a_warning(tmp_path, capsys):
    repo = make_repo(tmp_path, {"ops/matriz.yaml": NO_RULES})
    assert warnings(repo) == [
        "ops/matriz.yaml:2: no import rules: no lane has import_rules and there are no "
        "import invariants, so the imports criterion checks nothing"
    ]
    assert main(["imports", "--root", str(repo), "--format", "json"]) == 0
    (found,) = json.loads(capsys.readouterr().out)["findings"]
    assert (found["kind"], found["severity"]) == ("no-import-rules", "warning")
    assert "deny_from" in found["remedy"]


def test_the_warning_shows_in_a_gate_run_and_the_cli(pytester, capsys):
    config = CONFIG.replace('"attic/**"]', '"atic/**"]', 1)
    make_repo(pytester.path, {"ops/matriz.yaml": config})
    result = pytester.runpytest("--lukhas-gate", *QUIET)
    result.stdout.fnmatch_lines([
        "ops/matriz.yaml:6: warning: [[]unmatched-glob] lane 'prod': deny_from pattern 'atic/**' "
        "matches no file; did you mean 'attic/**'?",
        "    fix: *",
        "slice   *",  # then the gate table: the verdict is the last thing to read
    ])  # fmt: skip
    assert main(["imports", "--root", str(pytester.path)]) == 0
    assert "ops/matriz.yaml:6: warning: [unmatched-glob]" in capsys.readouterr().out
