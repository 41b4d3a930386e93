"""The tolerant scan: every Python file under every lane root, parsed once per content.

A file that cannot be read, decoded or parsed, or is too large to scan, is kept with its
error (the rules turn it into a finding) and the scan goes on. Directory symlinks are
followed only when they stay inside the repository, each real directory once, so symlink
loops end. A file's lane is where it really lives: a symlink's target, when that is in the
repository.

Most files of a typical lane need only their import statements and CPython's verdict that
they parse: those the prefilter lets through (:mod:`.prefilter`) are parsed by ruff's parser
through grimp, and only the files ruff rejects or the prefilter holds back are parsed by
CPython. Files are parsed in chunks, each read, parsed and read back whole by forked worker
processes when there are enough files and more than one core (and grimp's threads were not
started before the fork), otherwise by two threads of this process. The caller's
``on_file`` (import resolution) runs meanwhile, in this process. Results are cached by
content hash.
"""

# The walk runs once per file of the repository: os.path and os.scandir, not pathlib.
# ruff: noqa: PTH116, PTH117, PTH118, PTH208

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..lanes import LaneConfig
from . import rustscan
from .cache import ParseCache, StatKey
from .closer_look import NO, fast_path_mode
from .fast_parse import read_back
from .parse import FileParse, parse_source

if TYPE_CHECKING:
    from concurrent.futures import Executor

SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages"})  # and hidden directories
MAX_FILE_BYTES = 5 * 1024 * 1024
FILES_PER_WORKER = 400  # below this a worker process costs more than it saves


@dataclass(frozen=True)
class ScannedFile:
    relpath: str  # where the scan found it
    lives_at: str  # where it really is (differs for a symlink into another part of the repo)
    digest: str
    parse: FileParse

    @property
    def error(self) -> tuple[str, str, int | None] | None:
        return self.parse[0]


class _Notifying(dict[str, ScannedFile]):
    """The scan's file table, telling ``on_file`` about each file as it is stored."""

    def __init__(self, on_file: Callable[[ScannedFile], None]) -> None:
        super().__init__()
        self.on_file = on_file

    def __setitem__(self, key: str, value: ScannedFile) -> None:
        super().__setitem__(key, value)
        self.on_file(value)


@dataclass
class Scan:
    files: dict[str, ScannedFile] = field(default_factory=dict)
    parsed: int = 0  # files parsed in this run (the rest came from the cache)
    workers: int = 0  # worker processes used (0: parsed in this process)


Found = tuple[str, str, str, StatKey]  # relpath, lives_at, absolute path, stat
Listing = tuple[frozenset[str], frozenset[str]]  # module stems with a .py file, directories


def scan(
    config: LaneConfig,
    cache: ParseCache,
    *,
    workers: int | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
    found: list[Found] | None = None,
    on_file: Callable[[ScannedFile], None] | None = None,
) -> Scan:
    """Scan every lane root of ``config`` (or the files ``found`` by :func:`walk`);
    ``workers`` None chooses by the amount of work. ``on_file`` sees each file as soon as
    it is known, while workers still parse the rest. The caller saves ``cache``."""
    files = list(walk(config)) if found is None else found
    with _gc_paused():
        return _scan_found(files, cache, workers, max_file_bytes, on_file)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic GC off meanwhile: scanning and resolving make hundreds of thousands of
    small tuples and no cycles, so a collection only costs. On the way out what was made
    meanwhile moves to the oldest generation (``freeze`` then ``unfreeze``, no traversal):
    left in the youngest, the first collections after ``enable`` would traverse it all,
    to find no cycle (0.1-0.15 s after a cold scan of 10,000 files). Skipped when the host
    process froze objects itself: ``unfreeze`` would thaw them too."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            if not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def scan_paths(
    config: LaneConfig, cache: ParseCache, relpaths: list[str], max_file_bytes: int
) -> dict[str, ScannedFile]:
    """Scan named files (outside the lane roots, reached by an import), in this process."""
    repo = os.path.realpath(config.repo_root)
    found = []
    for relpath in relpaths:
        absolute = os.path.join(repo, relpath)
        try:
            stat = os.stat(absolute)
        except OSError:
            continue
        lives_at = os.path.relpath(os.path.realpath(absolute), repo).replace(os.sep, "/")
        lives_at = lives_at if _below(lives_at, "") else relpath
        found.append((relpath, lives_at, absolute, (stat.st_size, stat.st_mtime_ns, stat.st_ino)))
    return _scan_found(found, cache, 0, max_file_bytes).files


def _scan_found(
    found: list[tuple[str, str, str, StatKey]],
    cache: ParseCache,
    workers: int | None,
    max_file_bytes: int,
    on_file: Callable[[ScannedFile], None] | None = None,
) -> Scan:
    result = Scan()
    if on_file is not None:
        result.files = _Notifying(on_file)
    todo: list[tuple[str, str, str, StatKey]] = []
    for relpath, lives_at, absolute, stat in found:
        if stat[0] > max_file_bytes:
            error = ("too-large", f"not scanned: {stat[0]} bytes, above {max_file_bytes}", None)
            result.files[relpath] = ScannedFile(relpath, lives_at, "", (error, (), (), (), ()))
            continue
        digest = cache.digest_for(relpath, stat)
        if digest is not None and digest in cache.parses:
            result.files[relpath] = ScannedFile(relpath, lives_at, digest, cache.parses[digest])
        else:
            todo.append((relpath, lives_at, absolute, stat))
    if cache.parses and todo:
        todo = _hash_known(todo, cache, result)
    result.workers = _worker_count(len(todo)) if workers is None else workers
    for relpath, lives_at, stat, digest, parse in _parse_all(todo, result.workers):
        if digest:
            cache.remember(relpath, stat, digest, parse)
        result.files[relpath] = ScannedFile(relpath, lives_at, digest, parse)
    result.parsed = len(todo)
    return result


def walk(
    config: LaneConfig, listings: dict[str, Listing] | None = None
) -> Iterator[tuple[str, str, str, StatKey]]:
    """(relpath, lives_at, absolute path, stat) of every .py file under the lane roots.

    ``listings``, when given, receives the :func:`listing_of` each directory walked (by
    repo-relative path), so import resolution need not list them again.
    """
    repo = os.path.realpath(config.repo_root)
    roots = sorted({lane.root for lane in config.lanes})
    tops = [r for r in roots if not any(_below(r, other) for other in roots if other != r)]
    seen: set[str] = set()
    for top in tops:
        yield from _walk_dir(os.path.join(repo, top) if top else repo, repo, seen, listings)


def _walk_dir(
    start: str, repo: str, seen: set[str], listings: dict[str, Listing] | None
) -> Iterator[tuple[str, str, str, StatKey]]:
    cut = len(repo) + 1
    inside = repo + os.sep
    stack = [(start, os.path.realpath(start))]
    while stack:
        directory, real = stack.pop()
        if real in seen or not (real == repo or real.startswith(inside)):
            continue  # a symlink loop, or a link leaving the repository
        seen.add(real)
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError:
            continue
        if any(e.name == "pyvenv.cfg" for e in entries):
            continue  # a virtual environment is nobody's lane
        if listings is not None:
            listings[directory[cut:].replace(os.sep, "/")] = listing_of(entries)
        moved = real != directory  # reached through a symlink: files live elsewhere
        for entry in entries:
            name = entry.name
            try:
                if entry.is_dir():
                    if name not in SKIP_DIRS and not name.startswith("."):
                        # realpath only for a link: it costs a system call per path part
                        link = entry.is_symlink()
                        child = os.path.realpath(entry.path) if link else f"{real}{os.sep}{name}"
                        stack.append((entry.path, child))
                elif name.endswith(".py") and entry.is_file():
                    stat = entry.stat()
                    relpath = entry.path[cut:].replace(os.sep, "/")
                    lives_at = relpath
                    if moved or entry.is_symlink():
                        target = os.path.realpath(entry.path)
                        if target.startswith(inside):
                            lives_at = target[cut:].replace(os.sep, "/")
                    yield (
                        relpath,
                        lives_at,
                        entry.path,
                        (stat.st_size, stat.st_mtime_ns, stat.st_ino),
                    )
            except OSError:
                continue  # a broken symlink or a file that vanished


def listing_of(entries: Iterable[os.DirEntry[str]]) -> Listing:
    """What resolution needs of a directory: the stems of its ``.py`` entries, and its
    subdirectories whose names can be imported."""
    modules, dirs = set(), set()
    for entry in entries:
        name = entry.name
        if name.endswith(".py"):
            modules.add(name[:-3])
        elif "." not in name and entry.is_dir():
            dirs.add(name)
    return frozenset(modules), frozenset(dirs)


def is_repo_code(relpath: str) -> bool:
    """Whether a repo-relative file is code the lanes could own: not in a hidden directory
    (``.venv``, ``.tox``), ``site-packages`` or ``node_modules``."""
    return not any(part[:1] == "." or part in SKIP_DIRS for part in relpath.split("/")[:-1])


def _below(path: str, root: str) -> bool:
    if not root:
        return path != ".." and not path.startswith("../") and not os.path.isabs(path)
    return path == root or path.startswith(root + "/")


def digests(found: list[Found], cache: ParseCache) -> dict[str, str]:
    """The content hash of every file, from the stat memo or by reading it (recorded)."""
    out = {}
    for relpath, _lives_at, absolute, stat in found:
        digest = cache.digest_for(relpath, stat)
        if digest is None:
            try:
                digest = content_hash(read_file(absolute, stat[0]))
            except OSError:
                digest = f"unreadable:{stat[0]}"
            else:
                cache.remember(relpath, stat, digest)
        out[relpath] = digest
    return out


def _hash_known(
    todo: list[tuple[str, str, str, StatKey]], cache: ParseCache, result: Scan
) -> list[tuple[str, str, str, StatKey]]:
    """Files whose stat changed but whose content the cache knows (a fresh checkout)."""
    remaining = []
    for relpath, lives_at, absolute, stat in todo:
        try:
            data = read_file(absolute, stat[0])
        except OSError:
            remaining.append((relpath, lives_at, absolute, stat))
            continue
        digest = content_hash(data)
        if digest in cache.parses:
            cache.remember(relpath, stat, digest)
            result.files[relpath] = ScannedFile(relpath, lives_at, digest, cache.parses[digest])
        else:
            remaining.append((relpath, lives_at, absolute, stat))
    return remaining


def read_file(path: str, size: int) -> bytes:
    """The file's bytes, read with ``os.read``: for the small files of a typical lane that
    costs half of ``open(path, "rb").read()`` (no file object or buffer). ``size`` is what
    the walk saw; a file that grew since is read to its end."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        data = os.read(fd, size + 1)
        if len(data) <= size:  # a regular file reads short only at its end
            return data
        chunks = [data]
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _worker_count(files: int) -> int:
    """Worker processes whenever there are two cores and enough files: on a shared 2-core
    machine two processes parsed 10,000 files in 0.83x the time of two threads of one
    process (the threads share one interpreter for all but ruff's parse)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    wanted = min(cores or 1, files // FILES_PER_WORKER)
    forkable = "fork" in _start_methods() and _threads() == 1
    # a child forked after grimp's threads may have started cannot use the fast path
    return wanted if wanted > 1 and forkable and rustscan.forked_children_may_use() else 0


def _threads() -> int:
    """Threads of this process, native ones included where the system tells (a thread
    started by a C library, such as a BLAS pool or faulthandler's watchdog, may hold a lock
    a forked child would wait on forever)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def _start_methods() -> list[str]:
    import multiprocessing  # here: a warm run never parses, and this import is not free

    return multiprocessing.get_all_start_methods()


Parsed = tuple[str, str, StatKey, str, FileParse]
# A file for the fast path, read but not parsed: relpath, lives_at, stat, hash, bytes, the
# directory its relpath is relative to, and the fast path's mode and statement count (see
# .closer_look.fast_path_mode).
Pending = tuple[str, str, StatKey, str, bytes, str, tuple[int, int | None]]
CHUNK = 500  # files parsed at a time


def _parse_all(todo: list[tuple[str, str, str, StatKey]], workers: int) -> Iterator[Parsed]:
    """Parse results in the order of ``todo``, a chunk at a time (:func:`_parse_chunk`): in
    ``workers`` forked processes when there are, otherwise in two threads of this process
    (ruff's parser releases the GIL, so one chunk is read while another is parsed).

    A worker that dies (a crash in a native parser, the OOM killer) breaks the pool: the
    chunks not yet delivered are then parsed here, by CPython alone."""
    # imported only here: pytester's in-process runs forget modules
    from concurrent.futures import BrokenExecutor

    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        pool: Executor = ProcessPoolExecutor(
            max_workers=workers, mp_context=get_context("fork"), initializer=_one_parser_thread
        )
        size = max(1, min(CHUNK, len(todo) // (workers * 4)))
    else:
        from concurrent.futures import ThreadPoolExecutor

        pool, size = ThreadPoolExecutor(max_workers=2), CHUNK
    chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
    delivered = 0
    with pool:
        try:
            for parsed in pool.map(_parse_chunk, chunks):
                yield from parsed
                delivered += 1
        except BrokenExecutor:
            for chunk in chunks[delivered:]:
                yield from _parse_chunk(chunk, fast=False)


def _one_parser_thread() -> None:
    """In a worker: grimp's thread pool (rayon) gets one thread, not one per core; the
    workers are the parallelism (a 64-core machine would otherwise run 64 x 64 threads)."""
    os.environ["RAYON_NUM_THREADS"] = "1"


def _parse_chunk(todo: list[tuple[str, str, str, StatKey]], fast: bool = True) -> list[Parsed]:
    """Read and parse files: those the fast path may take (:mod:`.prefilter`) with ruff
    (:mod:`.rustscan`) unless not ``fast``, the others, and any ruff or the line reader
    gives up on, with CPython. The cyclic GC is paused meanwhile (ASTs hold no cycles, and
    collecting during a burst of node allocations nearly doubles the time)."""
    fast = fast and rustscan.usable()
    with _gc_paused():
        prepared = [_prepare_one(*item, fast=fast) for item in todo]
        return list(_finish(prepared, _import_lines(prepared)))


def _prepare_one(
    relpath: str, lives_at: str, absolute: str, stat: StatKey, *, fast: bool
) -> Parsed | Pending:
    try:
        data = read_file(absolute, stat[0])
    except OSError as exc:
        error = ("unreadable", f"cannot read the file: {exc.strerror or exc}", None)
        return (relpath, lives_at, stat, "", (error, (), (), (), ()))
    digest = content_hash(data)
    base = absolute.replace(os.sep, "/").removesuffix("/" + relpath)
    if fast and base != absolute and rustscan.scannable(relpath):
        try:
            mode = fast_path_mode(data)
        except Exception:  # a reading that trips costs time: CPython never raises
            mode = (NO, None)
        if mode[0]:
            return (relpath, lives_at, stat, digest, data, base, mode)
    return (relpath, lives_at, stat, digest, parse_source(data))


Lines = dict[str, set[int] | None]


def _import_lines(chunk: list[Parsed | Pending]) -> Lines:
    by_base: dict[str, dict[str, bytes]] = {}
    for item in chunk:
        if len(item) == 7:
            by_base.setdefault(item[5], {})[item[0]] = item[4]
    return {
        k: v
        for base, sources in by_base.items()
        for k, v in rustscan.import_lines(base, list(sources), sources).items()
    }


def _finish(chunk: list[Parsed | Pending], found: Lines) -> Iterator[Parsed]:
    """The chunk's results; a fast-path file ruff or the line reader gave up on goes to
    CPython."""
    for item in chunk:
        if len(item) == 7:
            relpath, lives_at, stat, digest, data, _base, mode = item
            starts = found.get(relpath)
            try:
                parse = read_back(data, starts, mode) if starts is not None else None
            except Exception:  # as above: CPython reads the file instead
                parse = None
            yield (relpath, lives_at, stat, digest, parse or parse_source(data))
        else:
            yield item  # type: ignore[misc]
