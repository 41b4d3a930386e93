"""The closer look at files the byte prefilter turns away (f-strings, ``except``, many
operators, ``sys``): what it lets the fast path take reads back exactly as CPython's AST
pass reads it, and what ruff and CPython 3.11 could read apart goes to CPython."""

from __future__ import annotations

import shutil
import sysconfig
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_lukhas.boundaries import rustscan
from pytest_lukhas.boundaries import scan as scan_module
from pytest_lukhas.boundaries.blocks import import_flags, statements
from pytest_lukhas.boundaries.closer_look import (
    ANYWHERE,
    NO,
    STATEMENTS,
    TOP_LEVEL,
    closer_look,
)
from pytest_lukhas.boundaries.fast_parse import read_back
from pytest_lukhas.boundaries.parse import GUARDED, IN_TYPE_CHECKING, parse_source

DEEP = "(" * 190 + ")" * 190
LONG_CHAIN = "x = (1" + " +\n    1" * 1001 + ")\n"


@pytest.mark.parametrize(
    "source",
    [
        'x = f"{d["k"]}"\n', "x = f'{a!r:{w}} {\"\\n\".join(b)}'\n", 'x = f"{a # c\n}"\n',
        "x = f'''{f\"{a}\"}'''\n", "x = f'{a:{b:{c}}}'\n", "x = f'{'\n", "x = f'}'\n",
        "x = f'\\N{DASH} {a}'\n", "x = t'{a}'\n", "x = rt'{a}'\n", "x = ab'c'\n",
        'x = "unterminated\n', "x = f'{a +\nb}'\n",
        "x = f'{d[f\"k\"]}'\n", 'x = f"""{d["k"]}"""\n', "x = f'{d[\"k\\n\"]}'\n",
        "if x: type X = int\n",
        "x = f'{*a}'\n", "x = f'{a!r }'\n",
        "try:\n    pass\nexcept A, B:\n    pass\n", "try:\n    pass\nexcept (A), B:\n    pass\n",
        "type X = int\n", "type \\\n X = int\n", "def f[T](x: T): pass\n", "class C[T]: pass\n",
        "x = [*a for a in b]\n", "x = {**a for a in b}\n", "f(*a for a in b)\n",
        "x = [\n    *a\n    for a in b\n]\n", "x = [*(y) for y in z]\n",
        f"x = {DEEP}\n", LONG_CHAIN, "x = 1 + \\\n" * 1001 + "1\n",
        "if a:\n    pass\n" + "elif a:\n    pass\n" * 1001,
        "\ufeffimport a\n", "# \u2028\nimport a\n", "x = '\x85'\n", "\u00e9 = 1\n",
        "# coding: latin-1\nx = 1\n", "x = 1\ry = 2\n", "x = 1\x00\n", "x = 1\x0c\n",
        "".join(" " * i + "if x:\n" for i in range(101)) + " " * 101 + "pass\n",
        "from " + ". " * 30 + "import x\n",
    ],
)  # fmt: skip
def test_the_closer_look_sends_to_cpython_what_ruff_could_read_differently(source):
    assert closer_look(source.encode("utf-8", "surrogatepass"))[0] == NO


@pytest.mark.parametrize(
    "statement", ["x = (yield != b)", "x = yield if a else b", "yield,", "x = (yield,)"]
)
def test_a_bare_yield_as_an_operand_goes_to_cpython(statement):
    """ruff's parser accepts these, CPython refuses them."""
    source = f"import os\ndef g():\n    {statement}\n".encode()
    assert scan_module.fast_path_mode(source)[0] == NO


@pytest.mark.parametrize(
    ("source", "mode"),
    [
        ("import a\nx = f'{a!r:>{w}} {b[1]} {{c}}'\n", ANYWHERE),
        ("x = f'''{\n  a\n}'''\nimport b\n", ANYWHERE),
        ("x = rf'\\d{a}'\ny = b'x'\nz = Rb'\\x'\nu = U'x'\n", ANYWHERE),
        ("f(*args)\nfor x in y:\n    g(**kw)\n", ANYWHERE),
        ("x = [*a, *b]\ny = [a for a in b]\nz = {**a}\n", ANYWHERE),
        ("import sys\nprint(sys.path)\nn = len(sys.path) + len( sys . path )\n", ANYWHERE),
        ("x = 'caf\u00e9'  # \u00e9t\u00e9\nimport a\n", ANYWHERE),
        ("try:\n    import a\nexcept (ImportError, OSError) as e:\n    pass\n", TOP_LEVEL),
        ("try:\n    pass\nexcept* ValueError:\n    pass\nexcept:\n    pass\n", TOP_LEVEL),
        ("try:\n    import a\nexcept errors.ModuleNotFoundError:\n    pass\n", TOP_LEVEL),
        ("try:\n    import a\nexcept (KeyError, OSError) as e:\n    pass\n", ANYWHERE),
        ("from typing import TYPE_CHECKING\n", TOP_LEVEL),
        ("x = '''\nexcept A, B:\n'''\n# except A, B:\n", ANYWHERE),
        (f"x = {'(' * 150}{')' * 150}\n", ANYWHERE),
        ("x = [\n" + "    1.5,\n" * 2000 + "]\n", NO),
        ("x = 1\n" + "y = a.b + c.d\n" * 2000, ANYWHERE),
        ("x = f'{d[\"k\"]} {\", \".join(b)!r:>{w}}'\nimport a\n", ANYWHERE),
        ("for dtype in [a, b]:\n    type_ = 1\nf(type = 2)\nx = type in [int]\n", ANYWHERE),
    ],
)  # fmt: skip
def test_the_closer_look_lets_the_rest_through(source, mode):
    assert closer_look(source.encode())[0] == mode


@pytest.mark.parametrize(
    "source",
    [
        "import sys\nsys.path.append('x')\n", "import sys\nsys.path[0:0] = ['x']\n",
        "import sys\nsys.path += ['x']\n", "import sys\ndel sys.path[0]\n",
        "import sys\n(sys\n .path).insert(0, 'x')\n", "import sys\nsys.meta_path.clear()\n",
        "import sys\nsys.path: list = []\n", "from sys import path\npath.insert(0, 'x')\n",
        "import sys as s\ns.path.append('x')\n", "import sys\nx = sys.path[:]  if 0 else 1\n",
        "import importlib\nm = importlib.import_module(n)\n", "m = __import__('a')\n",
        "import os\nos.environ['PYTHONPATH'] = 'x'\n", "import a  # lukhas: allow-import(x)\n",
        "import runpy as r\n\n@decorated\ndef f():\n    try:\n        r.run_path('p.py')\n"
        "    except ImportError:\n        import b\n    else:\n        pass\n",
        "from importlib import import_module as im\nif x:\n    pass\nelse:\n    im('a.b')\n",
        "import sys\nprint(f\"{sys.path.append('x')}\")\n",
        "\n# importlib.import_module('m') in a file with no statement\n",
    ],
)  # fmt: skip
def test_files_that_name_dynamic_loaders_get_those_statements_parsed(tmp_path, source):
    """CPython parses only the top-level statements that name a loader or an import path
    change; the answer is the same as for the whole file."""
    data = source.encode()
    assert closer_look(data)[0] == STATEMENTS
    path = tmp_path / "m.py"
    path.write_bytes(data)
    assert _fast_answer(path, data) == parse_source(data)


def test_the_closer_look_counts_import_statements_in_code_only():
    source = '"""import a"""\nimport b  # import c\nfrom d import (\n    e,\n)\nx = "import"\n'
    assert closer_look(source.encode()) == (ANYWHERE, 2)


def _fast_answer(path: Path, data: bytes):
    """The fast path's parse of one file, or None where it would hand the file to CPython."""
    mode = scan_module.fast_path_mode(data)
    if not mode[0]:
        return None
    starts = rustscan.import_lines(str(path.parent), [path.name], {path.name: data})[path.name]
    return read_back(data, starts, mode) if starts is not None else None


LINE = st.sampled_from([  # kinds of lines for both paths, each kind of file for the fast path
    "import a", "import a.b as c, d", "from . import x", "from .. import (x, y,)", "from a.b import *",
    "from a import (\n    b,\n)", "import a, \\\n    b", "import a; import b", "x = 1", "def f():\n    import g",
    "class C:\n    from h import i", "if x:\n    import j\nelse:\n    import k", "if x: import l",
    '"""\nimport m\n"""', "# import n", "import o  # p's", "s = 'import q'", "x = f'{r}'",
    "try:\n    import s\nexcept ImportError:\n    pass", "try:\n    import t\nfinally:\n    pass",
    "if TYPE_CHECKING:\n    import u", "for v in w:\n    import x", "while y:\n    import z",
    "with a as b:\n    import c", "match d:\n    case 1:\n        import e", "type X = int",
    "def f(:", "import", "from import x", "  import indented", "\x0c", "import \\\n    a.b",
    "from a import b as c, d as e", "from .a.b import (c as d)", "from...a import b", "import a.b.c",
    "def f():\n    try:\n        import v\n    except (OSError, errors.ImportError) as e:\n        import w",
    "if typing.TYPE_CHECKING:  # note\n    import x\nelif TYPE_CHECKING:\n    import y\nelse:\n    import z",
    "if (TYPE_CHECKING):\n  from a import (\n      b)\nif not TYPE_CHECKING:\n    import c",
    "if (TYPE_CHECKING or\n        x):\n    import d", "try:\n    import e\nexcept (a.ImportError.b):\n    pass",
    "try:\n    import f\nexcept ValueError:\n    pass\nelse:\n    import g\nfinally:\n    import h",
    "class C:\n    '''\nimport i\n    '''\n    if x:\n        import j", "x = [\n    1]\nif y:\n    import k",
    "with a:\n\timport l", "try:\n    import m\nexcept:\n    pass", "try:\n    import n\nexcept Exception:\n    pass",
    "import a.b as c, d", "from . import x", "from ..p import (x, y,)",
    "from a import (\n    b,  # note\n    c as d,\n)", "from . import (\n    e\n)", "import a, \\\n    b",
    "from a import b, \\\n    c", "x = f'{y!r:>{w}}'", 'x = f"{d[1]} {{z}}"', "x = f'{d[\"k\"]}'",
    'x = rf"\\d{a}"', "x = f'''{\n  a\n}'''", "x = '\u00e9t\u00e9'", "# caf\u00e9", "x = '''\nimport q\n'''",
    "try:\n    import s\nexcept ImportError:\n    pass", "try:\n    import t\nexcept (A, B):\n    pass",
    "try:\n    pass\nexcept A, B:\n    pass", "if TYPE_CHECKING:\n    import u", "def f():\n    import g",
    "import sys", "sys.path.append('x')", "import importlib as il", "m = il.import_module('a.b')",
    "@d\ndef f():\n    return __import__('c', fromlist=['d'])", "os.environ['PYTHONPATH'] = p",
    "import e  # lukhas: allow-import(why)", "print(sys.path)", "f(*a)", "for v in w:\n    pass",
    "x = [*a for a in b]", "type X = int", "def f(:", "x = (\n    1 +\n    2\n)", "import o  # p's",
    "if x: import l", "import a; import b", "class C:\n    from h import i", "x = 1 \\\n    + 2",
])  # fmt: skip


@settings(max_examples=500, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(LINE, max_size=8), st.sampled_from(["\n", "\r\n"]))
def test_what_the_fast_path_answers_is_what_cpython_answers(tmp_path, lines, newline):
    data = (newline.join(lines) + newline).encode()
    path = Path(tempfile.mkdtemp(dir=tmp_path)) / "m.py"
    path.write_bytes(data)
    fast = _fast_answer(path, data)
    if fast is not None:  # the fast path never claims a file CPython rejects
        assert fast == parse_source(data)


def _copy_real_code(destination: Path) -> list[str]:
    """This package and part of the standard library, as one lane of real code."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    sources = [Path(__file__).resolve().parents[2] / "pytest_lukhas"]
    sources += [stdlib / name for name in ("json", "email", "asyncio", "importlib", "logging")]
    for source in sources:
        shutil.copytree(
            source, destination / source.name, ignore=shutil.ignore_patterns("__pycache__")
        )
    return sorted(p.relative_to(destination).as_posix() for p in destination.rglob("*.py"))


def test_the_fast_path_reads_real_code_as_cpython_does(tmp_path):
    relpaths = _copy_real_code(tmp_path)
    answered = 0
    for relpath in relpaths:
        data = (tmp_path / relpath).read_bytes()
        fast = _fast_answer(tmp_path / relpath, data)
        if fast is not None:
            assert fast == parse_source(data), relpath
            answered += 1
    assert answered > len(relpaths) / 3  # the closer look earns its keep


def test_relative_imports_of_modules_outside_the_chunk_are_read_fast(tmp_path):
    files = {
        "pkg/__init__.py": "",
        "pkg/sub/__init__.py": "from .a import *\nfrom .a import x\nfrom . import b\n",
        "pkg/sub/a.py": "from . import x\nfrom .b import c\nfrom .. import y\nfrom ..z import (\n    w,\n)\n",
    }
    for relpath, text in files.items():
        (tmp_path / relpath).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relpath).write_text(text)
    for relpath, lines in (("pkg/sub/a.py", {1, 2, 3, 4}), ("pkg/sub/__init__.py", {1, 2, 3})):
        data = (tmp_path / relpath).read_bytes()
        starts = rustscan.import_lines(str(tmp_path), [relpath], {relpath: data})
        assert starts == {relpath: lines}  # one file at a time: the others are unknown to it
        assert read_back(data, lines, (ANYWHERE, None)) == parse_source(data)


@pytest.mark.parametrize(
    ("source", "lines", "flags"),
    [
        ("try:\n    import a\nexcept (OSError, x.ImportError):\n    pass\n", [2], {2: GUARDED}),
        ("try:\n    import a\nexcept OSError:\n    pass\nexcept:\n    pass\n", [2], {2: GUARDED}),
        ("try:\n    import a\nexcept (a.ImportError.b):\n    pass\n", [2], {2: 0}),
        ("try:\n    pass\nexcept ImportError:\n    import a\n", [4], {4: 0}),
        ("if typing.TYPE_CHECKING:\n    import a\nelse:\n    import b\n", [2, 4],
         {2: IN_TYPE_CHECKING, 4: 0}),
        ("if TYPE_CHECKING:\n    try:\n        import a\n    except Exception:\n        pass\n",
         [3], {3: IN_TYPE_CHECKING | GUARDED}),
        ('def f():\n    """\nif TYPE_CHECKING:\n    """\n    import a\n', [5], {5: 0}),
        ("x = (\n  1)\nif TYPE_CHECKING :  # why\n    import a\n", [4], {4: IN_TYPE_CHECKING}),
        ("if (TYPE_CHECKING or\n        x):\n    import a\n", [3], None),  # not read: CPython
        ("if \\\n        TYPE_CHECKING:\n    import a\n", [3], None),
        ("if f().TYPE_CHECKING:\n    import a\n", [2], None),
        ("try:\n    import a\nexcept (a, (ImportError,)):\n    pass\n", [2], None),
        ("if x:\n\timport a\n", [2], None),
    ],
)  # fmt: skip
def test_the_blocks_around_an_indented_import_give_its_flags(source, lines, flags):
    found = statements(source)
    assert (found and import_flags(found, lines)) == flags
    if flags is not None:
        expected = {record[0]: record[5] for record in parse_source(source.encode())[1]}
        assert {line: expected[line] for line in lines} == flags


# Replacement fields built from the pieces where 3.11 and ruff's reading of an f-string
# have been seen to part (conversions, starred and yield expressions, nested specs).
EXPRESSION = st.lists(st.sampled_from([
    "a", "b", " ", "*", "**", "(", ")", "[", "]", ",", ".", "1", "+", "not ", "lambda ", ":", "yield",
    "'s'", "=", "==", "!=", "<", " if a else b", " for a in b", "{", "}", "\n", "#", "\\", "(x:=1)",
]), max_size=5).map("".join)  # fmt: skip
CONVERSION = st.sampled_from(
    ["", "!r", "!s", "!a", "!z", "! r", "!r ", " !r", "!", "=", " = ", "=!r"]
)
SPEC = st.sampled_from(
    ["", ":", ":>3", ":{w}", ":{w:{v}}", ": ", ":!r", ":{w!r}", ":'", ":#x", ":{}"]
)
FIELD = st.builds(lambda e, c, s: "{" + e + c + s + "}", EXPRESSION, CONVERSION, SPEC)
FSTRING_BODY = st.lists(
    st.one_of(FIELD, st.sampled_from(["t", " ", "{{", "}}", "\\n", "'"])), max_size=4
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(FSTRING_BODY.map("".join), st.sampled_from(['"', '"""', "'"]))
def test_what_the_fast_path_answers_for_an_f_string_is_what_cpython_answers(tmp_path, body, quote):
    data = f"import os\nx = f{quote}{body}{quote}\n".encode()
    path = Path(tempfile.mkdtemp(dir=tmp_path)) / "m.py"
    path.write_bytes(data)
    fast = _fast_answer(path, data)
    if fast is not None:
        assert fast == parse_source(data)


HEADERS = st.sampled_from([
    "try:", "try:  # why", "except ImportError:", "except (ValueError, ImportError) as e:",
    "except ValueError:", "except:", "except Exception:", "except* OSError:", "finally:", "else:",
    "if TYPE_CHECKING:", "if typing.TYPE_CHECKING:", "if (TYPE_CHECKING):", "elif TYPE_CHECKING:",
    "if not TYPE_CHECKING:", "if TYPE_CHECKING and x:", "if x:  # TYPE_CHECKING", "if x:",
    "def f():", "async def g():", "class C:", "with a:", "for a in b:", "while a:", "match x:",
    "case 1:", "@dec",
])  # fmt: skip
LEAVES = st.sampled_from([
    "import a", "from b import c", "from . import d", "x = 1", "pass", "'''doc\nimport z\n'''",
    "import e  # c", "y = (\n1)", "from f import (\n  g,\n)",
])  # fmt: skip


@st.composite
def nested_blocks(draw: st.DrawFn, depth: int = 0) -> list[str]:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        if depth < 4 and draw(st.booleans()):
            lines.append(draw(HEADERS))
            body = "\n".join(draw(nested_blocks(depth + 1)))
            lines += ["    " + line if line else line for line in body.split("\n")]
        else:
            lines.append(draw(LEAVES))
    return lines


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nested_blocks())
def test_imports_in_nested_blocks_get_cpythons_flags(tmp_path, lines):
    data = ("\n".join(lines) + "\n").encode()
    path = Path(tempfile.mkdtemp(dir=tmp_path)) / "m.py"
    path.write_bytes(data)
    fast = _fast_answer(path, data)
    if fast is not None:
        assert fast == parse_source(data)
