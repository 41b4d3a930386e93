"""The gate over promoted code: promotion starts the six criteria, never bypasses them; and
a shim inside the accepted lane that imports the candidate lane is a criterion 2 failure."""

from __future__ import annotations

import json

from tests.conftest import MANIFEST, gate_table, write
from tests.promotion.conftest import shop


def _gate(pytester, *args):
    return pytester.runpytest("--lukhas-gate", "-p", "no:cacheprovider", *args)


def test_the_gate_reports_what_promoted_code_still_lacks(pytester, lukhas_gate):
    repo = shop(pytester.path, {"prod/shared.py": "RATE = 2\n"})
    assert lukhas_gate("promote", "labs/billing", "--root", repo).code == 0
    result = _gate(pytester)
    assert result.ret == 1
    row = gate_table(result)["billing"]
    assert row["lane"] == "FAIL"  # no manifest yet
    assert row["imports"] == "pass"  # no import of labs is left
    assert row["tests"] == "pass"  # the copied tests ran, against prod
    assert (row["matriz"], row["sla"], row["dry-run"]) == ("FAIL", "FAIL", "FAIL")
    assert row["passed"] == "1/1"
    result.stdout.fnmatch_lines(
        [
            "*billing lane: no MODULE_MANIFEST.json: prod/billing was promoted from labs/billing*",
            "*at prod/billing/MODULE_MANIFEST.json",
            "*billing matriz: no valid manifest: no capability or emit point is declared*",
            "*billing sla: no SLA test*",
            "*billing dry_run: no valid manifest, so no feature flag is declared*",
        ]
    )
    (repo / "prod/billing/MODULE_MANIFEST.json").write_text(json.dumps(MANIFEST))
    row = gate_table(_gate(pytester))["billing"]
    assert row["lane"] == "pass"  # a slice now, judged like every other


def test_a_shim_in_the_accepted_lane_importing_the_candidate_lane_fails_criterion_2(gate_repo):
    """Seed 003 writes the shim the wrong way round: inside lukhas/, importing candidate."""
    write(
        gate_repo.path,
        {
            "labs/orchestration.py": "def run():\n    return 1\n",
            "prod/billing/orchestration.py": (
                "# shim during transition\nfrom labs.orchestration import *  # noqa\n"
            ),
        },
    )
    result = _gate(gate_repo)
    assert gate_table(result)["billing"]["imports"] == "FAIL"
    result.stdout.fnmatch_lines(
        ["*billing imports: ?import? prod.billing.orchestration imports labs.orchestration*"]
    )


def _verdict_command(out: str) -> list[str]:
    line = next(line for line in out.splitlines() if line.startswith("see each verdict: "))
    command = line.removeprefix("see each verdict: ").split()
    assert command[:2] == ["pytest", "--lukhas-gate"], line
    return command[2:]


def test_promoting_into_an_existing_slice_names_that_slice_and_its_command_runs(
    gate_repo, lukhas_gate
):
    """prod/billing is a slice already: the promoted module joins it, it is no slice of its own."""
    write(gate_repo.path, {"labs/billing/__init__.py": "", "labs/billing/refunds.py": REFUNDS})
    done = lukhas_gate("promote", "labs/billing/refunds.py", "--root", gate_repo.path)
    assert done.code == 0, done.out
    assert "prod/billing/refunds.py is now part of the slice prod/billing" in done.out
    assert "until a manifest makes it a slice" not in done.out
    assert "gains 'prod/billing/refunds.py': it is part of the slice prod/billing" in done.out
    args = _verdict_command(done.out)
    assert args == ["--lukhas-slice", "prod/billing"]
    result = _gate(gate_repo, *args)
    assert result.ret in (0, 1), result.stdout.str()  # judged, not a usage error
    assert list(gate_table(result)) == ["billing"]


def test_promoted_code_outside_any_slice_gets_a_command_that_selects_it(pytester, lukhas_gate):
    repo = shop(pytester.path, {"prod/shared.py": "RATE = 2\n"})
    done = lukhas_gate("promote", "labs/billing", "--root", repo)
    assert done.code == 0, done.out
    args = _verdict_command(done.out)
    assert args == ["--lukhas-slice", "prod/billing"]
    result = _gate(pytester, *args)
    assert list(gate_table(result)) == ["billing"]


REFUNDS = "def refund(amount):\n    return -amount\n"
