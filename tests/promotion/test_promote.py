"""``lukhas-gate promote`` on generated repositories (lanes prod/ promoted from labs/): a
promotion, a refusal, a rollback, ``--dry-run``, the shim, ops/matriz.yaml edits, errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pytest_lukhas.promotion import smoke
from tests.conftest import write
from tests.promotion.conftest import API, CONFIG, shop, snapshot

PROMOTED_API = API.replace("from labs.shared", "from prod.shared")


def test_promotion_copies_rewrites_records_and_runs_the_smoke_test(tmp_path, lukhas_gate):
    repo = shop(tmp_path)
    assert lukhas_gate("promote", "labs/shared.py", "--root", repo).code == 0
    done = lukhas_gate("promote", "labs/billing", "--root", repo)
    assert done.code == 0, done.out
    assert (repo / "prod/billing/api.py").read_text() == PROMOTED_API
    assert (
        (repo / "prod/billing/tests/test_api.py")
        .read_text()
        .startswith("from prod.billing import charge\n")
    )
    assert (repo / "labs/billing/api.py").read_text() == API  # the candidate copy is kept
    config = (repo / "ops/matriz.yaml").read_text()
    assert config == CONFIG.replace(
        "promotion: {from: labs}",
        'promotion: {from: labs, promoted: ["prod/shared.py", "prod/billing/"]}',
    )
    smoke = (repo / "tests/smoke/test_billing.py").read_text()
    assert "    import prod.billing as module\n" in smoke
    assert "1. smoke test passed: tests/smoke/test_billing.py" in done.out
    assert "7. smoke test passed against prod.billing" in done.out
    assert "prod/billing/api.py:1: from labs.shared import RATE  ->  from prod.shared import RATE" in done.out  # fmt: skip
    assert "no MODULE_MANIFEST.json: prod/billing was promoted from labs/billing" in done.out
    assert "commit: chore(promotion): promote billing from labs -> prod" in done.out


def test_candidate_only_dependencies_refuse_it_listing_the_import_lines(tmp_path, lukhas_gate):
    repo = shop(tmp_path)
    before = snapshot(repo)
    refused = lukhas_gate("promote", "labs/billing", "--root", repo)
    assert refused.code == 1
    assert "refused: labs/billing/ cannot be promoted yet; nothing was written" in refused.out
    assert "candidate-only dependency labs.shared (labs/shared.py)" in refused.out
    assert "labs/billing/api.py:1: from labs.shared import RATE  # the rate" in refused.out
    assert snapshot(repo) == before


FRAGILE = """\
if __name__.startswith("prod."):
    raise ImportError("reads its data from the labs lane")
"""


def test_a_failing_smoke_test_after_the_move_rolls_everything_back(tmp_path, lukhas_gate):
    repo = shop(tmp_path, {"labs/fragile.py": FRAGILE})
    before = snapshot(repo)
    failed = lukhas_gate("promote", "labs/fragile.py", "--root", repo, "--shim", autoload=True)
    assert failed.code == 1
    assert "1. smoke test passed" in failed.out
    assert "failed at step 7: the smoke test fails against prod.fragile" in failed.out
    assert "ImportError: reads its data from the labs lane" in failed.out
    assert "rolled back: the repository is as it was before" in failed.out
    # copies, shim, config, the smoke test, what pytest's plugins left (.benchmarks): undone
    assert snapshot(repo) == before


def test_a_failing_smoke_test_before_the_move_stops_it(tmp_path, lukhas_gate):
    repo = shop(tmp_path, {"labs/broken.py": "raise RuntimeError('half written')\n"})
    before = snapshot(repo)
    failed = lukhas_gate("promote", "labs/broken.py", "--root", repo)
    assert failed.code == 1
    assert "failed at step 1: the smoke test fails" in failed.out
    assert "RuntimeError: half written" in failed.out
    assert snapshot(repo) == before


def test_dry_run_prints_the_plan_and_every_diff_and_writes_nothing(tmp_path, lukhas_gate):
    repo = shop(tmp_path, {"prod/shared.py": "RATE = 2\n"})
    before = snapshot(repo)
    planned = lukhas_gate("promote", "labs/billing", "--root", repo, "--dry-run", "--shim")
    assert planned.code == 0, planned.out
    assert snapshot(repo) == before  # not even a cache or bytecode
    out = planned.out
    assert "smoke import of labs.billing today: ok" in out
    for header in (
        "+++ b/tests/smoke/test_billing.py",
        "+++ b/prod/billing/api.py",
        "+++ b/prod/billing/tests/test_api.py",
        "+++ b/labs/billing/api.py",  # the shim
        "+++ b/ops/matriz.yaml",
    ):
        assert header in out
    assert "+from prod.shared import RATE  # the rate" in out
    assert '-    promotion: {from: labs}\n+    promotion: {from: labs, promoted: ["prod/billing/"]}' in out  # fmt: skip
    assert "-    import labs.billing as module\n+    import prod.billing as module" in out
    assert out.rstrip().endswith("dry run: nothing was written")


def test_shim_keeps_the_old_path_working_and_imports_the_accepted_lane(tmp_path, lukhas_gate):
    repo = shop(tmp_path)
    assert lukhas_gate("promote", "labs/shared.py", "--root", repo, "--shim").code == 0
    shim = (repo / "labs/shared.py").read_text()
    assert "import prod.shared as _promoted\n" in shim
    assert (repo / "prod/shared.py").read_text() == "RATE = 2\n"
    code = "import labs.shared, prod.shared; print(labs.shared.RATE, labs.shared.__all__)"
    shown = subprocess.run(
        [sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=True
    )
    assert shown.stdout == "2 ['RATE']\n"
    assert lukhas_gate("imports", "--root", repo, "--no-cache").code == 0


def _shim_with_labs_rule(tmp_path, lukhas_gate, rule: str):
    """Promote labs/shared.py with a shim, the labs lane having import rule ``rule``."""
    config = CONFIG.replace("    root: labs/\n", f"    root: labs/\n    import_rules: {{{rule}}}\n")
    repo = shop(tmp_path, {"ops/matriz.yaml": config})
    done = lukhas_gate("promote", "labs/shared.py", "--root", repo, "--shim")
    assert done.code == 0, done.out
    assert lukhas_gate("imports", "--root", repo, "--no-cache").code == 0  # the shim is allowed
    return repo, done.out


def test_a_shim_the_source_lane_may_not_import_gets_an_allow_rule(tmp_path, lukhas_gate):
    repo, out = _shim_with_labs_rule(tmp_path, lukhas_gate, 'allow_from: ["labs/**"]')
    assert "lane 'labs' allow_from gains 'prod/shared.py': the shim labs/shared.py" in out
    text = (repo / "ops/matriz.yaml").read_text()
    assert '    import_rules: {allow_from: ["labs/**", "prod/shared.py"]}\n' in text


def test_a_shim_the_source_lane_denies_carries_an_allow_import_pragma(tmp_path, lukhas_gate):
    repo, _out = _shim_with_labs_rule(tmp_path, lukhas_gate, 'deny_from: ["prod/**"]')
    shim = (repo / "labs/shared.py").read_text()
    assert (
        "import prod.shared as _promoted  "
        "# lukhas: allow-import(shim of the promotion of labs.shared)\n"
    ) in shim


THREE_LANES = """\
lanes:
  - name: prod
    root: prod/
    import_rules:
      allow_from: ["prod/**"]  # production imports production only
      deny_from: ["labs/**", "legacy/**"]
    promotion: {from: labs}
  - name: common
    root: common/
  - name: labs
    root: labs/
  - name: legacy
    root: legacy/
"""


def test_an_allowed_dependency_the_accepted_lane_does_not_list_becomes_an_allow_rule(
    tmp_path, lukhas_gate
):
    repo = shop(
        tmp_path,
        {
            "ops/matriz.yaml": THREE_LANES,
            "common/__init__.py": "",
            "common/money.py": "def cents(x):\n    return x * 100\n",
            "labs/pricing.py": "from common.money import cents\n\nPRICE = cents(3)\n",
        },
    )
    done = lukhas_gate("promote", "labs/pricing.py", "--root", repo)
    assert done.code == 0, done.out
    text = (repo / "ops/matriz.yaml").read_text()
    assert '      allow_from: ["prod/**", "common/**"]  # production imports production only\n' in text  # fmt: skip
    assert "prod/pricing.py imports common/money.py" in done.out
    assert lukhas_gate("imports", "--root", repo, "--no-cache").code == 0


def test_a_dependency_the_accepted_lane_denies_refuses_it(tmp_path, lukhas_gate):
    repo = shop(
        tmp_path,
        {
            "ops/matriz.yaml": THREE_LANES,
            "legacy/__init__.py": "",
            "legacy/old.py": "X = 1\n",
            "labs/uses_legacy.py": "from legacy.old import X  # still needed\n",
        },
    )
    refused = lukhas_gate("promote", "labs/uses_legacy.py", "--root", repo)
    assert refused.code == 1
    assert "legacy.old (legacy/old.py) is denied to the copy" in refused.out
    assert "deny_from labs/**, legacy/**" in refused.out
    assert "labs/uses_legacy.py:1: from legacy.old import X  # still needed" in refused.out


def _promoted(repo, run):
    assert run("promote", "labs/shared.py", "--root", repo).code == 0


def _promoted_then_edited(repo, run):
    _promoted(repo, run)
    (repo / "prod/shared.py").write_text("RATE = 3\n")


def _broken_yaml(repo, run):
    (repo / "ops/matriz.yaml").write_text("lanes:\n  - name: [x\n")


def _no_promotion(repo, run):
    (repo / "ops/matriz.yaml").write_text(CONFIG.replace("    promotion: {from: labs}\n", ""))


ERRORS = {
    "accepted-lane": (["prod/__init__.py"], None, "in lane 'prod', not in lane 'labs'"),
    "no-lane": (["ops/matriz.yaml"], None, "in no lane, not in lane 'labs'"),
    "missing": (["labs/nowhere.py"], None, "labs/nowhere.py: error: no such module or package"),
    "lane-root": (["labs"], None, "is the whole lane"),
    "not-python": (["labs/notes.txt"], None, "is not a Python module"),
    "already-promoted": (["labs/shared.py"], _promoted, "already promoted: labs/shared.py is"),
    "target-differs": (
        ["labs/shared.py"],
        _promoted_then_edited,
        "the accepted copy exists and differs from what promotion would write: prod/shared.py",
    ),
    "bad-yaml": (["labs/shared.py"], _broken_yaml, "ops/matriz.yaml:3: error: invalid YAML"),
    "no-accepted-lane": (
        ["labs/shared.py"],
        _no_promotion,
        "cannot tell which lane is the accepted (production) lane",
    ),
    "no-source-lane": (
        ["labs/shared.py", "--accepted-lane", "prod"],
        _no_promotion,
        "no lane is promoted into the accepted lane 'prod'",
    ),
}


@pytest.mark.parametrize(("args", "prepare", "message"), ERRORS.values(), ids=ERRORS.keys())
def test_errors_are_clear_messages_with_exit_2(tmp_path, lukhas_gate, args, prepare, message):
    repo = shop(tmp_path, {"labs/notes.txt": "not code\n"})
    if prepare is not None:
        prepare(repo, lukhas_gate)
    failed = lukhas_gate("promote", *args, "--root", repo)
    assert failed.code == 2
    assert message in failed.err
    assert "Traceback" not in failed.out + failed.err


def test_promotion_under_the_lukhas_reference_config(tmp_path, lukhas_gate, fixtures):
    """The LUKHAS monorepo's own ops/matriz.yaml: the copy lands in the nested lane 'core'
    (lukhas/core/), the candidate lane denies lukhas/** so the shim carries a pragma, and
    the config gains exactly one line."""
    config = (fixtures / "lukhas-ops-matriz.yaml").read_text()
    repo = write(
        tmp_path,
        {
            "ops/matriz.yaml": config,
            "lukhas/__init__.py": "",
            "candidate/__init__.py": "",
            "candidate/core/__init__.py": "",
            "candidate/core/orchestration/__init__.py": "from .loop import run\n",
            "candidate/core/orchestration/loop.py": "def run():\n    return 'ok'\n",
        },
    )
    done = lukhas_gate("promote", "candidate/core/orchestration", "--root", repo, "--shim")
    assert done.code == 0, done.out
    last = "        - no_safe_fixable_lints\n"
    assert (repo / "ops/matriz.yaml").read_text() == config.replace(
        last, last + '      promoted: ["lukhas/core/orchestration/"]\n', 1
    )
    assert (repo / "lukhas/core/__init__.py").read_text() == ""  # the package above
    shim = (repo / "candidate/core/orchestration/loop.py").read_text()
    assert "import lukhas.core.orchestration.loop as _promoted  # lukhas: allow-import(" in shim
    assert (repo / "tests/smoke/test_core_orchestration.py").is_file()
    assert lukhas_gate("imports", "--root", repo, "--no-cache").code == 0


def test_an_interrupt_rolls_everything_back(tmp_path, lukhas_gate, monkeypatch):
    repo = shop(tmp_path)
    before = snapshot(repo)
    run_test = smoke.run_test

    def interrupted_second_run(*args, **kwargs):
        if (repo / "prod/shared.py").exists():  # the copy is written: the second run
            raise KeyboardInterrupt
        return run_test(*args, **kwargs)

    monkeypatch.setattr(smoke, "run_test", interrupted_second_run)
    stopped = lukhas_gate("promote", "labs/shared.py", "--root", repo, "--shim")
    assert stopped.code == 130
    assert "interrupted\nrolled back: the repository is as it was before" in stopped.out
    assert snapshot(repo) == before
