"""A small repository with lanes of its own names, for the import-boundary tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import write
from tests.test_plugin_skeleton import MANIFEST  # the same slice, prod.billing

CONFIG = """\
lanes:
  - name: prod
    root: prod/
    import_rules:
      allow_from: ["prod/**", "shared/**"]
      deny_from: ["labs/**", "attic/**"]
    promotion: {from: labs}
  - name: shared
    root: shared/
  - name: labs
    root: labs/
    import_rules: {deny_from: ["attic/**"]}
  - name: attic
    root: attic/
invariants:
  imports:
    - rule: "nothing imports attic/"
      deny: ["attic/** -> **"]
"""

FILES = {
    "ops/matriz.yaml": CONFIG,
    "prod/__init__.py": "",
    "prod/billing/__init__.py": "",
    "prod/billing/api.py": "def charge():\n    return 1\n",
    "prod/billing/MODULE_MANIFEST.json": json.dumps(MANIFEST),
    "prod/billing/tests/__init__.py": "",
    "prod/billing/tests/test_api.py": ("def test_api():\n    assert True\n"),
    "shared/__init__.py": "",
    "shared/util.py": "def helper():\n    return 2\n",
    "labs/__init__.py": "",
    "labs/engine.py": "VALUE = 1\n",
    "labs/core/__init__.py": "",
    "labs/core/x.py": "y = 3\n",
    "attic/__init__.py": "",
    "attic/old.py": "OLD = 1\n",
}


def make_repo(root: Path, changes: dict[str, str | None] | None = None) -> Path:
    """The base repository with ``changes`` applied (None deletes a file)."""
    files = {**FILES, **(changes or {})}
    write(root, {k: v for k, v in files.items() if v is not None})
    for rel, text in files.items():
        if text is None and (root / rel).exists():
            (root / rel).unlink()
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)
