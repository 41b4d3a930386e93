"""Path globs: the rules users write in ops/matriz.yaml."""

from __future__ import annotations

import fnmatch

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_lukhas.globs import matches

segment = st.text(alphabet="abcxyz_.-", min_size=1, max_size=6).filter(
    lambda s: s not in {".", ".."}
)
paths = st.lists(segment, min_size=1, max_size=5).map("/".join)


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("lukhas/**", "lukhas/a.py", True),
        ("lukhas/**", "lukhas/x/y/z.py", True),
        ("lukhas/**", "lukhas", True),
        ("lukhas/**", "lukhas_extra/a.py", False),
        ("lukhas/", "lukhas/a/b.py", True),
        ("./lukhas/**", "lukhas/a.py", True),
        ("**", "anything/at/all.py", True),
        ("**/*.pem", "key.pem", True),
        ("**/*.pem", "a/b/key.pem", True),
        ("**/jwt.*", "conf/jwt.yaml", True),
        ("a/*.py", "a/b.py", True),
        ("a/*.py", "a/b/c.py", False),
        ("a/?.py", "a/b.py", True),
        ("a/?.py", "a/bc.py", False),
        ("a.b/**", "aXb/c", False),
    ],
)
def test_glob_examples(pattern, path, expected):
    assert matches(pattern, path) is expected


@given(paths)
def test_double_star_matches_every_path(path):
    assert matches("**", path)


@given(paths, paths)
def test_directory_glob_matches_exactly_the_paths_below(root, path):
    below = matches(root + "/**", path)
    assert below == (path == root or path.startswith(root + "/"))


@given(st.lists(segment, min_size=1, max_size=4))
def test_single_star_agrees_with_fnmatch_within_one_segment(parts):
    path = "/".join(parts)
    pattern = "/".join("*" for _ in parts)
    assert matches(pattern, path)
    assert matches(pattern, path) == fnmatch.fnmatchcase(path, pattern)
    assert not matches(pattern, path + "/extra")
