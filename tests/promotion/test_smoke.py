"""Smoke imports: each module in a fresh process, with a time limit, writing nothing."""

from __future__ import annotations

import pytest

from pytest_lukhas.lanes import load_lanes
from pytest_lukhas.promotion.pair import LanePair
from pytest_lukhas.promotion.smoke import import_modules
from tests.promotion.conftest import shop, snapshot

MODULES = {
    "labs/ok.py": "import json\nprint('printing is fine')\n",
    "labs/raises.py": "import labs.ok\n\nraise ValueError('bad default')\n",
    "labs/exits.py": "import sys\n\nsys.exit(3)\n",
    "labs/dies.py": "import os\n\nos._exit(4)\n",
    "labs/hangs.py": "import time\n\ntime.sleep(60)\n",
}


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "one-process-each"])
def test_each_module_is_judged_alone_within_its_time(tmp_path, fork):
    repo = shop(tmp_path, MODULES)
    pair = LanePair.of(load_lanes(repo / "ops/matriz.yaml", repo))
    before = snapshot(repo)
    names = ["labs.ok", "labs.raises", "labs.exits", "labs.dies", "labs.hangs", "labs.missing"]
    results = import_modules(pair, names, timeout=2, jobs=3, fork=fork)
    status = {name: r.status for name, r in results.items()}
    assert status == {
        "labs.ok": "ok",
        "labs.raises": "failed",
        "labs.exits": "failed",
        "labs.dies": "failed",
        "labs.hangs": "timeout",
        "labs.missing": "failed",
    }
    assert "ValueError: bad default" in results["labs.raises"].error
    assert "No module named 'labs.missing'" in results["labs.missing"].error
    assert snapshot(repo) == before  # no bytecode, no output files
    if fork:
        assert results["labs.raises"].error == "ValueError: bad default (at labs/raises.py:3)"
        assert results["labs.exits"].error == "SystemExit: 3 (at labs/exits.py:3)"
        assert results["labs.dies"].error == "the process ended (4) before the import did"
