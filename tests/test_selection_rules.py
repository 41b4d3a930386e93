"""The gate's copy of pytest's test-file rules agrees with pytest's own."""

from __future__ import annotations

from pathlib import Path

from _pytest.pathlib import fnmatch_ex  # the oracle: pytest's own matcher
from hypothesis import given
from hypothesis import strategies as st

from pytest_lukhas.selection import Collection, _fnmatch_ex

_PART = st.sampled_from(["test_a.py", "a_test.py", "tests", "check_x.py", "conftest.py", "x"])
_PATTERN = st.sampled_from(
    ["test_*.py", "*_test.py", "check_*.py", "tests/*.py", "*/tests/test_*.py", "*.py", "x"]
)


@given(_PATTERN, st.lists(_PART, min_size=1, max_size=4))
def test_file_patterns_match_as_pytest_matches_them(pattern, parts):
    path = Path("/repo", *parts)
    assert _fnmatch_ex(pattern, path) == fnmatch_ex(pattern, path)


def test_what_left_a_file_out_is_named_as_the_user_wrote_it(tmp_path):
    file = tmp_path / "prod/billing/tests/test_b.py"
    collection = Collection(invocation_dir=tmp_path, ignore=("prod/billing/tests",))
    assert collection.left_out_by(file) == "--ignore=prod/billing/tests"
    collection = Collection(invocation_dir=tmp_path, ignore_glob=("*/test_b*",))
    assert collection.left_out_by(file) == "--ignore-glob=*/test_b*"
    collection = Collection(
        invocation_dir=tmp_path,
        args=("prod/billing/tests/test_a.py::t",),
        args_source="path arguments",
    )
    assert collection.left_out_by(file) == "path arguments prod/billing/tests/test_a.py::t"
    covering = Collection(invocation_dir=tmp_path, args=("prod",), args_source="testpaths")
    assert "collect_ignore" in covering.left_out_by(file)


def test_test_files_follow_python_files_and_norecursedirs(tmp_path):
    for rel in ("tests/test_a.py", "tests/b_test.py", "tests/helper.py", "build/test_c.py",
                "__pycache__/test_d.py", "check_e.py"):  # fmt: skip
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    found = Collection(norecursedirs=("build",)).test_files(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "tests/b_test.py",
        "tests/test_a.py",
    ]
    custom = Collection(python_files=("check_*.py",)).test_files(tmp_path)
    assert [p.name for p in custom] == ["check_e.py"]
