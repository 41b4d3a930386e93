"""The dry-run guard: flag-off runs of a slice, and tests marked dry_run, have no side effects."""

from __future__ import annotations

import pytest

from tests.generated_repo import evidence, make_repo

# Each side effect as the code under test would cause it, from prod/billing/effects.py.
EFFECTS = """\
import os
import socket
import subprocess
from pathlib import Path


def connect():
    socket.socket(socket.AF_INET, socket.SOCK_STREAM).connect(("127.0.0.1", 9))


def resolve():
    socket.getaddrinfo("example.invalid", 443)


def write_in_repo():
    Path(__file__).with_name("out.txt").write_text("written")


def start_process():
    subprocess.run(["true"], check=False)


def system():
    os.system("true")


def fork():
    os.fork()
"""

EFFECT_LINES = {  # the line of effects.py that causes each side effect
    "connect": (8, "network: socket connect to 127.0.0.1:9"),
    "resolve": (12, "DNS: lookup of example.invalid:443"),
    "write_in_repo": (16, "file write: open '*prod/billing/out.txt' for writing"),
    "start_process": (20, "process: subprocess ['true']"),
    "system": (24, "process: os.system 'true'"),
    "fork": (28, "process: os.fork()"),
}


@pytest.fixture
def repo(pytester: pytest.Pytester) -> pytest.Pytester:
    make_repo(pytester)
    pytester.makepyfile(**{"prod/billing/effects": EFFECTS})
    return pytester


def clean(result: pytest.RunResult) -> None:
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output and "INTERNALERROR" not in output


@pytest.mark.parametrize("effect", sorted(EFFECT_LINES))
@pytest.mark.parametrize("swallowed", [False, True], ids=["raised", "caught"])
def test_a_flag_off_run_that_causes_a_side_effect_fails_naming_it_and_its_line(
    repo, effect, swallowed
):
    call = f"effects.{effect}()"
    if swallowed:
        call = f"try:\n        {call}\n    except Exception:\n        pass"
    repo.makepyfile(
        **{
            "prod/billing/tests/test_effect": f"""
from prod.billing import effects

def test_effect():
    {call}
"""
        }
    )
    result = repo.runpytest("prod/billing/tests/test_effect.py")
    result.assert_outcomes(failed=1)
    line, text = EFFECT_LINES[effect]
    result.stdout.fnmatch_lines(
        [
            "dry run: this test must cause no side effects, but it tried 1:",
            f"  {text} at prod/billing/effects.py:{line}",
        ]
    )
    clean(result)
    assert not (repo.path / "prod/billing/out.txt").exists()


def test_a_side_effect_in_a_thread_of_the_test_fails_it_too(repo):
    repo.makepyfile(
        **{
            "prod/billing/tests/test_thread": """
import threading

from prod.billing import effects

def test_thread():
    def work():
        try:
            effects.write_in_repo()
        except Exception:
            pass
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
"""
        }
    )
    result = repo.runpytest("prod/billing/tests/test_thread.py")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*file write: open*out.txt* at prod/billing/effects.py:16"])


def test_what_a_dry_run_may_do(repo):
    repo.makepyfile(
        **{
            "prod/billing/tests/test_allowed": """
import asyncio
import os
import socket
from pathlib import Path

def test_tmp_path_devnull_pycache_and_reads(tmp_path):
    (tmp_path / "scratch.txt").write_text("fine")
    with open(os.devnull, "w") as sink:
        sink.write("fine")
    cache = Path(__file__).with_name("__pycache__")
    cache.mkdir(exist_ok=True)
    (cache / "x.pyc").write_bytes(b"")
    assert "FEATURE_BILLING" in Path(__file__).parents[1].joinpath("MODULE_MANIFEST.json").read_text()

def test_asyncio_and_unix_sockets():
    left, right = socket.socketpair()
    left.sendall(b"x")
    assert right.recv(1) == b"x"
    left.close()
    right.close()

    async def main():
        queue = asyncio.Queue()
        await queue.put(1)
        loop = asyncio.get_running_loop()
        in_thread = await loop.run_in_executor(None, sum, [1, 2])
        await asyncio.sleep(0)
        return await queue.get() + in_thread

    assert asyncio.run(main()) == 4
"""
        }
    )
    result = repo.runpytest("prod/billing/tests/test_allowed.py")
    result.assert_outcomes(passed=2)
    data = evidence(repo.inline_run("prod/billing/tests/test_allowed.py"))
    assert all(d["dry_run"] is True and d["side_effects"] == [] for d in data.values())


def test_flag_on_runs_are_not_guarded_but_flag_off_runs_are(repo):
    repo.makepyfile(
        **{
            "prod/billing/tests/test_states": """
import pytest

from prod.billing import effects

@pytest.mark.feature_matrix("FEATURE_BILLING")
def test_write():
    effects.write_in_repo()
"""
        }
    )
    result = repo.runpytest("prod/billing/tests/test_states.py", "-v")
    result.stdout.fnmatch_lines(
        ["*test_write?FEATURE_BILLING=off? FAILED*", "*test_write?FEATURE_BILLING=on? PASSED*"],
        consecutive=False,
    )


def test_turning_the_flag_on_during_the_test_lifts_the_guard(repo):
    repo.makepyfile(
        **{
            "prod/billing/tests/test_late": """
from prod.billing import effects

def test_late(feature_flags):
    feature_flags.set(FEATURE_BILLING=True)
    effects.write_in_repo()
"""
        }
    )
    data = evidence(repo.inline_run("prod/billing/tests/test_late.py"))
    assert data["prod/billing/tests/test_late.py::test_late"]["dry_run"] is False
    assert (repo.path / "prod/billing/out.txt").exists()


def test_tests_outside_slices_are_guarded_only_when_marked(repo):
    repo.makepyfile(
        test_outside="""
import pytest

from prod.billing import effects

def test_unmarked():
    effects.write_in_repo()

@pytest.mark.dry_run
def test_marked():
    effects.resolve()
"""
    )
    result = repo.runpytest("test_outside.py")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*DNS: lookup of example.invalid:443 at prod/billing/effects.py:12"]
    )


def test_the_marker_works_without_a_lanes_config(pytester):
    pytester.makepyfile(
        test_plain="""
import socket

import pytest

@pytest.mark.dry_run
def test_marked():
    socket.gethostbyname("example.invalid")
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*DNS: lookup of example.invalid at test_plain.py:7"])


def test_side_effects_are_recorded_as_evidence(repo):
    repo.makepyfile(
        **{
            "prod/billing/tests/test_two": """
from prod.billing import effects

def test_two():
    for effect in (effects.connect, effects.start_process):
        try:
            effect()
        except RuntimeError:
            pass
"""
        }
    )
    data = evidence(repo.inline_run("prod/billing/tests/test_two.py"))
    record = data["prod/billing/tests/test_two.py::test_two"]
    assert record["dry_run"] is True
    assert record["side_effects"] == [
        {
            "kind": "socket.connect",
            "detail": "socket connect to 127.0.0.1:9",
            "where": "prod/billing/effects.py:8",
        },
        {
            "kind": "subprocess.Popen",
            "detail": "subprocess ['true']",
            "where": "prod/billing/effects.py:20",
        },
    ]


def test_a_failing_hypothesis_test_shows_its_example_not_the_tools_own_writes(repo):
    repo.makepyfile(
        **{
            "prod/billing/tests/test_property": """
from hypothesis import given, strategies as st

@given(st.integers())
def test_small(x):
    assert x < 10
"""
        }
    )
    result = repo.runpytest("prod/billing/tests/test_property.py")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*assert 10 < 10", "*x=10,"], consecutive=False)
    assert "dry run" not in result.stdout.str()


@pytest.mark.parametrize(("tools", "outcome"), [(None, "failed"), ("tooling", "passed")])
def test_writes_by_a_declared_test_tool_are_allowed(repo, tools, outcome):
    if tools:
        repo.makeini(f"[pytest]\nlukhas_dry_run_tools =\n    hypothesis\n    {tools}\n")
    repo.makepyfile(
        tooling="""
from pathlib import Path

def save_report():
    Path("report.txt").write_text("tool output")
""",
        **{
            "prod/billing/tests/test_tool": """
import tooling

def test_tool():
    tooling.save_report()
"""
        },
    )
    result = repo.runpytest("prod/billing/tests/test_tool.py")
    result.assert_outcomes(**{outcome: 1})
