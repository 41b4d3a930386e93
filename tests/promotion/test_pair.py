"""The lanes of a promotion, found by role in ops/matriz.yaml, never by name."""

from __future__ import annotations

import pytest

from pytest_lukhas.lanes import load_lanes
from pytest_lukhas.problems import ConfigError
from pytest_lukhas.promotion.pair import LanePair, is_test_file
from tests.conftest import write


def _pair(tmp_path, config: str, source: str | None = None) -> LanePair:
    write(tmp_path, {"ops/matriz.yaml": config, "web/app.py": "", "src/exp/x.py": ""})
    lanes = load_lanes(tmp_path / "ops/matriz.yaml", tmp_path)
    return LanePair.of(lanes, source)


@pytest.mark.parametrize(
    "config",
    [
        "lanes:\n  - {name: web, root: web/, promotion: {from: exp}}\n"
        "  - {name: exp, root: src/exp/}\n",
        "accepted_lane: web\nlanes:\n  - {name: web, root: web/}\n"
        "  - {name: exp, root: src/exp/, promotion: {to: web}}\n",
    ],
    ids=["accepted-names-its-source", "source-names-the-accepted-lane"],
)
def test_the_source_lane_is_found_by_role(tmp_path, config):
    pair = _pair(tmp_path, config)
    assert (pair.source.name, pair.target.name) == ("exp", "web")
    assert pair.mirror("src/exp/billing/api.py") == "web/billing/api.py"
    assert pair.origin("web/billing") == "src/exp/billing"


TWO_SOURCES = """\
lanes:
  - {name: web, root: web/, promotion: {from: exp}}
  - {name: exp, root: src/exp/}
  - {name: beta, root: beta/, promotion: {to: web}}
"""


def test_two_source_lanes_need_from(tmp_path):
    with pytest.raises(ConfigError, match="2 lanes are promoted into 'web' \\(exp, beta\\)"):
        _pair(tmp_path, TWO_SOURCES)
    assert _pair(tmp_path, TWO_SOURCES, "beta").source.name == "beta"
    with pytest.raises(ConfigError, match="lane 'web' is not promoted into 'web'"):
        _pair(tmp_path, TWO_SOURCES, "web")


def test_a_promoted_path_outside_the_lane_is_a_warning(tmp_path):
    config = "lanes:\n  - {name: web, root: web/, promotion: {from: exp, promoted: [src/x.py]}}\n  - {name: exp, root: src/exp/}\n"  # fmt: skip
    write(tmp_path, {"ops/matriz.yaml": config, "web/app.py": ""})
    lanes = load_lanes(tmp_path / "ops/matriz.yaml", tmp_path)
    assert [w.message for w in lanes.warnings if "promoted" in w.message] == [
        "lane 'web' lists 'src/x.py' as promoted, but it is not under the lane's root 'web/'"
    ]


@pytest.mark.parametrize(
    ("path", "test"),
    [
        ("labs/billing/tests/helpers.py", True),
        ("labs/billing/test_api.py", True),
        ("labs/billing/api_test.py", True),
        ("labs/conftest.py", True),
        ("labs/billing/testing.py", False),
        ("labs/contest.py", False),
    ],
)
def test_test_files(path, test):
    assert is_test_file(path) is test


def test_a_package_counts_as_promoted_with_the_modules_beside_it(tmp_path):
    config = "lanes:\n  - {name: web, root: web/, promotion: {from: exp}}\n  - {name: exp, root: exp/}\n"  # fmt: skip
    write(
        tmp_path,
        {
            "ops/matriz.yaml": config,
            "exp/__init__.py": "",
            "exp/pkg/__init__.py": "from .a import A\n",
            "exp/pkg/a.py": "A = 1\n",
            "web/__init__.py": "",
            "web/pkg/__init__.py": "",  # made for a promoted submodule
        },
    )
    pair = LanePair.of(load_lanes(tmp_path / "ops/matriz.yaml", tmp_path))
    assert not pair.is_promoted("exp/__init__.py")  # the lane's own package, never
    assert not pair.is_promoted("exp/pkg/__init__.py")  # an empty stub is not its copy
    (tmp_path / "web/pkg/__init__.py").write_text("API = 'the accepted lane has its own'\n")
    assert not pair.is_promoted("exp/pkg/__init__.py")  # a parallel package, a.py is missing
    (tmp_path / "web/pkg/a.py").write_text("A = 1\n")
    assert pair.is_promoted("exp/pkg/__init__.py")
    assert pair.is_promoted("exp/pkg/a.py")
