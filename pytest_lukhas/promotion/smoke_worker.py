"""Import each named module in a forked child of a fresh interpreter; one JSON line each.

Run by :mod:`pytest_lukhas.promotion.smoke` as ``python -c <this file's text> <json>`` from
the repository root. It imports only the standard library, so every child starts clean; a
child gets its own process group, so a timeout ends whatever the import started.
"""

import json
import os
import select
import signal
import sys
import time
import traceback
from pathlib import Path

MAX_ERROR = 1000


def describe(exc: BaseException) -> str:
    """``Type: message (at file:line)``, the line being the last one inside the repository."""
    text = f"{type(exc).__name__}: {exc}".strip()
    here = str(Path.cwd()) + os.sep
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(here)]
    if frames:
        text += f" (at {frames[-1].filename[len(here) :]}:{frames[-1].lineno})"
    return text[:MAX_ERROR]


def child(module: str, out: int) -> None:
    os.setpgid(0, 0)
    quiet = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(quiet, fd)
    sys.argv = ["-c"]
    try:
        import importlib

        importlib.import_module(module)
        result = {"status": "ok"}
    except BaseException as exc:  # SystemExit too: the import did not finish
        result = {"status": "failed", "error": describe(exc)}
    os.write(out, json.dumps(result).encode())
    os._exit(0)


def report(module: str, started: float, result: dict) -> None:
    result = {"module": module, "seconds": round(time.monotonic() - started, 4), **result}
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


def finish(pid: int, module: str, started: float, data: bytes) -> None:
    _pid, status = os.waitpid(pid, 0)
    try:
        result = json.loads(data)
    except ValueError:
        code = os.waitstatus_to_exitcode(status)
        result = {"status": "failed", "error": f"the process ended ({code}) before the import did"}
    report(module, started, result)


def main() -> None:
    spec = json.loads(sys.argv[1])
    pending = list(spec["modules"])
    timeout, jobs = float(spec["timeout"]), max(1, int(spec["jobs"]))
    running: dict[int, list] = {}  # read end of a child's pipe -> [pid, module, started, data]
    while pending or running:
        while pending and len(running) < jobs:
            module = pending.pop(0)
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(read)
                child(module, write)
            os.close(write)
            running[read] = [pid, module, time.monotonic(), b""]
        deadline = min(entry[2] for entry in running.values()) + timeout
        ready, _w, _x = select.select(list(running), [], [], max(0.0, deadline - time.monotonic()))
        for fd in ready:
            chunk = os.read(fd, 65536)
            if chunk:
                running[fd][3] += chunk
                continue
            os.close(fd)
            finish(*running.pop(fd))
        for fd, (pid, module, started, _data) in list(running.items()):
            if time.monotonic() - started >= timeout:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                os.close(fd)
                del running[fd]
                late = {"status": "timeout", "error": f"no answer in {timeout:g} s"}
                report(module, started, late)


if __name__ == "__main__":
    main()
