"""``lukhas-gate plan`` on a generated repository whose dependency order is known."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_lukhas import schemas
from pytest_lukhas.promotion import plan
from pytest_lukhas.promotion.plan import Candidate
from tests.conftest import write

CONFIG = """\
lanes:
  - name: prod
    root: prod/
    import_rules: {deny_from: ["labs/**"]}
  - name: labs
    root: labs/
    promotion: {to: prod}
"""

# a <- b <- c, a <- d; e fails to import; f needs only promoted code; g <-> h, h <- i
REPO = {
    "ops/matriz.yaml": CONFIG,
    "prod/__init__.py": "",
    "prod/done.py": "READY = True\n",
    "labs/__init__.py": "",
    "labs/done.py": "READY = True\n",
    "labs/a.py": "X = 1\n",
    "labs/b.py": "from labs import a\n",
    "labs/c.py": "import labs.b\n",
    "labs/d.py": "from labs.a import X  # the shared constant\n",
    "labs/e.py": "raise RuntimeError('not finished')\n",
    "labs/f.py": "from labs.done import READY\n",
    "labs/g.py": "from labs import h\n",
    "labs/h.py": "from labs import g\n",
    "labs/i.py": "import labs.g\n",
    "labs/tests/test_a.py": "from labs.a import X\n",
}

ORDER = ["a", "f", "e", "g", "h", "b", "d", "i", "c"]


def test_plan_ranks_dependency_roots_first(tmp_path, lukhas_gate):
    repo = write(tmp_path, REPO)
    planned = lukhas_gate("plan", "--root", repo, "--format", "json")
    assert planned.code == 0, planned.err
    data = json.loads(planned.out)
    assert schemas.validate(schemas.PROMOTION_PLAN, data, "plan") == []
    modules = {m["module"]: m for m in data["modules"]}
    assert [m["module"] for m in data["modules"]] == [f"labs.{n}" for n in ORDER]
    assert [m["rank"] for m in data["modules"]] == list(range(1, len(ORDER) + 1))
    assert data["promoted"] == [{"module": "labs.done", "path": "labs/done.py", "target": "prod/done.py"}]  # fmt: skip
    assert data["counts"] == {"modules": 9, "promoted": 1, "ready": 2, "blocked": 6, "smoke_failed": 1}  # fmt: skip
    a = modules["labs.a"]
    assert (a["status"], a["wave"], a["blocks"], a["fan_in"]) == ("ready", 0, 3, {"files": 2, "imports": 2})  # fmt: skip
    assert a["smoke"]["status"] == "ok"
    assert a["promote"] == "lukhas-gate promote labs/a.py"
    assert modules["labs.c"]["wave"] == 2
    assert modules["labs.d"]["dependencies"] == [
        {
            "module": "labs.a",
            "path": "labs/a.py",
            "imports": [
                {
                    "file": "labs/d.py",
                    "line": 1,
                    "text": "from labs.a import X  # the shared constant",
                }
            ],
        }
    ]
    e = modules["labs.e"]
    assert e["status"] == "smoke-failed"
    assert e["smoke"]["error"] == "RuntimeError: not finished (at labs/e.py:1)"
    assert (modules["labs.g"]["status"], modules["labs.g"]["cycle"]) == ("cycle", 1)
    assert data["cycles"] == [{"cycle": 1, "size": 2, "modules": ["labs.g", "labs.h"]}]
    assert modules["labs.g"]["blocks"] == 2  # h and i wait for it
    assert modules["labs.f"]["status"] == "ready"  # it imports promoted code only
    assert "labs.tests.test_a" not in modules  # tests are promoted with their package


def test_plan_text_and_no_smoke(tmp_path, lukhas_gate):
    repo = write(tmp_path, REPO)
    planned = lukhas_gate("plan", "--root", repo, "--no-smoke", "--top", "3")
    assert planned.code == 0
    lines = planned.out.splitlines()
    assert lines[0] == (
        "promotion plan: lane labs (labs/) -> lane prod (prod/): 9 to promote, 3 ready, "
        "6 blocked, 0 failing their smoke import, 1 promoted"
    )
    assert lines[1] == "smoke imports not run (--no-smoke)"
    assert lines[2].split() == ["rank", "module", "wave", "blocks", "fan-in", "smoke", "waits", "for"]  # fmt: skip
    assert lines[3].split() == ["1", "labs.a", "0", "3", "2", "-", "-"]
    assert lines[4].split() == ["2", "labs.e", "0", "0", "0", "-", "-"]  # no smoke: not failing
    assert lines[6] == "... 6 more (--top 0 shows all)"
    assert lines[-1] == "next: lukhas-gate promote labs/a.py"
    assert not (repo / "labs/__pycache__").exists()  # nothing imported


def test_plan_by_package(tmp_path, lukhas_gate):
    repo = write(
        tmp_path,
        {
            **{
                k: v
                for k, v in REPO.items()
                if not k.startswith("labs/") or k == "labs/__init__.py"
            },
            "labs/billing/__init__.py": "from labs.billing.api import charge\n",
            "labs/billing/api.py": "from labs.money import cents\n\ncharge = cents\n",
            "labs/billing/tests/test_api.py": "from labs.billing import charge\n",
            "labs/money/__init__.py": "def cents(x):\n    return x\n",
        },
    )
    planned = lukhas_gate("plan", "--root", repo, "--depth", "1", "--format", "json")
    data = json.loads(planned.out)
    assert [(m["path"], m["wave"], m["blocks"]) for m in data["modules"]] == [
        ("labs/money", 0, 1),
        ("labs/billing", 1, 0),
    ]
    assert all(m["smoke"]["status"] == "ok" for m in data["modules"])


def test_plan_lists_promoted_code_the_gate_still_holds(tmp_path, lukhas_gate):
    repo = write(tmp_path, {**REPO, "ops/matriz.yaml": CONFIG.replace(
        "    import_rules: {deny_from: [\"labs/**\"]}\n",
        "    import_rules: {deny_from: [\"labs/**\"]}\n    promotion: {promoted: [prod/done.py]}\n",
    )})  # fmt: skip
    planned = lukhas_gate("plan", "--root", repo, "--no-smoke")
    assert (
        "promoted, not slices yet (the gate reports each red until its manifest exists):\n"
        "  prod/done.py: no MODULE_MANIFEST.json: prod/done.py was promoted from labs/done.py"
    ) in planned.out


def _reaches(edges: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for child in edges[todo.pop()]:
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


@settings(deadline=None, max_examples=200)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=30))
def test_waves_blocks_and_cycles_match_a_brute_force(pairs):
    """wave: 0 without dependencies, else one more than the latest dependency outside the
    node's cycle; blocks: the other nodes that reach it; a cycle: mutual reachability."""
    nodes = [f"m{i}" for i in range(10)]
    edges = {n: set() for n in nodes}
    for a, b in pairs:
        if a != b:
            edges[f"m{a}"].add(f"m{b}")
    units = {n: Candidate(n, n, n) for n in nodes}
    for n in nodes:
        units[n].depends = {d: [] for d in sorted(edges[n])}
    plan._order(units)
    reach = {n: _reaches(edges, n) for n in nodes}
    same = {n: {m for m in nodes if m in reach[n] and n in reach[m]} | {n} for n in nodes}
    for n in nodes:
        assert units[n].blocks == sum(1 for m in nodes if m != n and n in reach[m])
        assert (units[n].cycle is not None) == (len(same[n]) > 1)
        if units[n].cycle is not None:
            assert {units[m].cycle for m in same[n]} == {units[n].cycle}
        outside = [units[d].wave + 1 for m in same[n] for d in edges[m] if d not in same[n]]
        assert units[n].wave == max(outside, default=0)
