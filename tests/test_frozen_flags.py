"""Frozen flags: a feature flag read at import is found, with its line; call-time reads are not."""

from __future__ import annotations

import ast
import textwrap

import pytest

from pytest_lukhas.frozen_flags import reads, scan
from tests.conftest import write

FLAGS = frozenset({"FEATURE_X", "FEATURE_Y"})


def found(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(textwrap.dedent(source))
    return [(line, flag) for line, flag, _code in reads(tree, FLAGS)]


@pytest.mark.parametrize(
    "read",
    [
        'os.getenv("FEATURE_X")',
        'os.getenv("FEATURE_X", "false")',
        'os.environ["FEATURE_X"]',
        'os.environ.get("FEATURE_X")',
        'os.environ.setdefault("FEATURE_X", "0")',
        '"FEATURE_X" in os.environ',
        "os.getenv(FLAG)",
        "bool(os.environ.get(FLAG, ''))",
        "[os.getenv(name) for name in [FLAG]] and os.getenv(FLAG)",
    ],
)
def test_module_level_reads_of_a_flag_are_found(read):
    source = f"""
    import os

    FLAG = "FEATURE_X"
    ENABLED = {read}
    """
    assert found(source)[-1] == (5, "FEATURE_X")


@pytest.mark.parametrize(
    ("imports", "read"),
    [
        ("from os import environ", 'environ.get("FEATURE_X")'),
        ("from os import environ as env", 'env["FEATURE_X"]'),
        ("from os import getenv", 'getenv("FEATURE_X")'),
        ("import os as o", 'o.getenv("FEATURE_X")'),
    ],
)
def test_reads_through_imported_names_and_aliases_are_found(imports, read):
    assert found(f"{imports}\nX = {read}\n") == [(2, "FEATURE_X")]


def test_class_bodies_decorators_and_defaults_run_at_import():
    source = """
    import os

    class Settings:
        enabled = os.getenv("FEATURE_X")

    @register(os.environ.get("FEATURE_Y"))
    def handler(flag=os.getenv("FEATURE_X")):
        return os.getenv("FEATURE_Y")

    check = lambda default=os.getenv("FEATURE_Y"): os.getenv("FEATURE_X")
    """
    assert found(source) == [
        (5, "FEATURE_X"),
        (7, "FEATURE_Y"),
        (8, "FEATURE_X"),
        (11, "FEATURE_Y"),
    ]


def test_call_time_reads_other_variables_and_script_blocks_are_not_findings():
    source = """
    import os

    SINK = os.getenv("LUKHAS_MATRIZ_SINK")
    NAME = "FEATURE_X"
    os.environ["FEATURE_X"] = "true" if False else "false"

    def live():
        return os.getenv("FEATURE_X") == "true"

    class Provider:
        def enabled(self):
            return os.environ.get("FEATURE_Y")

    if __name__ == "__main__":
        print(os.getenv("FEATURE_X"))
    """
    assert found(source) == []


def test_without_an_os_import_environ_is_someone_else():
    assert found('environ = {}\nX = environ.get("FEATURE_X")\n') == []


def test_scan_reports_paths_lines_and_follows_imported_constants(tmp_path):
    write(
        tmp_path,
        {
            "prod/__init__.py": "",
            "prod/billing/__init__.py": "from .api import charge\n",
            "prod/billing/flags.py": 'FLAG = "FEATURE_X"\n',
            "prod/billing/api.py": "import os\nfrom .flags import FLAG\nON = os.getenv(FLAG)\n",
            "prod/billing/absolute.py": (
                "import os\nfrom prod.billing.flags import FLAG\n\n\nON = FLAG in os.environ\n"
            ),
            "prod/billing/broken.py": "def (:\n",
            "prod/billing/fine.py": "import os\n\ndef on():\n    return os.getenv('FEATURE_X')\n",
        },
    )
    results = scan(tmp_path / "prod/billing", tmp_path, {"FEATURE_X"})
    assert [(r.where, r.flag, r.code) for r in results] == [
        ("prod/billing/absolute.py:5", "FEATURE_X", "FLAG in os.environ"),
        ("prod/billing/api.py:3", "FEATURE_X", "os.getenv(FLAG)"),
    ]


def test_module_level_calls_of_functions_that_read_a_flag_are_found():
    source = """
    import os

    def enabled(name="FEATURE_Y"):
        return os.environ.get(name) == "true"

    def billing():
        return enabled("FEATURE_X")

    A = billing()
    B = enabled()
    C = enabled(name="FEATURE_OTHER")

    def later():
        return billing()
    """
    assert found(source) == [(10, "FEATURE_X"), (11, "FEATURE_Y")]


FLAGS_API = """\
import os

DRY_RUN_MODE = "DRY"


def flag(name, default=False):
    raw = os.environ.get(name)
    return default if raw is None else raw == "true"


def dry_run():
    return flag(DRY_RUN_MODE, default=True)


def live(feature_flag):
    return flag(feature_flag) and not dry_run()
"""


def test_scan_finds_module_level_calls_to_the_projects_flag_api(tmp_path):
    write(
        tmp_path,
        {
            "prod/__init__.py": "",
            "prod/flags.py": FLAGS_API,
            "prod/billing/__init__.py": "",
            "prod/billing/api.py": (
                "import prod.flags as pf\n"
                "from prod.flags import dry_run, flag, live\n"
                'FLAG = "FEATURE_X"\n'
                "ON = live(FLAG)\n"
                "DRY = dry_run()\n"
                'X = pf.flag("FEATURE_X")\n'
                'Y = flag("OTHER")\n'
                "def later():\n"
                "    return live(FLAG)\n"
            ),
        },
    )
    results = scan(tmp_path / "prod/billing", tmp_path, {"FEATURE_X", "DRY"})
    assert [(r.where, r.flag, r.code) for r in results] == [
        ("prod/billing/api.py:4", "DRY", "live(FLAG)"),
        ("prod/billing/api.py:4", "FEATURE_X", "live(FLAG)"),
        ("prod/billing/api.py:5", "DRY", "dry_run()"),
        ("prod/billing/api.py:6", "FEATURE_X", "pf.flag('FEATURE_X')"),
    ]


def test_scan_follows_import_time_imports_into_the_modules_it_is_told_to(tmp_path):
    write(
        tmp_path,
        {
            "prod/__init__.py": "",
            "prod/flags.py": FLAGS_API,
            "prod/settings.py": 'import os\n\nSTRICT = os.getenv("FEATURE_X")\n',
            "prod/common/__init__.py": "from . import deep\n",
            "prod/common/deep.py": 'from prod.flags import live\n\nON = live("FEATURE_X")\n',
            "prod/lazy.py": 'import os\nON = os.getenv("FEATURE_X")\n',
            "labs/__init__.py": "",
            "labs/x.py": 'import os\nON = os.getenv("FEATURE_X")\n',
            "prod/billing/__init__.py": "from .api import charge\n",
            "prod/billing/api.py": (
                "import prod.settings\n"
                "import prod.common\n"
                "import labs.x\n"
                "def charge():\n"
                "    import prod.lazy\n"
            ),
        },
    )
    results = scan(
        tmp_path / "prod/billing",
        tmp_path,
        {"FEATURE_X"},
        follow=lambda relpath: relpath.startswith("prod/"),
    )
    assert [(r.where, r.via) for r in results] == [
        ("prod/settings.py:3", ("prod/billing/api.py", "prod/settings.py")),
        ("prod/common/deep.py:3", ("prod/billing/api.py", "prod/common/__init__.py", "prod/common/deep.py")),
    ]  # fmt: skip


def test_recursion_starred_arguments_and_odd_calls_do_not_break_the_scan():
    source = """
    import os

    def ping(n):
        return pong(n)

    def pong(n):
        return os.getenv(n) or ping(n)

    def read(*names, key="FEATURE_Y"):
        return os.getenv(key)

    A = ping("FEATURE_X")
    B = read(*["a"], key="FEATURE_X")
    C = (lambda: 1)()
    D = ping(*["FEATURE_X"])
    E = {}.get("FEATURE_X")
    F = read()
    """
    assert found(source) == [(13, "FEATURE_X"), (14, "FEATURE_X"), (18, "FEATURE_Y")]
