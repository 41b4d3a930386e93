"""Generated repositories for the promotion tests: lanes ``prod/`` (accepted) and ``labs/``
(promoted from), and the ``lukhas-gate`` console script run in process."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from pytest_lukhas import cli
from tests.conftest import write

CONFIG = """\
# The shop's lanes: prod is promoted from labs.
lanes:
  - name: prod
    root: prod/
    import_rules:
      deny_from: ["labs/**"]
    promotion: {from: labs}
  - name: labs
    root: labs/
"""

API = """\
from labs.shared import RATE  # the rate


def charge(amount):
    return amount * RATE
"""

SHOP = {
    "ops/matriz.yaml": CONFIG,
    "prod/__init__.py": "",
    "labs/__init__.py": "",
    "labs/shared.py": "RATE = 2\n",
    "labs/billing/__init__.py": '"""Billing."""\nfrom .api import charge\n',
    "labs/billing/api.py": API,
    "labs/billing/tests/__init__.py": "",
    "labs/billing/tests/test_api.py": (
        "from labs.billing import charge\n\n\ndef test_charge():\n    assert charge(2) == 4\n"
    ),
    "labs/report.py": "import labs.billing\n\nTOTAL = labs.billing.charge(1)\n",
}


def shop(root: Path, files: dict[str, str] | None = None) -> Path:
    """The shop repository under ``root``, with ``files`` added or replaced."""
    return write(root, {**SHOP, **(files or {})})


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def lukhas_gate(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Run]:
    """``lukhas-gate ARGS`` in this process; the answer has the exit code and output.

    The smoke tests ``promote`` runs start pytest without the plugins installed here
    (``autoload=True`` keeps them): the generated repositories need none, and loading
    them costs seconds per run on a slow machine.
    """

    def run(*args: str | Path, autoload: bool = False) -> Run:
        capsys.readouterr()
        with monkeypatch.context() as patch:
            if not autoload:
                patch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
            code = cli.main([str(a) for a in args])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file (bytes) and directory (None) under ``root``, caches included."""
    found: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            found[os.path.relpath(os.path.join(dirpath, name), root)] = None  # noqa: PTH118
        for name in filenames:
            path = Path(dirpath) / name
            found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found
