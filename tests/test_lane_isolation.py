"""The accepted lane never loads the candidate lane: not directly, not transitively."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Imports every module of the lukhas package (and any extra modules named on the command
# line), then lists the modules whose file lies under candidate/, where a module's lane is
# where its file lives, whatever its dotted name.
SCRIPT = """
import importlib, json, pkgutil, sys
from pathlib import Path

import lukhas

def fail(name):
    raise ImportError(f"cannot import {name}")

imported = [info.name for info in pkgutil.walk_packages(lukhas.__path__, "lukhas.", onerror=fail)]
for name in imported + sys.argv[2:]:
    importlib.import_module(name)
candidate = Path(sys.argv[1], "candidate").resolve()
files = {name: getattr(module, "__file__", None) for name, module in list(sys.modules.items())}
loaded = sorted(n for n, f in files.items() if f and Path(f).resolve().is_relative_to(candidate))
print(json.dumps({"imported": imported, "candidate": loaded}))
"""


def import_everything(*extra: str) -> dict[str, list[str]]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(ROOT), *extra],
        cwd=ROOT,  # so candidate/ is importable: an import of it would succeed, and show
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_importing_every_lukhas_module_loads_nothing_from_candidate():
    outcome = import_everything()
    assert {
        "lukhas.flags",
        "lukhas.observability.matriz_decorators",
        "lukhas.governance.consent_ledger.api",
        "lukhas.identity.passkey.api",
        "lukhas.orchestration.context.api",
    } <= set(outcome["imported"])
    assert outcome["candidate"] == []


def test_the_check_sees_a_candidate_module_when_one_is_loaded():
    assert import_everything("candidate")["candidate"] == ["candidate"]
