"""Real bundles of a green and a red gate run, made once per session, for the review tests.

The repositories are the foreign ``prod``/``labs`` repository of ``tests/generated_repo.py``
with one slice; the red one adds an import chain into ``labs/`` and a latency budget that
a 2 ms sleep cannot meet. Each is gated in a fresh ``pytest`` process, as CI does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write
from tests.generated_repo import repo_files

SLA_TEST = """\
from prod.billing import api


def test_charge_within_budget(sla_benchmark):
    sla_benchmark(api.charge, "usr_1", 5)
"""

SLOW_SLA_TEST = """\
import time

import pytest


@pytest.mark.sla(p95_ms=1, samples=80)
def test_sleep_within_budget(sla_benchmark):
    sla_benchmark(time.sleep, 0.002)
"""

CHAIN = {  # prod/billing/api.py -> prod.shared.fx -> prod.shared.rates -> labs.fx_feed
    "prod/shared/__init__.py": "",
    "prod/shared/fx.py": "from prod.shared import rates\n\nRATE = rates.RATE\n",
    "prod/shared/rates.py": "import labs.fx_feed\n\nRATE = labs.fx_feed.RATE\n",
    "labs/fx_feed.py": "RATE = 1\n",
}


def green_files() -> dict[str, str]:
    files = {k: v for k, v in repo_files().items() if "shipping" not in k}
    return {**files, "prod/billing/tests/test_sla.py": SLA_TEST}


def red_files() -> dict[str, str]:
    files = green_files()
    files["prod/billing/api.py"] = (
        "from prod.shared import fx  # noqa: F401\n" + files["prod/billing/api.py"]
    )
    return {**files, **CHAIN, "prod/billing/tests/test_slow.py": SLOW_SLA_TEST}


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


HEAD_SHA = "c0ffee0ddc1c5e7b0b5e1d5f2a9f4c3b2a1d0e9f"  # the PR head of tests/fixtures/github/


def gate(root: Path, files: dict[str, str], sha: str = HEAD_SHA) -> Path:
    """Write ``files`` as a committed repository at ``root``, gate it for commit ``sha``
    (``LUKHAS_SHA``, as CI passes the PR's head), and return its bundle."""
    write(root, files)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "GITHUB_", "LUKHAS_")) and k != "COV_CORE_SOURCE"}  # fmt: skip
    env["LUKHAS_SHA"] = sha
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--lukhas-gate", "--lukhas-bundle", "out",
         "-p", "no:cacheprovider", "-p", "no:randomly", "-q"],
        cwd=root, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    bundles = list((root / "out").glob("lukhas-gate-*"))
    assert len(bundles) == 1, done.stdout + done.stderr
    return bundles[0]


@pytest.fixture(scope="session")
def green_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return gate(tmp_path_factory.mktemp("green"), green_files())


@pytest.fixture(scope="session")
def red_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return gate(tmp_path_factory.mktemp("red"), red_files())


@pytest.fixture(scope="session")
def green_gate_json(green_bundle: Path) -> dict:
    return json.loads((green_bundle / "gate.json").read_text())


@pytest.fixture
def copy_bundle(tmp_path: Path):
    """A writable copy of a session bundle at ``tmp_path/artifacts/<name>/<bundle name>``,
    as ``gh run download`` lays out an artifact; a second copy replaces the first."""

    def copy(bundle: Path, name: str = "artifact") -> Path:
        target = tmp_path / "artifacts" / name / bundle.name
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(bundle, target)
        return target

    return copy
