"""Smoke checks: does a module import cleanly, in a fresh interpreter, within a time limit?

``import_modules`` imports many modules, each in its own process: one worker interpreter
(standard library only) forks a child per module, several at a time, so a repository of
thousands of modules pays one interpreter start, not thousands. Where ``fork`` is missing
each module gets its own ``python -c``. ``run_test`` runs one smoke test file with pytest.
No bytecode is written next to the sources: a smoke check leaves no file in the repository.
``import_modules`` may keep compiled bytecode in a directory of its own (``pycache``,
``PYTHONPYCACHEPREFIX``), so the modules every import pulls in are compiled once.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import smoke_worker
from .pair import LanePair

DEFAULT_SMOKE_DIR = "tests/smoke"
OK, FAILED, TIMEOUT, NOT_RUN = "ok", "failed", "timeout", "not-run"
_WORKER = Path(smoke_worker.__file__).read_text(encoding="utf-8")
_OUTPUT_LINES = 15

SMOKE_TEST = '''\
"""Smoke test written by lukhas-gate promote: the promoted module imports cleanly."""


def test_import_{name}():
    import {module} as module

    assert hasattr(module, "__file__")
'''


@dataclass(frozen=True)
class SmokeResult:
    module: str
    status: str  # ok, failed, timeout, not-run
    seconds: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == OK

    def to_json(self) -> dict[str, object]:
        return {"status": self.status, "seconds": self.seconds, "error": self.error}


@dataclass(frozen=True)
class TestRun:
    __test__ = False  # not a pytest test class

    passed: bool
    command: str
    output: str  # the last lines pytest printed


def environment(pair: LanePair, pycache: Path | None = None) -> dict[str, str]:
    """The repository's import roots on PYTHONPATH; bytecode written only under
    ``pycache``, or not at all."""
    env = dict(os.environ)
    roots = [str(pair.repo / root) for root in pair.roots if root]
    if env.get("PYTHONPATH"):
        roots.append(env["PYTHONPATH"])
    if roots:
        env["PYTHONPATH"] = os.pathsep.join(roots)
    if pycache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def default_jobs() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, cores or 1)


def import_modules(
    pair: LanePair,
    modules: Sequence[str],
    *,
    timeout: float,
    jobs: int | None = None,
    fork: bool = hasattr(os, "fork"),
    pycache: Path | None = None,
) -> dict[str, SmokeResult]:
    """Import each module in a fresh process; the answer has one result per module."""
    if not modules:
        return {}
    jobs = max(1, min(jobs or default_jobs(), len(modules)))
    env = environment(pair, pycache)
    if not fork:
        with ThreadPoolExecutor(jobs) as pool:
            found = pool.map(lambda m: _import_alone(pair.repo, m, timeout, env), modules)
            return {r.module: r for r in found}
    spec = json.dumps({"modules": list(modules), "timeout": timeout, "jobs": jobs})
    budget = timeout * (len(modules) / jobs + 1) + 30
    done = subprocess.run(
        [sys.executable, "-c", _WORKER, spec],
        cwd=pair.repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=budget,
        check=False,
    )
    results = {}
    for line in done.stdout.splitlines():
        data = json.loads(line)
        results[data["module"]] = SmokeResult(**data)
    problem = _last_lines(done.stderr, 3) or f"the smoke worker exited with {done.returncode}"
    for module in modules:
        results.setdefault(module, SmokeResult(module, FAILED, 0.0, problem))
    return results


def _import_alone(repo: Path, module: str, timeout: float, env: dict[str, str]) -> SmokeResult:
    code = "import importlib, sys; importlib.import_module(sys.argv[1])"
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, module],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return SmokeResult(module, TIMEOUT, timeout, f"no answer in {timeout:g} s")
    seconds = round(time.perf_counter() - started, 4)
    if done.returncode == 0:
        return SmokeResult(module, OK, seconds)
    error = _last_lines(done.stderr, 1) or f"the process exited with {done.returncode}"
    return SmokeResult(module, FAILED, seconds, error)


def run_test(pair: LanePair, test_file: str, timeout: float) -> TestRun:
    """``python -m pytest -q TEST_FILE`` from the repository root, with its own settings."""
    args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", test_file]
    command = "python " + " ".join(args)
    try:
        done = subprocess.run(
            [sys.executable, *args],
            cwd=pair.repo,
            env=environment(pair),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return TestRun(False, command, f"no answer in {timeout:g} s")
    output = _last_lines(done.stdout + done.stderr, _OUTPUT_LINES)
    return TestRun(done.returncode == 0, command, output)


def smoke_dir(pair: LanePair) -> str:
    """Where smoke tests live: the first path among the lanes' ``promotion.checks``
    (``tests/smoke`` in the LUKHAS monorepo), else ``tests/smoke``."""
    for lane in (pair.source, pair.target):
        for check in lane.promotion_checks:
            if "/" in check.strip("/"):
                return check.strip("/")
    return DEFAULT_SMOKE_DIR


def smoke_test_source(module: str, name: str) -> str:
    return SMOKE_TEST.format(module=module, name=re.sub(r"\W", "_", name))


def _last_lines(text: str, count: int) -> str:
    return "\n".join(text.strip().splitlines()[-count:])
