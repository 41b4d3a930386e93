"""The dry-run guard: no network, no file writes outside the test's temp dirs, no processes.

One audit hook (:func:`sys.addaudithook`) is installed the first time a guard switches on
and stays for the life of the process (audit hooks cannot be removed); while no guard is
on it returns at once. A guarded call that tries a side effect gets
:class:`SideEffectBlocked` raised from the offending operation, and the test fails when
its call phase ends, naming what it tried and the line of the repository that did it,
even when the code under test swallowed the exception.

Allowed while guarded: unix sockets and socket pairs (asyncio's event loop uses them),
writes under the session's basetemp (so ``tmp_path``), under ``__pycache__`` folders and
``sys.pycache_prefix`` (Python's own bytecode cache), to ``os.devnull``, and writes made
by test tools (ini ``lukhas_dry_run_tools``, by default :data:`TOOLS`: Hypothesis saves
failing examples): a write counts as the tool's when the innermost frame outside the
standard library belongs to one of these packages.

The same hook tells the test's ``on_env`` callback of each environment change
(``os.putenv``/``os.unsetenv`` audit events: ``monkeypatch.setenv`` and ``os.environ``
writes), guarded or not, so the gate knows which flags a test turned on for a while.
"""

from __future__ import annotations

import os
import socket
import sys
import sysconfig
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from .evidence import item_data

TOOLS = ("hypothesis",)
MAX_RECORDED = 20  # side effects kept per test; the count says how many there were
_AF_UNIX = getattr(socket, "AF_UNIX", None)
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_HERE = str(Path(__file__).resolve().parent)


class SideEffectBlocked(RuntimeError):
    """Raised by the guard from an operation a dry run must not perform."""


@dataclass(frozen=True)
class SideEffect:
    kind: str  # the audit event, such as "socket.connect" or "open"
    category: str  # network, DNS, file write or process
    detail: str
    where: str  # the innermost line of the repository that caused it, "path.py:42"

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "detail": self.detail, "where": self.where}

    def __str__(self) -> str:
        return f"{self.category}: {self.detail} at {self.where}"


Finding = tuple[str, str]  # (category, detail)


EnvListener = Callable[[str, str | None], None]  # (variable, new value or None when unset)
_ENV_EVENTS = frozenset({"os.putenv", "os.unsetenv"})


class Guard:
    """The side-effect guard of one test call; switched on and off by flag changes."""

    def __init__(
        self,
        repo_root: str,
        allowed_dirs: Callable[[], tuple[str, ...]],
        tools: frozenset[str] = frozenset(TOOLS),
        on_env: EnvListener | None = None,
    ) -> None:
        self.repo_root = repo_root
        self._allowed_dirs = allowed_dirs
        self.tools = tools
        self.on_env = on_env
        self.allowed: tuple[str, ...] = ()
        self.active = False
        self.whole_call = False  # on from the start of the call to its end
        self.side_effects: list[SideEffect] = []
        self.count = 0

    def switch(self, active: bool) -> None:
        if active and not self.allowed:
            self.allowed = self._allowed_dirs()
            install()
        if not active:
            self.whole_call = False
        self.active = active

    def env_changed(self, event: str, args: tuple[object, ...]) -> None:
        """Tell ``on_env`` of an ``os.putenv`` or ``os.unsetenv`` event."""
        if self.on_env is None:
            return
        try:
            name = os.fsdecode(args[0])  # type: ignore[arg-type]
            value = os.fsdecode(args[1]) if event == "os.putenv" else None  # type: ignore[arg-type]
        except Exception:  # not a name we can read: not one of ours
            return
        self.on_env(name, value)

    def check(self, event: str, args: tuple[object, ...]) -> None:
        rule = _RULES.get(event)
        if rule is None:
            return
        try:
            finding = rule(self, args)
        except Exception:  # a bug of ours must not break the code under test
            return
        if finding is None or (
            finding[0] == "file write" and _caller_package() in (*self.tools, __package__)
        ):
            return
        effect = SideEffect(event, *finding, where_in_repo(self.repo_root))
        self.count += 1
        if len(self.side_effects) < MAX_RECORDED:
            self.side_effects.append(effect)
        raise SideEffectBlocked(f"dry run: {effect} was blocked")

    def may_write(self, path: object, dir_fd: object = None) -> bool:
        target = _resolve(path, dir_fd)
        if target is None:
            return True  # a file descriptor, or a path relative to one we cannot read back
        if target == os.path.realpath(os.devnull) or "__pycache__" in Path(target).parts:
            return True
        return any(target == d or target.startswith(d + os.sep) for d in self.allowed)

    def failure(self) -> str:
        lines = [
            f"dry run: this test must cause no side effects, but it tried {self.count}:",
            *(f"  {effect}" for effect in self.side_effects),
        ]
        if self.count > len(self.side_effects):
            lines.append(f"  (+{self.count - len(self.side_effects)} more)")
        lines.append(
            "A dry run (a slice's flag-off run, or a test marked dry_run) blocks network "
            "access, file writes outside tmp_path and new processes: fake them in the test, "
            "or write under tmp_path."
        )
        return "\n".join(lines)


_current: Guard | None = None
_installed = False


def _audit(event: str, args: tuple[object, ...]) -> None:
    guard = _current
    if guard is None:
        return
    if guard.active:
        guard.check(event, args)  # its rules pass environment changes on too
    elif event in _ENV_EVENTS:
        guard.env_changed(event, args)


def install() -> None:
    """Install the audit hook, once per process."""
    global _installed  # noqa: PLW0603 - one hook per process
    if not _installed:
        sys.addaudithook(_audit)
        _installed = True


def switch(active: bool) -> None:
    """Switch the guard of the running test call on or off (no-op outside a call)."""
    guard = _current
    if guard is not None:
        guard.switch(active)


@contextmanager
def guard_call(
    item: pytest.Item, active: bool, on_env: EnvListener | None = None
) -> Iterator[Guard]:
    """Guard one test call; record ``dry_run`` and ``side_effects``; fail on a breach.

    ``on_env`` hears of every environment change the call makes."""
    global _current  # noqa: PLW0603 - the audit hook reads it
    repo_root, tools = _real(item.config.rootpath), _tools(item.config)
    guard = Guard(repo_root, lambda: _allowed_dirs(item), tools, on_env)
    if on_env is not None:
        install()
    guard.switch(active)
    guard.whole_call = active
    previous, _current = _current, guard  # a pytester run nests a session in a test
    raised: BaseException | None = None
    try:
        yield guard
    except BaseException as exc:
        raised = exc
        raise
    finally:
        _current = previous
        data = item_data(item)
        data["dry_run"] = guard.whole_call
        data["side_effects"] = [effect.to_json() for effect in guard.side_effects]
        if guard.count:
            message = guard.failure()
            if raised is not None and not isinstance(raised, SideEffectBlocked):
                message += f"\nThe test then raised {type(raised).__name__}: {raised}"
            raise pytest.fail.Exception(message, pytrace=False) from None


def _tools(config: pytest.Config) -> frozenset[str]:
    try:
        return frozenset(config.getini("lukhas_dry_run_tools"))
    except ValueError:  # the plugin's ini keys are not registered
        return frozenset(TOOLS)


@cache
def _real(path: Path) -> str:
    return os.path.realpath(path)


def _allowed_dirs(item: pytest.Item) -> tuple[str, ...]:
    dirs = [getattr(item, "funcargs", {}).get("tmp_path")]
    factory = getattr(item.config, "_tmp_path_factory", None)
    if factory is not None:
        dirs.append(factory.getbasetemp())
    if sys.pycache_prefix:
        dirs.append(sys.pycache_prefix)
    return tuple(os.path.realpath(d) for d in dirs if d is not None)


def _resolve(path: object, dir_fd: object = None) -> str | None:
    if isinstance(path, int) or path is None:
        return None
    target = Path(os.fsdecode(path))  # type: ignore[arg-type]
    if isinstance(dir_fd, int) and dir_fd >= 0 and not target.is_absolute():
        try:
            target = Path(f"/proc/self/fd/{dir_fd}").readlink() / target
        except OSError:
            return None
    return os.path.realpath(target)


def where_in_repo(repo_root: str) -> str:
    """``path:line`` of the innermost frame in the repository (not stdlib, not installed)."""
    frame = sys._getframe(1)
    fallback = None
    while frame is not None:
        kind = _file_kind(frame.f_code.co_filename, repo_root)
        if kind == "repo":
            relpath = os.path.relpath(frame.f_code.co_filename, repo_root)
            return f"{Path(relpath).as_posix()}:{frame.f_lineno}"
        if kind in ("other", "stdlib") and fallback is None:
            fallback = f"{frame.f_code.co_filename}:{frame.f_lineno}"
        frame = frame.f_back
    return fallback or "an unknown line"


def _caller_package() -> str:
    """The top-level package of the innermost frame outside this guard and the stdlib.

    The gate's own writes (the SLA sampler's lock, say) count as a tool's: ``pytest_lukhas``.
    """
    frame = sys._getframe(2)
    while frame is not None and (
        frame.f_code.co_filename == __file__ or _file_kind(frame.f_code.co_filename, "") == "stdlib"
    ):
        frame = frame.f_back
    return "" if frame is None else str(frame.f_globals.get("__name__", "")).partition(".")[0]


@cache
def _file_kind(filename: str, repo_root: str) -> str:
    """'own' (this guard), 'stdlib', 'repo' (the user's code) or 'other' (installed)."""
    if not Path(filename).is_absolute():
        return "stdlib"  # frozen modules and the like
    path = os.path.realpath(filename)
    if _under(path, _HERE):
        return "own"
    stdlib, site, prefixes = _installed_dirs()
    if any(_under(path, d) for d in stdlib) and not any(_under(path, d) for d in site):
        return "stdlib"
    installed = [p for p in (*site, *prefixes) if not _under(repo_root, p)]
    if repo_root and _under(path, repo_root) and not any(_under(path, p) for p in installed):
        return "repo"
    return "other"


@cache
def _installed_dirs() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The standard library's folders, site-packages folders, and installation prefixes."""
    paths = sysconfig.get_paths()

    def real(keys: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted({os.path.realpath(paths[k]) for k in keys if k in paths}))

    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    return (
        real(("stdlib", "platstdlib")),
        real(("purelib", "platlib")),
        tuple(sorted(os.path.realpath(p) for p in prefixes)),
    )


def _under(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


# What each audited event means for a dry run: None when allowed, else (category, detail).


def _socket_use(verb: str) -> Callable[[Guard, tuple[object, ...]], Finding | None]:
    def rule(guard: Guard, args: tuple[object, ...]) -> Finding | None:
        sock, address = args[0], args[1]
        if _AF_UNIX is not None and getattr(sock, "family", None) == _AF_UNIX:
            return None
        return "network", f"socket {verb} {_address(address)}"

    return rule


def _address(address: object) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    return repr(address)


def _dns(describe: Callable[[tuple[object, ...]], str]) -> Callable[..., Finding]:
    return lambda guard, args: ("DNS", f"lookup of {describe(args)}")


def _process(describe: Callable[[tuple[object, ...]], str]) -> Callable[..., Finding]:
    return lambda guard, args: ("process", _short(describe(args)))


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _open(guard: Guard, args: tuple[object, ...]) -> Finding | None:
    path, mode, flags = args
    writes = (isinstance(flags, int) and flags & _WRITE_FLAGS) or (
        isinstance(mode, str) and any(c in mode for c in "wax+")
    )
    if not writes or guard.may_write(path):
        return None
    return "file write", f"open {os.fsdecode(path)!r} for writing"  # type: ignore[arg-type]


def _fs_change(verb: str, *paths: tuple[int, int | None]) -> Callable[..., Finding | None]:
    """A filesystem change whose path sits at ``args[i]``, relative to ``args[fd]``."""

    def rule(guard: Guard, args: tuple[object, ...]) -> Finding | None:
        for index, fd_index in paths:
            dir_fd = None if fd_index is None else args[fd_index]
            if not guard.may_write(args[index], dir_fd):
                return "file write", f"{verb} {os.fsdecode(args[index])!r}"  # type: ignore[arg-type]
        return None

    return rule


def _env_change(event: str) -> Callable[[Guard, tuple[object, ...]], None]:
    """Not a side effect: passed on to the guard's ``on_env``."""
    return lambda guard, args: guard.env_changed(event, args)


_RULES: dict[str, Callable[[Guard, tuple[object, ...]], Finding | None]] = {
    **{event: _env_change(event) for event in _ENV_EVENTS},
    "socket.connect": _socket_use("connect to"),
    "socket.bind": _socket_use("bind to"),
    "socket.sendto": _socket_use("send to"),
    "socket.sendmsg": _socket_use("send to"),
    "socket.getaddrinfo": _dns(lambda a: _address(a[:2]) if a[1] else str(a[0])),
    "socket.gethostbyname": _dns(lambda a: str(a[0])),
    "socket.gethostbyname_ex": _dns(lambda a: str(a[0])),
    "socket.gethostbyaddr": _dns(lambda a: str(a[0])),
    "socket.getnameinfo": _dns(lambda a: _address(a[0])),
    "subprocess.Popen": _process(lambda a: f"subprocess {a[1]!r}"),
    "os.system": _process(lambda a: f"os.system {os.fsdecode(a[0])!r}"),  # type: ignore[arg-type]
    "os.exec": _process(lambda a: f"os.exec {a[1]!r}"),
    "os.spawn": _process(lambda a: f"os.spawn {a[2]!r}"),
    "os.posix_spawn": _process(lambda a: f"os.posix_spawn {a[1]!r}"),
    "os.fork": _process(lambda a: "os.fork()"),
    "os.forkpty": _process(lambda a: "os.forkpty()"),
    "open": _open,
    "os.remove": _fs_change("remove", (0, 1)),
    "os.rmdir": _fs_change("remove directory", (0, 1)),
    "os.mkdir": _fs_change("create directory", (0, 2)),
    "os.rename": _fs_change("rename", (0, 2), (1, 3)),
    "os.link": _fs_change("link", (1, 3)),
    "os.symlink": _fs_change("symlink", (1, 2)),
    "os.truncate": _fs_change("truncate", (0, None)),
    "os.chmod": _fs_change("chmod", (0, 2)),
    "os.chown": _fs_change("chown", (0, 3)),
    "shutil.rmtree": _fs_change("remove tree", (0, 1)),
}
