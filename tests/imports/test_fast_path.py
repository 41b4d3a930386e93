"""The fast path (ruff's parser through grimp, a byte prefilter, the import lines read back)
gives exactly what CPython's AST pass gives, and bad input never crashes it."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.synthetic_repo import generate
from pytest_lukhas.boundaries import rustscan
from pytest_lukhas.boundaries import scan as scan_module
from pytest_lukhas.boundaries.cache import ParseCache
from pytest_lukhas.boundaries.check import ImportOptions, check_imports
from pytest_lukhas.boundaries.prefilter import fast_path_may_take
from pytest_lukhas.boundaries.scan import scan
from pytest_lukhas.lanes import load_lanes
from tests.imports import reference_fast_path as reference
from tests.imports.conftest import make_repo

# Every route the check knows, each in a file of its own, in the accepted lane.
ROUTES = {
    "prod/billing/static.py": "import labs.engine\nfrom labs import engine\nfrom labs.core import x as y\n",
    "prod/billing/relative.py": "from . import api\nfrom .api import charge\nfrom .. import billing\n",
    "prod/billing/multiline.py": "from labs import (\n    engine,\n    core,\n)\nimport labs.engine, \\\n    labs.core.x\n",
    "prod/billing/semicolons.py": "import os; import labs.engine\n",
    "prod/billing/one_liner.py": "if True: import labs.engine\n",
    "prod/billing/nested.py": "def f():\n    import labs.engine\n\nclass C:\n    from labs import core\n",
    "prod/billing/typing_only.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import labs.engine\n",
    "prod/billing/guarded.py": "try:\n    from core.x import y\nexcept ImportError:\n    y = None\n",
    "prod/billing/alias.py": "import core.x\n",
    "prod/billing/dynamic.py": "import importlib\nm = importlib.import_module('labs.engine')\nn = importlib.import_module(name)\n",
    "prod/billing/dunder.py": "m = __import__('labs.engine')\n",
    "prod/billing/syspath.py": "import sys\nsys.path.insert(0, 'labs')\n",
    "prod/billing/environ.py": "import os\nos.environ['PYTHONPATH'] = 'labs'\n",
    "prod/billing/pragma.py": "import labs.engine  # lukhas: allow-import(migrating)\nimport attic.old  # lukhas: allow-import\n",
    "prod/billing/fstring.py": "import labs.engine\nx = f'{labs.engine}'\n",
    "prod/billing/comment_quote.py": "import labs.engine  # it's fine\n",
    "prod/billing/docstring.py": '"""\nimport attic.old\n"""\nimport labs.engine\n',
    "prod/billing/crlf.py": "import labs.engine\r\nfrom labs import core\r\n",
    "prod/billing/formfeed.py": "import labs.engine\n\x0c\nimport labs.core.x\n",
    "prod/billing/broken.py": "import labs.engine\ndef broken(:\n",
    "prod/billing/type_alias.py": "import labs.engine\ntype X = int\n",
    "prod/billing/star.py": "from labs.engine import *\n",
    "labs/broken.py": "def broken(:\n",
    "labs/latin1.py": "# -*- coding: latin-1 -*-\nimport attic.old\nx = '\xe9'\n",
    "labs/deep.py": "x = a" + ".b" * 60_000 + "\n",  # deep enough to overflow ruff's stack
}


def _without_fast_path(monkeypatch):
    monkeypatch.setattr(rustscan, "usable", lambda: False)


def _findings(root: Path) -> list:
    config = load_lanes(root / "ops" / "matriz.yaml", root)
    report = check_imports(config, ImportOptions.from_config(config, cache_dir=None))
    return [f.to_json() for f in report.all_findings]


def _scanned(root: Path, **options) -> dict:
    config = load_lanes(root / "ops" / "matriz.yaml", root)
    found = scan(config, ParseCache(None), **options)
    return {p: (f.lives_at, f.digest, f.parse) for p, f in found.files.items()}


@pytest.mark.parametrize("layout", ["routes", "synthetic"])
def test_the_fast_path_and_the_ast_path_find_the_same(tmp_path, monkeypatch, layout):
    if layout == "routes":
        root = make_repo(
            tmp_path, {p.replace("prod/billing/", "prod/billing/r_"): t for p, t in ROUTES.items()}
        )
    else:
        root = tmp_path
        generate(root, modules=600, imports=3000, per_kind=2, fan_in=3)
    calls: list[bytes] = []
    parse = scan_module.parse_source
    monkeypatch.setattr(scan_module, "parse_source", lambda data: calls.append(data) or parse(data))
    fast = _scanned(root)
    by_cpython = len(calls)
    fast_findings = _findings(root)
    _without_fast_path(monkeypatch)
    calls.clear()
    assert _scanned(root) == fast
    assert len(calls) == len(fast)  # every file, and each once
    assert by_cpython < (len(fast) / 10 if layout == "synthetic" else len(fast))
    assert _findings(root) == fast_findings
    assert fast_findings


def test_a_file_ruff_cannot_parse_gets_cpythons_verdict_and_line(tmp_path):
    root = make_repo(tmp_path, {"labs/broken.py": "import attic.old\n\ndef broken(:\n"})
    parse = _scanned(root)["labs/broken.py"][2]
    assert parse[0][0] == "syntax-error" and parse[0][2] == 3


def test_a_nesting_deep_enough_to_crash_ruff_never_reaches_it(tmp_path):
    data = b"x = a" + b".b" * 60_000 + b"\n"
    assert not fast_path_may_take(data)
    root = make_repo(tmp_path, {"labs/deep.py": data.decode()})
    assert _scanned(root)["labs/deep.py"][2][0][0] == "syntax-error"  # CPython's RecursionError


@pytest.mark.parametrize(
    "source",
    [
        b"x = f'{a}'\n", b"x = rF'{a}'\n", b"x = t'{a}'\n",  # PEP 701/750 f- and t-strings
        b"type X = int\n", b"def f[T](x: T): pass\n", b"class C[T]: pass\n",  # PEP 695
        b"try:\n    pass\nexcept A, B:\n    pass\n",  # PEP 758
        b"x = [*a for a in b]\n", b"x = {**a for a in b}\n",  # unpacking in a comprehension
        b"from typing import TYPE_CHECKING\n", b"try:\n    import a\nexcept:\n    pass\n",
        b"import importlib\nimportlib.import_module('a')\n", b"import sys\nsys.path.append('x')\n",
        b"import os\nos.putenv('PYTHONPATH', 'x')\n", b"import a  # lukhas: allow-import(why)\n",
        b"x = '\xc3\xa9'\n", b"x = 1\ry = 2\n", b"# coding: latin-1\nx = 1\n", b"import a\x00\n",
        b"x = " + b"(" * 201 + b")" * 201 + b"\n", b"x = 1" + b"+1" * 1001 + b"\n",
        b"".join(b" " * i + b"if x:\n" for i in range(101)) + b" " * 101 + b"pass\n",
        b"from " + b". " * 30 + b"import x\n",
    ],
)  # fmt: skip
def test_the_prefilter_sends_to_cpython_what_ruff_could_read_differently(source):
    assert not fast_path_may_take(source)


@pytest.mark.parametrize(
    "source",
    [b"", b"import a\n", b"from . import b\nimport a.b as c\n\ndef f():\n    return 1\n",
     b"x = 'stuff'\ny = r'\\d'\nz = b'x'\n", b"import a\r\nimport b\r\n"],
)  # fmt: skip
def test_the_prefilter_lets_plain_files_through(source):
    assert fast_path_may_take(source)


def test_a_failing_batch_is_split_until_each_failing_file_stands_alone(tmp_path):
    write = {
        "a/ok.py": "import x\n\nimport y\n",
        "a/bad.py": "def f(:\n",
        "a/also.py": "z = 1\n",
        "a/deep_relative.py": "from " + "." * 40 + " import x\n",
    }  # a panic in grimp
    for rel, text in write.items():
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        (tmp_path / rel).write_text(text)
    found = rustscan.import_lines(str(tmp_path), list(write))
    assert found == {
        "a/ok.py": {1, 3},
        "a/bad.py": None,
        "a/also.py": set(),
        "a/deep_relative.py": None,
    }


def _usable_in_child() -> bool:
    return rustscan.usable()


def test_a_process_forked_after_grimp_loaded_never_calls_its_threads():
    rustscan._rustgrimp()  # loaded: its thread pool may have started
    assert not rustscan.forked_children_may_use()
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply(_usable_in_child) is False
    assert rustscan.usable()


# Run in a fresh interpreter: this test process has loaded grimp long ago.
FORK_BEFORE_LOAD = """
import multiprocessing, sys
from pytest_lukhas.boundaries import rustscan
assert rustscan.forked_children_may_use()
def lines(repo):
    return rustscan.usable(), rustscan.import_lines(repo, ["a.py"])
with multiprocessing.get_context("fork").Pool(2) as pool:
    print(pool.map(lines, [sys.argv[1]] * 2))
"""


def test_processes_forked_before_grimp_loads_use_the_fast_path(tmp_path):
    (tmp_path / "a.py").write_text("import os\n\nfrom x import y\n")
    done = subprocess.run(
        [sys.executable, "-c", FORK_BEFORE_LOAD, str(tmp_path)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[(True, {'a.py': {1, 3}}), (True, {'a.py': {1, 3}})]"


# A fresh interpreter (grimp not loaded) scanning with two forked workers: prints how many
# files CPython parsed in the workers, then the scan as a repr.
SCAN_IN_WORKERS = """
import multiprocessing, sys
from pathlib import Path
from pytest_lukhas.boundaries import scan as scan_module
from pytest_lukhas.boundaries.cache import ParseCache
from pytest_lukhas.lanes import load_lanes
by_cpython = multiprocessing.Value("i", 0)
parse = scan_module.parse_source
def counted(data):
    with by_cpython.get_lock():
        by_cpython.value += 1
    return parse(data)
scan_module.parse_source = counted
root = Path(sys.argv[1])
found = scan_module.scan(load_lanes(root / "ops" / "matriz.yaml", root), ParseCache(None),
                         workers=2)
assert found.workers == 2
print(by_cpython.value)
print(repr(sorted((p, (f.lives_at, f.digest, f.parse)) for p, f in found.files.items())))
"""


def test_forked_workers_use_the_fast_path_and_agree_with_one_process(tmp_path):
    repo = generate(tmp_path, modules=900, imports=4000, per_kind=2, fan_in=3)
    done = subprocess.run(
        [sys.executable, "-c", SCAN_IN_WORKERS, str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    by_cpython, scanned = done.stdout.splitlines()
    here = _scanned(tmp_path, workers=0)
    assert scanned == repr(sorted(here.items()))
    assert len(repo.broken) <= int(by_cpython) < len(here) / 10


# A fresh interpreter: threads of a worker process after it ran grimp's parser.
WORKER_THREADS = """
import os, sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pytest_lukhas.boundaries import rustscan, scan as scan_module
def threads(repo):
    rustscan.import_lines(repo, ["a.py"])
    return len(os.listdir("/proc/self/task"))
with ProcessPoolExecutor(1, mp_context=get_context("fork"),
                         initializer=scan_module._one_parser_thread) as pool:
    print(pool.submit(threads, sys.argv[1]).result())
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc")
def test_a_worker_runs_grimps_parser_in_one_thread(tmp_path):
    """The workers are the parallelism: one parser thread each, not one per core."""
    (tmp_path / "a.py").write_text("import os\n")
    done = subprocess.run(
        [sys.executable, "-c", WORKER_THREADS, str(tmp_path)],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "RAYON_NUM_THREADS": "8"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2"  # the worker's own thread and one of rayon's


# A fresh interpreter whose first forked worker dies on its first file.
WORKER_DIES = """
import os, sys
from pathlib import Path
from pytest_lukhas.boundaries import scan as scan_module
from pytest_lukhas.boundaries.cache import ParseCache
from pytest_lukhas.lanes import load_lanes
parent, prepare = os.getpid(), scan_module._prepare_one
def dying(*args, **kwargs):
    if os.getpid() != parent:
        os._exit(9)
    return prepare(*args, **kwargs)
scan_module._prepare_one = dying
root = Path(sys.argv[1])
found = scan_module.scan(load_lanes(root / "ops" / "matriz.yaml", root), ParseCache(None),
                         workers=2)
print(repr(sorted((p, (f.lives_at, f.digest, f.parse)) for p, f in found.files.items())))
"""


def test_a_dying_worker_costs_time_not_files(tmp_path):
    generate(tmp_path, modules=900, imports=4000, per_kind=2, fan_in=3)
    done = subprocess.run(
        [sys.executable, "-c", WORKER_DIES, str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == repr(sorted(_scanned(tmp_path, workers=0).items()))


# Pieces of source for comparing the tuned prefilter with its first version: every byte
# pattern it tests for, near misses, and what may surround them.
MARKERS = st.sampled_from([m.decode() for m in reference.NEEDS_AST])
PIECES = st.sampled_from([
    "import", "_", "imp", "ort_", "spe", "run", "oad", "load", "res", "olve", "en", "v", "walk",
    "site", "dir", "TYPE", "Erro", "r", "xcep", "t", "allow", "-", "e", "d", "p", "c", "E",
    "f'", 'f"', "F'", "t'", "T\"", "r'", "R\"", "rf'", "fR\"", "Rt'", "tr\"", "rb'", "bf'",
    "ft'", "rr'", "u'", "x", "'", '"', "a_", "9", " ", "\t", "\n", "\r", "\r\n", "\\\n",
    "*", "**", "(", "[", "{", ")", "]", "}", ",", "for", "fo", "sys", "sy", "path", "coding",
    "type", "typ", " X", "=", "def", "class", "f", "C", "from", ".", "not", "lambda", "else",
    "await", "yield", "+", "%", "~", "#", "\x0c", "\x00", "\x7f", "\x1f", "\xe9", "\u2028",
])  # fmt: skip
RUNS = st.builds(
    lambda piece, times: piece * times,
    st.sampled_from(["(", "[", "{", " ", "\t", ".", ". ", "not ", "+", "a"]),
    st.one_of(st.integers(0, 1100), st.sampled_from([29, 30, 99, 100, 199, 200, 201, 1001])),
)
RELATIVE = st.builds(  # `from` and 25 to 35 levels
    lambda levels, space: "from" + space + ("." + space) * levels,
    st.integers(25, 35),
    st.sampled_from(["", " ", "\\\n"]),
)
SOURCES = st.lists(st.one_of(PIECES, PIECES, PIECES, RUNS, MARKERS, RELATIVE), max_size=40).map(
    lambda pieces: "".join(pieces).encode("utf-8", "surrogatepass")
)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(SOURCES, st.binary(max_size=60)))
def test_the_prefilter_answers_as_its_first_version(data):
    assert fast_path_may_take(data) == reference.fast_path_may_take(data)


def test_the_prefilter_answers_as_its_first_version_on_real_code(tmp_path):
    repo = Path(__file__).resolve().parents[2]
    generate(tmp_path, modules=300, imports=1500, per_kind=2, fan_in=3)
    files = [
        p for top in (repo / "pytest_lukhas", repo / "tests", tmp_path) for p in top.rglob("*.py")
    ]
    sources = [p.read_bytes() for p in files] + [text.encode() for text in ROUTES.values()]
    answers = [fast_path_may_take(data) for data in sources]
    assert answers == [reference.fast_path_may_take(data) for data in sources]
    assert True in answers and False in answers


@pytest.mark.parametrize("stage", ["fast_path_mode", "read_back"])
def test_a_fast_path_that_trips_on_a_file_costs_time_not_the_file(tmp_path, monkeypatch, stage):
    """A bug in reading one file the fast way sends it to CPython, never up to the user."""
    root = make_repo(tmp_path, {f"prod/billing/r_{i}.py": t for i, t in enumerate(ROUTES.values())})
    _without_fast_path(monkeypatch)
    expected = _scanned(root)
    monkeypatch.undo()

    def trip(*args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(scan_module, stage, trip)
    assert _scanned(root) == expected
