"""The tolerant scan and its cache: odd files, symlinks, content-keyed cache, parallel parse."""

from __future__ import annotations

import gc
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_lukhas.boundaries import cache as cache_module
from pytest_lukhas.boundaries.cache import ParseCache
from pytest_lukhas.boundaries.check import CACHE_DIR, ImportOptions, check_imports
from pytest_lukhas.boundaries.parse import GUARDED, IN_TYPE_CHECKING, parse_source
from pytest_lukhas.boundaries.resolve import Resolver
from pytest_lukhas.boundaries.scan import scan, walk
from pytest_lukhas.lanes import load_lanes
from tests.imports.conftest import CONFIG, make_repo


def lanes(root: Path):
    return load_lanes(root / "ops" / "matriz.yaml", root)


def kinds(root: Path, **options) -> dict[str, list[str]]:
    config = lanes(root)
    report = check_imports(config, ImportOptions.from_config(config, **options))
    found: dict[str, list[str]] = {}
    for finding in report.findings:
        found.setdefault(finding.kind, []).append(f"{finding.location} {finding.severity}")
    return found


def test_symlink_loop_ends_and_each_file_is_scanned_once(repo):
    (repo / "prod" / "billing" / "loop").symlink_to("..", target_is_directory=True)
    scanned = scan(lanes(repo), ParseCache(None))
    assert "prod/billing/api.py" in scanned.files
    assert not any("/loop/" in path for path in scanned.files)


def test_a_module_lives_where_its_file_is_even_through_a_symlink(repo):
    (repo / "prod" / "vendor").symlink_to("../labs", target_is_directory=True)
    (repo / "prod" / "billing" / "api.py").write_text("from prod.vendor import engine\n")
    assert kinds(repo)["import"] == ["prod/billing/api.py:1 error"]


def test_symlink_out_of_the_repository_is_not_followed(repo, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.py").write_text("import labs.engine\n")
    (repo / "prod" / "ext").symlink_to(outside, target_is_directory=True)
    assert not any(p.startswith("prod/ext/") for p in scan(lanes(repo), ParseCache(None)).files)


def test_odd_files_are_findings_not_crashes(repo):
    (repo / "prod" / "billing" / "nul.py").write_bytes(b"x = 1\x00\n")
    (repo / "prod" / "billing" / "big.py").write_text("x = 1\n" * 4000)
    (repo / "prod" / "billing" / "bom.py").write_bytes(b"\xef\xbb\xbfimport json\n")
    (repo / "prod" / "billing" / "cookie.py").write_bytes(b"# coding: nope\nx = 1\n")
    (repo / "labs" / "deep.py").write_text("x = " + "(" * 5000 + ")" * 5000 + "\n")
    found = kinds(repo, max_file_bytes=20_000)
    assert sorted(found["syntax-error"]) == ["labs/deep.py:1 warning", "prod/billing/nul.py error"]
    assert found["too-large"] == ["prod/billing/big.py error"]
    assert found["undecodable"] == ["prod/billing/cookie.py error"]


def test_cache_is_keyed_by_content_not_by_mtime(repo):
    config = lanes(repo)
    cold = scan(config, cache := ParseCache.load(repo / CACHE_DIR))
    cache.save(set(cold.files))
    assert cold.parsed == len(cold.files) > 0
    for path in (repo / "prod").rglob("*.py"):  # a fresh checkout: new mtimes, same bytes
        os.utime(path, ns=(1, 1))
    (repo / "prod" / "billing" / "api.py").write_text("import json\n")
    warm = scan(config, ParseCache.load(repo / CACHE_DIR))
    assert warm.parsed == 1
    assert warm.files["prod/billing/api.py"].parse[1][0][2] == "json"


def test_parses_cached_by_other_code_are_not_trusted(repo, monkeypatch):
    config = lanes(repo)
    monkeypatch.setattr(cache_module, "code_version", lambda: "an older release")
    cold = scan(config, cache := ParseCache.load(repo / CACHE_DIR))
    cache.save(set(cold.files))
    assert scan(config, ParseCache.load(repo / CACHE_DIR)).parsed == 0
    other_python = repo / CACHE_DIR / "imports-parses-py20-v1-x.marshal"
    other_python.write_bytes(b"")
    monkeypatch.setattr(cache_module, "code_version", lambda: "an upgrade")
    upgraded = scan(config, cache := ParseCache.load(repo / CACHE_DIR))
    cache.save(set(upgraded.files))
    assert upgraded.parsed == len(upgraded.files) > 0
    other_python.unlink()  # another Python's store is left alone
    stores = sorted(path.name for path in (repo / CACHE_DIR).glob("imports-parses-*"))
    assert len(stores) == 1 and "an upgrade"[:16] in stores[0]  # the old store is removed


def test_corrupt_cache_is_ignored_and_rewritten(repo):
    config = lanes(repo)
    check_imports(config)
    for store in (repo / CACHE_DIR).iterdir():
        store.write_bytes(b"\x00garbage")
    report = check_imports(config)
    assert report.computed.parsed == report.computed.files > 0
    assert check_imports(config).computed.parsed == 0


def _check(root: str) -> int:
    return len(check_imports(lanes(Path(root))).findings)


def test_workers_sharing_the_cache_never_corrupt_it(tmp_path):
    repo = make_repo(tmp_path, {f"labs/m{i}.py": f"import labs.m{i - 1}\n" for i in range(1, 60)})
    with multiprocessing.get_context("fork").Pool(4) as pool:
        assert pool.map(_check, [str(repo)] * 8) == [0] * 8
    assert check_imports(lanes(repo)).computed.parsed == 0


def test_parallel_and_serial_parses_agree(tmp_path):
    repo = make_repo(tmp_path, {f"labs/m{i}.py": f"import labs.m{i - 1}\n" for i in range(1, 900)})
    config = lanes(repo)
    serial = scan(config, ParseCache(None), workers=0)
    parallel = scan(config, ParseCache(None), workers=2)
    assert parallel.workers == 2
    assert serial.files == parallel.files


# A fresh interpreter scanning with the number of workers left to the scan; with an argument
# it first starts faulthandler's watchdog, a thread of C code that `threading` does not list.
SCAN_CHOOSING_WORKERS = """
import faulthandler, sys
from pathlib import Path
from pytest_lukhas.boundaries.cache import ParseCache
from pytest_lukhas.boundaries.scan import scan
from pytest_lukhas.lanes import load_lanes
if sys.argv[2:]:
    faulthandler.dump_traceback_later(600)
root = Path(sys.argv[1])
print(scan(load_lanes(root / "ops" / "matriz.yaml", root), ParseCache(None)).workers)
"""


@pytest.mark.skipif(
    not Path("/proc/self/task").is_dir() or len(os.sched_getaffinity(0)) < 2,
    reason="needs two cores and /proc to count native threads",
)
def test_no_worker_is_forked_from_a_process_running_a_native_thread(tmp_path):
    repo = make_repo(tmp_path, {f"labs/m{i}.py": f"import labs.m{i - 1}\n" for i in range(1, 900)})

    def workers(*argv: str) -> str:
        done = subprocess.run([sys.executable, "-c", SCAN_CHOOSING_WORKERS, str(repo), *argv],
                              capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
        return done.stdout.strip()

    assert workers() == "2"
    assert workers("watchdog") == "0"


def test_config_import_roots_resolve_a_src_layout(tmp_path):
    repo = make_repo(tmp_path, {"ops/matriz.yaml": CONFIG.replace("root: labs/", "root: src/labs/")
                                .replace('"labs/**"', '"src/labs/**"'),
                                "src/labs/__init__.py": "", "src/labs/engine.py": "",
                                "prod/billing/api.py": "from labs import engine\n"})  # fmt: skip
    assert kinds(repo)["import"] == ["prod/billing/api.py:1 error"]


IDENT = st.from_regex(r"\A[a-z_][a-z0-9_]{0,6}\Z").filter(lambda s: s not in {"if", "in", "is", "as", "or", "and", "not", "def", "del", "for", "try", "with", "from", "else", "elif", "pass", "None", "True", "class", "while", "yield", "raise", "break", "async", "await", "global", "import", "lambda", "return", "assert", "except", "finally", "continue", "nonlocal", "False"})  # fmt: skip
DOTTED = st.lists(IDENT, min_size=1, max_size=3).map(".".join)


@settings(max_examples=150)
@given(st.lists(st.tuples(DOTTED, st.lists(IDENT, max_size=3), st.integers(0, 2),
                          st.sampled_from(["", "if TYPE_CHECKING:", "try:", "def f():"])),
                max_size=6))  # fmt: skip
def test_generated_imports_are_extracted_exactly(statements):
    lines, expected = [], []
    for module, names, dots, block in statements:
        level = dots if names else 0
        if names:
            text = f"from {'.' * level}{module} import {', '.join(names)}"
        else:
            text = f"import {module}"
        flags = {"if TYPE_CHECKING:": IN_TYPE_CHECKING, "try:": GUARDED}.get(block, 0)
        if block:
            lines.append(block)
            text = "    " + text
        lines.append(text)
        expected.append((len(lines), module, tuple(names), level, flags))
        if block == "try:":
            lines.append("except ImportError:\n    pass")
            lines[-1:] = lines[-1].split("\n")
    error, imports, *_ = parse_source("\n".join(lines).encode())
    assert error is None
    assert [(i[0], i[2], i[3], i[4], i[5]) for i in imports] == expected


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(data):
    error = parse_source(data)[0]
    assert error is None or error[0] in {"syntax-error", "undecodable"}


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("import importlib\nimportlib.import_module('a.' + 'b')", "a.b"),
        ("from importlib import import_module as im\nim('x', package='p')", "x"),
        ("import importlib\nimportlib.import_module('..c', 'p.q.r')", "p.q.c"),
        ("__import__('a', fromlist=['b', 'c'])", "a:b,c"),
        ("import importlib\nimportlib.import_module(f'a.{x}')", None),
        ("import pkgutil\npkgutil.walk_packages(['plugins'])", "plugins"),
        ("import pkgutil\npkgutil.walk_packages()", None),
    ],
)
def test_dynamic_targets(source, target):
    dynamic = parse_source(source.encode())[2]
    assert [d[4] for d in dynamic] == [target]


def test_allow_from_judges_files_outside_every_lane_and_chains_through_them(tmp_path):
    repo = make_repo(tmp_path, {
        "prod/billing/api.py": "import tools.helper\nimport json\nimport pytest\n",
        "tools/__init__.py": "",
        "tools/helper.py": "import labs.engine\n",
    })  # fmt: skip
    config = lanes(repo)
    report = check_imports(config)
    assert [(f.message, [h.file for h in f.chain]) for f in report.findings] == [
        ("prod.billing.api imports tools.helper (tools/helper.py, not in allow_from)",
         ["prod/billing/api.py"]),
    ]  # fmt: skip
    # the file outside the lanes was scanned too: the labs lane's own rule sees nothing,
    # but an invariant over everything would
    assert "tools/helper.py" in report.graph.files


def test_a_namespace_directory_named_like_a_standard_module_does_not_shadow_it(tmp_path):
    repo = make_repo(tmp_path, {"prod/billing/api.py": "import test.support\n",
                                "test/helper.py": ""})  # fmt: skip
    assert check_imports(lanes(repo)).findings == []


def test_the_walk_lists_each_directory_as_resolution_would(repo):
    """check_imports hands the walk's listings to the resolver instead of listing again."""
    (repo / "prod" / "vendor").symlink_to("../labs", target_is_directory=True)
    (repo / "prod" / "billing" / "loop").symlink_to("..", target_is_directory=True)
    (repo / "prod" / "billing" / "data.v2").mkdir()
    (repo / "prod" / "billing" / "notes.txt").write_text("")
    config = lanes(repo)
    listings: dict = {}
    files = list(walk(config, listings))
    assert {path.rsplit("/", 1)[0] for path, *_ in files} <= set(listings)
    fresh = Resolver(config)
    assert listings == {directory: fresh.listing(directory) for directory in listings}
    modules, dirs = listings["prod/billing"]
    assert "data.v2" not in dirs and "notes" not in modules  # not importable by those names


def _locate_one_part_at_a_time(resolver: Resolver, base: str, parts: tuple[str, ...]):
    """Python's rule, spelled out: a regular package wins over a module of the same name,
    which wins over a namespace directory; the deepest module found is the answer."""
    found, used, directory = None, 0, base
    for part in parts:
        modules, dirs = resolver.listing(directory)
        child = f"{directory}/{part}" if directory else part
        if part in dirs and "__init__" in resolver.listing(child)[0]:
            found, used, directory = f"{child}/__init__.py", used + 1, child
        elif part in modules:
            return f"{child}.py", used + 1
        elif part in dirs:
            found, used, directory = child, used + 1, child
        else:
            break
    return found, used


NAME = st.sampled_from(["a", "b", "c"])
TREE = st.lists(st.tuples(st.lists(NAME, min_size=1, max_size=3), st.booleans()), max_size=12)


@settings(max_examples=150, deadline=None)
@given(tree=TREE, parts=st.lists(NAME, max_size=4))
def test_locate_follows_pythons_rule_and_records_what_it_read(tmp_path_factory, tree, parts):
    root = tmp_path_factory.mktemp("tree")
    make_repo(root, {"labs/__init__.py": ""})
    for path, as_package in tree:  # a/b/c as a module a/b/c.py or a package a/b/c/
        target = root.joinpath("labs", *path)
        target.parent.mkdir(parents=True, exist_ok=True)
        if as_package and not target.with_suffix(".py").exists():
            target.mkdir(exist_ok=True)
            (target / "__init__.py").write_text("")
        elif not target.is_dir():
            target.with_suffix(".py").write_text("")
    config = lanes(root)
    fast, plain = Resolver(config), Resolver(config)
    assert fast.locate("labs", tuple(parts)) == _locate_one_part_at_a_time(
        plain, "labs", tuple(parts)
    )
    assert fast.consulted() == plain.consulted()


@pytest.mark.parametrize("host", ["plain", "frozen", "gc-off"])
def test_a_scan_leaves_the_collector_as_it_found_it(repo, host):
    """The scan pauses the cyclic GC; a host that froze objects keeps them frozen, and
    one that turned the GC off keeps it off."""
    if host == "frozen":
        gc.freeze()
    if host == "gc-off":
        gc.disable()
    frozen = gc.get_freeze_count()
    try:
        scan(lanes(repo), ParseCache(None))
        assert gc.isenabled() is (host != "gc-off")
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
        gc.enable()
