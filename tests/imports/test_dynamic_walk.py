"""The search for dynamic imports and import path changes walks only the statements on lines
that name ``importlib``, ``sys``, ``os``, ... or a local alias of them; it must find exactly
what a walk of every node finds."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_lukhas.boundaries import dynamic
from pytest_lukhas.boundaries.parse import parse_source


def _every_node_walked(data: bytes) -> tuple[object, ...]:
    """parse_source with every line marked: the walk then visits every node."""
    with mock.patch.object(
        dynamic, "_lines_naming", lambda n, t, lines: [*range(1, len(lines) + 1)]
    ):
        return parse_source(data)


def _calls(data: bytes) -> tuple[object, ...]:
    parsed = parse_source(data)
    return parsed[2], parsed[3]


def _fullwidth(word: str) -> str:
    """``word`` in fullwidth letters, which CPython reads as ``word`` (NFKC)."""
    return "".join(chr(ord(letter) + 0xFEE0) for letter in word)


IMPORTS = st.sampled_from([
    "import importlib as il", "from importlib import import_module as im", "import sys",
    "from sys import path as P", "import os as o", "from os import environ", "import runpy",
    "from importlib import util", "import pkgutil as pu", "import site",
])  # fmt: skip
STATEMENTS = st.sampled_from([
    "il.import_module('a.b')", "im('c')", "__import__('d', fromlist=['e'])", "P.insert(0, 'x')",
    "sys.path.append(p)", "o.environ['PYTHONPATH'] = 'y'", "environ.setdefault('PYTHONPATH', 'z')",
    "x = f(\n    importlib.import_module(\n        'f'))", "y = 1", "s = '''\nsys.path.insert(0, 'q')\n'''",
    _fullwidth("importlib") + ".import_module('g')", "v = (1 +\\\n  il.import_module('h'))", "runpy.run_path(p)",
    "util.spec_from_file_location('m', 'lib/m.py')", "pu.walk_packages(['plugins'])",
    "site.addsitedir('vendor')", "del sys.path[0]", "sys.meta_path += [finder]", "pass",
    "t = sys . path", "w = [il.import_module(n) for n in names]",
])  # fmt: skip
WRAPPERS = st.sampled_from([
    "{}", "def f():\n{}", "class C:\n{}", "if x:\n    pass\nelse:\n{}", "try:\n    pass\nexcept E:\n{}",
    "with a:\n{}", "for i in j:\n{}", "match k:\n    case 1:\n{}",
    "@il.import_module('deco').d\ndef g():\n{}", "@(\n    sys.path.append('e')\n)\nclass D:\n{}",
    "async def h():\n{}",
])  # fmt: skip


def _wrapped(wrapper: str, body: list[str]) -> str:
    if wrapper == "{}":
        return "\n".join(body)
    indent = "        " if wrapper.startswith("match") else "    "
    return wrapper.format(textwrap.indent("\n".join(body), indent))


BLOCKS = st.builds(_wrapped, WRAPPERS, st.lists(STATEMENTS, min_size=1, max_size=3))
SOURCES = st.builds(
    lambda imports, blocks, newline: newline.join([*imports, *blocks]).replace("\n", newline),
    st.lists(IMPORTS, max_size=4),
    st.lists(BLOCKS, max_size=5),
    st.sampled_from(["\n", "\r\n", "\r"]),
)


@settings(max_examples=400, deadline=None)
@given(SOURCES)
def test_the_narrowed_walk_finds_what_a_full_walk_finds(source):
    data = source.encode()
    expected = _every_node_walked(data)
    assert expected[0] is None, expected  # the generated source parses
    assert parse_source(data) == expected


def test_a_call_in_a_decorator_above_an_unmarked_definition_is_found():
    data = b"import importlib\n@importlib.import_module('x').deco\ndef f():\n    pass\n"
    loads, _changes = _calls(data)
    assert [load[2:5] for load in loads] == [("importlib.import_module", "module", "x")]


def test_names_are_read_in_their_nfkc_form():
    data = f"{_fullwidth('sys')}.path.insert(0, 'x')\nmysys.path.insert(0, 'y')\n".encode()
    _loads, changes = _calls(data)
    assert [change[0] for change in changes] == [1]


def test_the_narrowed_walk_agrees_on_the_standard_library():
    stdlib = Path(ast.__file__).parent
    files = [*stdlib.glob("*.py"), *(stdlib / "importlib").rglob("*.py")]
    found = 0
    for path in files:
        data = path.read_bytes()
        expected = _every_node_walked(data)
        assert parse_source(data) == expected, path
        found += len(expected[2]) + len(expected[3])
    assert found > 20  # runpy, pkgutil, site, importlib: the comparison is not vacuous
