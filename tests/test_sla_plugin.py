"""The SLA criterion on generated repositories (pytester), serial and under xdist.

Latency distributions are chosen so that verdicts hold on a loaded 2-core machine:
PASS budgets are thousands of times the true p95, FAIL budgets a fraction of a sleep,
and the INCONCLUSIVE function is slow on exactly every 20th call with a budget between
its fast and slow calls, so exactly 5% of the samples exceed the budget whatever the load.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import gate_table

from .conftest import CONFIG  # the prod/ and labs/ lanes

FUNCTIONS = """\
import itertools
import time

_calls = itertools.count()


def fast(x):
    return x + 1


def sleepy():
    time.sleep(0.003)


def straddle():
    if next(_calls) % 20 == 19:
        time.sleep(0.02)
"""

NO_TRACEBACK = ("Traceback", "INTERNALERROR")


def manifest(module: str, p95_ms: float, **slas: float) -> str:
    return json.dumps({
        "module": module,
        "capabilities": ["run"],
        "feature_flag": "FEATURE_X",
        "slas": {"p95_ms": p95_ms, **slas},
        "matriz_emit_points": ["DECISION:x:run"],
    })  # fmt: skip


def add_slice(pytester: pytest.Pytester, name: str, p95_ms: float, tests: str, **slas) -> None:
    pytester.makepyfile(**{
        f"prod/{name}/__init__": "",
        f"prod/{name}/api": FUNCTIONS,
        f"prod/{name}/tests/__init__": "",
        f"prod/{name}/tests/test_sla": tests,
    })  # fmt: skip
    (pytester.path / f"prod/{name}/MODULE_MANIFEST.json").write_text(
        manifest(f"prod.{name}", p95_ms, **slas)
    )


@pytest.fixture
def repo(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".yaml", **{"ops/matriz": CONFIG})
    pytester.makepyfile(**{"prod/__init__": "", "labs/__init__": ""})
    return pytester


def sla_test(body: str, marker: str = "", name: str = "test_sla") -> str:
    mark = f"@pytest.mark.sla({marker})\n" if marker else ""
    return (
        "import pytest\nfrom ..api import fast, sleepy, straddle\n\n\n"
        f"{mark}def {name}(sla_benchmark):\n    {body}\n"
    )


def clean(result: pytest.RunResult) -> None:
    output = result.stdout.str() + result.stderr.str()
    for word in NO_TRACEBACK:
        assert word not in output


def test_fast_function_passes_its_manifest_budget_and_the_gate_cell_is_green(repo):
    add_slice(repo, "billing", 50, sla_test("assert sla_benchmark(fast, 1) == 2"))
    result = repo.runpytest("--lukhas-gate", "-p", "no:randomly")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([
        "*= lukhas sla =*",
        "alpha 0.05 over 2 looks; inconclusive counts as fail (default under --lukhas-gate)*",
        "PASS*prod/billing/tests/test_sla.py::test_sla",
        "*n=200 p50 * p95 * in [[]*, *[]] budget 50 ms",
    ])  # fmt: skip
    assert gate_table(result)["billing"]["sla"] == "pass"
    clean(result)


def test_sleeping_function_fails_with_n_percentiles_bounds_budget_and_verdict(repo):
    add_slice(repo, "billing", 50, sla_test("sla_benchmark(sleepy)", "p95_ms=1"))
    result = repo.runpytest("--lukhas-gate")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "SLA FAIL: prod/billing/tests/test_sla.py::test_sla",
        "  n=200 (200 over 1 of 2 planned looks)  p50 * ms  p95 * ms  p99 * ms",
        "  p95 bounds [[]* ms, * ms[]] (one-sided, 97.5% each) vs budget 1 ms",
        "    the lower bound exceeds the budget",
        "  verdict FAIL (alpha 0.05 split over 2 looks)",
        "billing *FAIL*",
        "  billing sla: p95 lower bound * ms > budget 1 ms",
        "      at prod/billing/tests/test_sla.py::test_sla",
    ])  # fmt: skip
    clean(result)


STRADDLE = "sla_benchmark(straddle)"
STRADDLE_MARK = "p95_ms=10, warmup=0"  # no warm-up calls: every 20th timed call is slow


def test_budget_at_the_true_p95_is_inconclusive_after_one_extension(repo):
    add_slice(repo, "billing", 50, sla_test(STRADDLE, STRADDLE_MARK))
    result = repo.runpytest("--lukhas-gate")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "SLA INCONCLUSIVE: prod/billing/tests/test_sla.py::test_sla",
        "  n=400 (200 + 200 over 2 of 2 planned looks)*",
        "    the interval straddles the budget",
        "  verdict INCONCLUSIVE (alpha 0.05 split over 2 looks); inconclusive counts as fail*",
        "*billing sla: inconclusive after extension: p95 [[]*, * ms[]] straddles budget 10 ms",
    ])  # fmt: skip
    clean(result)


def test_inconclusive_passes_with_a_warning_outside_the_gate_unless_told_to_fail(repo):
    add_slice(repo, "billing", 50, sla_test(STRADDLE, STRADDLE_MARK))
    result = repo.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([
        "*SlaInconclusiveWarning: SLA INCONCLUSIVE*",
        "*inconclusive counts as pass (default outside --lukhas-gate)*",
        "INCONCLUSIVE*test_sla",
    ])  # fmt: skip
    result = repo.runpytest("--lukhas-sla-inconclusive=fail")
    result.assert_outcomes(failed=1)
    result = repo.runpytest("--lukhas-gate", "--lukhas-sla-inconclusive=pass")
    result.assert_outcomes(passed=1)
    assert gate_table(result)["billing"]["sla"] == "pass"


def test_every_slice_needs_an_sla_test(repo):
    add_slice(repo, "billing", 50, "def test_plain():\n    assert True\n")
    result = repo.runpytest("--lukhas-gate")
    result.stdout.fnmatch_lines([
        "billing *FAIL*",
        "  billing sla: no SLA test: mark one with @pytest.mark.sla and call sla_benchmark(fn)",
    ])  # fmt: skip
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_test_budget_looser_than_the_manifest_does_not_count(repo):
    add_slice(repo, "billing", 50, sla_test("sla_benchmark(fast, 1)", "p95_ms=100"))
    result = repo.runpytest("--lukhas-gate")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["*billing sla: p95 budget 100 ms of the test is looser than the manifest's 50 ms"]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_benchmark_disable_is_not_measured_and_red_under_the_gate(repo):
    add_slice(repo, "billing", 50, sla_test("assert sla_benchmark(fast, 1) == 2"))
    result = repo.runpytest("--lukhas-gate", "--benchmark-disable")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([
        "NOT MEASURED*test_sla",
        "*not measured: --benchmark-disable",
        "*billing sla: not measured: --benchmark-disable",
        "lukhas gate: RED",
    ])  # fmt: skip
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_foreign_benchmark_fixture_such_as_codspeed_is_not_measured(repo):
    add_slice(repo, "billing", 50, sla_test("assert sla_benchmark(fast, 1) == 2"))
    repo.makeconftest(
        """
        import pytest

        class Instrumented:
            def __call__(self, fn, *args, **kwargs):
                return fn(*args, **kwargs)

        @pytest.fixture
        def benchmark():
            return Instrumented()
        """
    )
    # like pytest-codspeed: pytest-benchmark blocked, another plugin's benchmark fixture
    result = repo.runpytest("--lukhas-gate", "-p", "no:benchmark")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["*billing sla: not measured: the benchmark fixture is conftest.Instrumented, not pyt*"]
    )


def test_a_skipped_sla_test_is_not_measured(repo):
    add_slice(
        repo,
        "billing",
        50,
        "import pytest\n"
        + sla_test("pass", "p95_ms=5").replace(
            "@pytest.mark.sla", "@pytest.mark.skip(reason='later')\n@pytest.mark.sla"
        ),
    )
    result = repo.runpytest("--lukhas-gate")
    result.stdout.fnmatch_lines(["*billing sla: not measured: the test was skipped"])


def test_marker_without_the_fixture_is_an_error_not_a_silent_pass(repo):
    tests = "import pytest\n\n\n@pytest.mark.sla(p95_ms=5)\ndef test_sla():\n    assert True\n"
    add_slice(repo, "billing", 50, tests)
    result = repo.runpytest("--lukhas-gate")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([
        "prod/billing/tests/test_sla.py:4: error: marked @pytest.mark.sla but does not use "
        "the sla_benchmark fixture, so nothing is measured (fix: add the sla_benchmark "
        "argument and call sla_benchmark(function, *args))",
        "*billing sla: invalid SLA: marked @pytest.mark.sla but does not use the sla_bench*",
    ])  # fmt: skip
    clean(result)


@pytest.mark.parametrize(
    ("marker", "expected"),
    [
        ("p95_ms=5, samples=40",
         "*test_sla.py:5: error: samples=40 is too few: a one-sided 95% upper bound of the p95 "
         "needs at least 59 samples (0.95^59 <= 0.05) (fix: use samples=59 or more*"),
        ("p95_ms=-5", "*test_sla.py:5: error: p95_ms must be a number of milliseconds greater "
                      "than 0, found -5 (fix: write e.g. p95_ms=50)"),
        ("p95_ms=0", "*p95_ms must be a number of milliseconds greater than 0, found 0*"),
        ("p95_ms=5, alpha=2", "*alpha must be a number greater than 0 and less than 0.5, found 2*"),
    ],
)  # fmt: skip
def test_bad_marker_values_error_the_test_with_a_located_message(repo, marker, expected):
    add_slice(repo, "billing", 50, sla_test("sla_benchmark(fast, 1)", marker))
    result = repo.runpytest("--lukhas-gate")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([expected, "*billing sla: invalid SLA: *"])
    clean(result)


def test_no_budget_at_all_is_a_clear_error(repo):
    repo.makepyfile(
        test_outside=sla_test("sla_benchmark(len, 'x')").replace(
            "from ..api import fast, sleepy, straddle", ""
        )
    )
    result = repo.runpytest("test_outside.py")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([
        "*test_outside.py:5: error: no latency budget: @pytest.mark.sla names no p95_ms or "
        "p99_ms, and the test is not inside a slice folder with a manifest*",
    ])  # fmt: skip
    clean(result)


def test_unknown_inconclusive_choice_is_a_usage_error(repo):
    result = repo.runpytest("--lukhas-sla-inconclusive=maybe")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*argument --lukhas-sla-inconclusive: invalid choice: 'maybe' (choose from 'fail', 'pass')"
        ]
    )


@pytest.mark.parametrize(
    ("ini", "expected"),
    [
        ("lukhas_sla_inconclusive = maybe",
         "tox.ini: error: lukhas_sla_inconclusive must be one of fail, pass, found 'maybe'*"),
        ("lukhas_sla_alpha = 0.7",
         "tox.ini: error: lukhas_sla_alpha must be a number greater than 0 and less than 0.5, "
         "found '0.7'*"),
        ("lukhas_sla_samples = many",
         "tox.ini: error: lukhas_sla_samples must be a positive whole number, found 'many'*"),
    ],
)  # fmt: skip
def test_bad_ini_values_are_usage_errors_naming_the_file(repo, ini, expected):
    repo.makeini(f"[pytest]\n{ini}\n")
    result = repo.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*lukhas sla: the settings are invalid:", expected])
    clean(result)


def test_calling_sla_benchmark_twice_fails_clearly(repo):
    add_slice(repo, "billing", 50, sla_test("sla_benchmark(fast, 1)\n    sla_benchmark(fast, 1)"))
    result = repo.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*sla_benchmark(...) can be called once per test"])


def test_results_go_to_sla_json_and_to_pytest_benchmark_json(repo):
    add_slice(repo, "billing", 50, sla_test("sla_benchmark(fast, 1)"))
    result = repo.runpytest("--lukhas-sla-json", "out/sla.json", "--benchmark-json", "bench.json")
    result.assert_outcomes(passed=1)
    sla = json.loads((repo.path / "out/sla.json").read_text())
    assert sla["alpha"] == 0.05 and sla["looks"] == 2 and sla["machine"]["cpu"]
    (test,) = sla["tests"]
    assert test["nodeid"] == "prod/billing/tests/test_sla.py::test_sla"
    assert test["slice"] == "prod/billing" and test["status"] == "pass" and test["passed"]
    assert test["spec"]["sources"] == {"p95": "prod/billing/MODULE_MANIFEST.json"}
    assert test["measured_by"] == "pytest-benchmark"
    assert len(test["samples_ns"]) == test["n"] == 200
    (check,) = test["checks"]
    assert check["lower_ms"] <= check["estimate_ms"] <= check["upper_ms"] <= 50
    assert set(test["percentiles_ms"]) == {"p50", "p95", "p99"}
    bench = json.loads((repo.path / "bench.json").read_text())
    (entry,) = bench["benchmarks"]
    assert entry["extra_info"]["lukhas_sla"]["verdict"] == "pass"
    assert len(entry["stats"]["data"]) == 200
    assert bench["lukhas_sla"]["tests"][0]["status"] == "pass"
    assert "samples_ns" not in bench["lukhas_sla"]["tests"][0]  # pytest-benchmark has them


def test_the_extension_samples_join_pytest_benchmarks_data(repo):
    add_slice(repo, "billing", 50, sla_test(STRADDLE, STRADDLE_MARK))
    result = repo.runpytest("--benchmark-json", "bench.json")
    result.assert_outcomes(passed=1)
    (entry,) = json.loads((repo.path / "bench.json").read_text())["benchmarks"]
    assert len(entry["stats"]["data"]) == 400
    assert entry["extra_info"]["lukhas_sla"]["looks"] == [
        {"n": 200, "alpha": 0.025},
        {"n": 400, "alpha": 0.025},
    ]


BORDERLINE = """\
import itertools
import time
import pytest

_calls = itertools.count()
SLOW = set(range(0, 1000, 29)[:35])  # 35 of every 1000 calls


def thirty_five_in_a_thousand():
    if next(_calls) % 1000 in SLOW:
        time.sleep(0.003)


@pytest.mark.parametrize("copy", [1, 2, 3])
@pytest.mark.sla(p95_ms=1, warmup=0, samples=1000)
def test_borderline(sla_benchmark, copy):
    sla_benchmark(thirty_five_in_a_thousand)
"""


def test_holm_decides_all_sla_tests_together_at_session_end(repo):
    # 35 of 1000 above the budget: p = 2 * 0.0142 = 0.028 passes alone at 0.05 but not
    # Holm's first step over three tests (0.05 / 3); 34 or 36 would too (0.019, 0.042),
    # so a stray slow sample on a loaded machine does not change the outcome
    repo.makepyfile(test_borderline=BORDERLINE)
    result = repo.runpytest("--lukhas-sla-inconclusive=fail")
    result.assert_outcomes(passed=3)
    assert result.ret == pytest.ExitCode.OK
    result = repo.runpytest("--lukhas-sla-inconclusive=fail", "--lukhas-sla-holm")
    result.assert_outcomes(passed=3)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "alpha 0.05 over 2 looks, Holm across tests; inconclusive counts as fail (chosen)*",
        "INCONCLUSIVE*test_borderline[[]1[]]",
        "*inconclusive after Holm's correction: p95 [[]*] straddles budget 1 ms",
        "*n=1000 p50*",
    ])  # fmt: skip


def test_calibrate_then_normalize_scales_the_budgets(repo):
    add_slice(repo, "billing", 50, sla_test("sla_benchmark(fast, 1)"))
    result = repo.runpytest("--lukhas-sla-normalize")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        "*.lukhas/calibration.json: error: no calibration file (fix: run `lukhas-gate calibrate`*",
    ])  # fmt: skip
    result = repo.runpytest(
        "--lukhas-calibrate", "--lukhas-sla-normalize", "--lukhas-sla-json=s.json"
    )
    result.assert_outcomes(passed=1)
    stored = json.loads((repo.path / ".lukhas/calibration.json").read_text())
    sla = json.loads((repo.path / "s.json").read_text())
    assert sla["factor"] == pytest.approx(stored["seconds"] / stored["reference_seconds"])
    assert sla["calibration"]["machine"] == stored["machine"]
    budget = sla["tests"][0]["spec"]["budgets_ms"]["p95"]
    assert budget == pytest.approx(50 * sla["factor"])
    result.stdout.fnmatch_lines(["*budgets x* (machine factor)"])
    result = repo.runpytest("--lukhas-sla-normalize")  # the stored file is used next time
    result.assert_outcomes(passed=1)


def test_unwritable_sla_json_is_reported_not_a_crash(repo):
    add_slice(repo, "billing", 50, sla_test("sla_benchmark(fast, 1)"))
    (repo.path / "blocker").write_text("")
    result = repo.runpytest("--lukhas-sla-json", "blocker/sla.json")
    result.stdout.fnmatch_lines(
        ["lukhas sla: error: cannot write --lukhas-sla-json blocker/sla.json*"]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    clean(result)


def three_slices(repo: pytest.Pytester) -> None:
    for name, budget in (("ledger", 50), ("passkey", 30), ("context", 250)):
        add_slice(repo, name, budget, sla_test("assert sla_benchmark(fast, 1) == 2"))


@pytest.mark.parametrize("dist", ["load", "loadgroup"])
def test_under_xdist_every_slice_still_gets_a_measured_verdict(repo, dist):
    three_slices(repo)
    add_slice(repo, "slowpoke", 50, sla_test("sla_benchmark(sleepy)", "p95_ms=1"))
    result = repo.runpytest_subprocess(
        "--lukhas-gate", "-n", "2", "--dist", dist, "--lukhas-sla-json", "sla.json"
    )
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines_random([
        "context *pass*",
        "ledger *pass*",
        "passkey *pass*",
        "slowpoke *FAIL*",
        "*slowpoke sla: p95 lower bound * > budget 1 ms",
    ])  # fmt: skip
    tests = json.loads((repo.path / "sla.json").read_text())["tests"]
    assert len(tests) == 4
    assert all(len(t["samples_ns"]) == 200 for t in tests)
    # timed by the plugin on the workers (pytest-benchmark switches itself off there);
    # with loadgroup the SLA tests are meant to share one worker, but pytest-xdist 3.8
    # loses xdist_group under pytest 9.2 (pytest-xdist#1386), so no worker is asserted
    assert all("xdist worker gw" in t["measured_by"] for t in tests)
    clean(result)


def test_workers_of_one_run_take_turns_sampling(tmp_path):
    import fcntl

    from pytest_lukhas.sla.sampling import one_sampler_at_a_time

    lock = tmp_path / "lukhas-sla.lock"
    with one_sampler_at_a_time(tmp_path), lock.open("a") as other, pytest.raises(BlockingIOError):
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    with lock.open("a") as other:
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released again


def test_sla_benchmark_requested_at_run_time_is_refused_clearly(repo):
    tests = "def test_sla(request):\n    request.getfixturevalue('sla_benchmark')(len, 'x')\n"
    add_slice(repo, "billing", 50, tests)
    result = repo.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*name sla_benchmark among the test's arguments, so that its*"])
    clean(result)


def test_calibrating_into_an_unwritable_place_is_a_usage_error(repo):
    (repo.path / "blocker").write_text("")
    result = repo.runpytest("--lukhas-calibrate", "--lukhas-calibration", "blocker/cal.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["blocker/cal.json: error: cannot write the calibration:*"])
    clean(result)
