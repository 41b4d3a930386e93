"""The matriz_events fixture and the matriz marker, on generated repositories."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.matriz_repo import API, FAKE_EMITTER, POINT, make_repo

THREADS_AND_TASKS = """\
import asyncio
import threading

from prod.billing import charge


def test_nodes_from_threads_and_tasks_are_all_captured(matriz_events):
    charge(1)
    threads = [threading.Thread(target=charge, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    async def main():
        async def task(n):
            await asyncio.sleep(0)
            return charge(n)

        await asyncio.gather(*(task(n) for n in range(4)))
        await asyncio.to_thread(charge, 9)

    asyncio.run(main())
    matriz_events.assert_emitted("DECISION:billing:charge", count=9)
"""


def test_nodes_from_threads_and_asyncio_tasks_are_captured(pytester):
    make_repo(pytester, tests=THREADS_AND_TASKS).runpytest().assert_outcomes(passed=1)


ISOLATION = """\
import threading

from prod.billing import charge


def test_a_emits_three(matriz_events):
    for n in range(3):
        charge(n)
    assert len(matriz_events) == 3


def test_b_sees_none_of_them(matriz_events):
    assert matriz_events.nodes == []


def test_c_without_the_fixture_emits():
    charge(1)


def test_d_sees_only_its_own(matriz_events):
    charge(2)
    matriz_events.assert_emitted("DECISION:billing:charge", count=1)
"""


@pytest.mark.parametrize("args", [(), ("-p", "xdist", "-n", "2")])
def test_each_test_sees_only_its_own_nodes(pytester, args):
    make_repo(pytester, tests=ISOLATION).runpytest(*args).assert_outcomes(passed=4)


HELPERS = """\
from lukhas.observability import instrument

from prod.billing import charge


@instrument("VALIDATION", label="billing:check")
def check():
    return True


def test_filter_by_point_type_and_label(matriz_events):
    charge(1)
    check()
    charge(2)
    assert matriz_events.points() == ["DECISION:billing:charge", "VALIDATION:billing:check",
                                      "DECISION:billing:charge"]
    assert len(matriz_events.filter(type="DECISION")) == 2
    assert len(matriz_events.filter(label="provider:null")) == 2
    assert len(matriz_events.filter(label="billing:check")) == 1
    assert matriz_events.filter("VALIDATION:billing:check", label="provider:null") == []
    nodes = matriz_events.assert_emitted("DECISION:billing:charge", count=2, label="mode:dry_run")
    assert [node["labels"] for node in nodes] == [["billing:charge", "provider:null", "mode:dry_run"]] * 2
    matriz_events.assert_not_emitted("CONSENT:billing:charge")
    matriz_events.clear()
    assert matriz_events.nodes == []
    check()
    assert matriz_events.points() == ["VALIDATION:billing:check"]


def test_count_mismatch(matriz_events):
    charge(1)
    matriz_events.assert_emitted("DECISION:billing:charge", count=2)


def test_unexpected_point(matriz_events):
    charge(1)
    matriz_events.assert_not_emitted("DECISION:billing:charge", label="provider:null")
"""


def test_helpers_filter_and_assert_and_failures_show_the_captured_nodes(pytester):
    result = make_repo(pytester, tests=HELPERS).runpytest()
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines([
        "*_ test_count_mismatch _*",
        "E*AssertionError: expected 'DECISION:billing:charge' 2 time(s), found 1; "
        "emitted: DECISION:billing:charge x1",
        "*- Captured matriz call -*",
        "1 MATRIZ node(s) captured:",
        "  #1 DECISION:billing:charge [provider:null, mode:dry_run] ok "
        "from prod.billing.api.charge",
        "*_ test_unexpected_point _*",
        "E*AssertionError: expected no 'DECISION:billing:charge' labelled 'provider:null', "
        "found 1; emitted: DECISION:billing:charge x1",
        "*- Captured matriz call -*",
    ])  # fmt: skip
    assert "capture.py" not in result.stdout.str()  # the helpers hide their own frames


MARKER = """\
import pytest

from prod.billing import charge


@pytest.mark.matriz(emits=["DECISION:billing:charge"])
def test_emits_it():
    charge(1)


@pytest.mark.matriz(emits=["DECISION:billing:charge", "CONSENT:billing:record"])
def test_misses_one():
    charge(1)


@pytest.mark.matriz(emits="DECISION:billing:charge")
def test_misused():
    charge(1)


@pytest.mark.matriz(emits=["DECISION:billing:charge"])
def test_skipped_before_emitting():
    pytest.skip("not today")


@pytest.mark.xfail(strict=True)
@pytest.mark.matriz(emits=["DECISION:billing:charge"])
def test_expected_to_fail():
    assert False
"""


def test_marker_passes_when_every_point_is_emitted_and_fails_naming_the_missing_one(pytester):
    result = make_repo(pytester, tests=MARKER).runpytest()
    result.assert_outcomes(passed=1, failed=1, errors=1, skipped=1, xfailed=1)
    result.stdout.fnmatch_lines([
        "*_ test_misses_one _*",
        "@pytest.mark.matriz(emits=[...]): 'CONSENT:billing:record' was not emitted; "
        "emitted: DECISION:billing:charge x1",
        "*- Captured matriz call -*",
        "*#1 DECISION:billing:charge*",
    ])  # fmt: skip
    result.stdout.fnmatch_lines([
        "*ERROR at setup of test_misused*",
        "@pytest.mark.matriz takes emits=*, a list of 'TYPE:label' emit points, such as "
        "emits=*'CONSENT:governance:record'*; found () {'emits': 'DECISION:billing:charge'}",
    ])  # fmt: skip


def test_marker_help_describes_it(pytester):
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.matriz(emits=*): the test fails unless*"])


INVALID = """\
import fake_emitter


def test_requests_the_fixture(matriz_events):
    fake_emitter.emit(fake_emitter.node("DECISION:billing:charge", "prod.billing.api.charge",
                                        state__salience=3))


def test_does_not_request_it():
    fake_emitter.emit(fake_emitter.node("DECISION:billing:charge", "prod.billing.api.charge",
                                        provenance__capabilities=[]))


def test_valid(matriz_events):
    fake_emitter.emit(fake_emitter.node("DECISION:billing:charge", "prod.billing.api.charge"))
    assert len(matriz_events) == 1
"""


def emitter_repo(pytester, tests, api=API):
    repo = make_repo(pytester, api=api, tests=tests, files={"fake_emitter.py": FAKE_EMITTER})
    repo.makeini("[pytest]\nlukhas_matriz_emitter = fake_emitter\npythonpath = .\n")
    return repo


def test_an_invalid_node_fails_the_test_with_its_json_pointer(pytester):
    result = emitter_repo(pytester, INVALID).runpytest()
    result.assert_outcomes(passed=2, failed=1)  # uncaptured without the fixture or the gate
    result.stdout.fnmatch_lines([
        "*_ test_requests_the_fixture _*",
        "MATRIZ node #1 (DECISION:billing:charge from prod.billing.api.charge) is invalid "
        "at /state/salience: 3 is greater than the maximum of 1",
        "*- Captured matriz call -*",
        "! #1 DECISION:billing:charge ok from prod.billing.api.charge",
        "      invalid at /state/salience: 3 is greater than the maximum of 1",
    ])  # fmt: skip


def test_under_the_gate_an_invalid_node_fails_a_test_that_did_not_ask_for_capture(pytester):
    result = emitter_repo(pytester, INVALID).runpytest("--lukhas-gate")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines([
        "*_ test_does_not_request_it _*",
        "MATRIZ node #1 (DECISION:billing:charge from prod.billing.api.charge) is invalid at "
        "/provenance/capabilities: [] has less than 1 item",
    ])  # fmt: skip


TEARDOWN = """\
import pytest

import fake_emitter


@pytest.fixture
def leaves_a_broken_node():
    yield
    fake_emitter.emit({"type": "DECISION"})


def test_teardown_emits(matriz_events, leaves_a_broken_node):
    pass
"""


def test_an_invalid_node_from_teardown_is_an_error_in_teardown(pytester):
    result = emitter_repo(pytester, TEARDOWN).runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([
        "*ERROR at teardown of test_teardown_emits*",
        "MATRIZ node #1 (no type or label from ?) is invalid at the top level: "
        '"version" is a required property',
    ])  # fmt: skip


MISSING_EMITTER = """\
import pytest


def test_fixture(matriz_events):
    pass


@pytest.mark.matriz(emits=["DECISION:billing:charge"])
def test_marker():
    pass


def test_plain():
    pass
"""


REFUSING_EMITTER = """\
def add_sink(sink):
    raise RuntimeError("no sinks here")


def remove_sink(sink):
    pass
"""


@pytest.mark.parametrize("name", ["no_such_emitter", "json", " ", "refusing_emitter"])
def test_an_emitter_that_cannot_be_used_is_named_with_the_ini_key(pytester, name):
    repo = make_repo(
        pytester, tests=MISSING_EMITTER, files={"refusing_emitter.py": REFUSING_EMITTER}
    )
    repo.makeini(f"[pytest]\nlukhas_matriz_emitter = {name}\npythonpath = .\n")
    result = repo.runpytest()
    result.assert_outcomes(passed=1, errors=2)
    expected = {
        "no_such_emitter": "cannot import the MATRIZ emitter 'no_such_emitter' "
        "(ini lukhas_matriz_emitter): ModuleNotFoundError*",
        "json": "the MATRIZ emitter 'json' (ini lukhas_matriz_emitter) has no add_sink or "
        "remove_sink*",
        " ": "the ini key lukhas_matriz_emitter is empty*",
        "refusing_emitter": "the MATRIZ emitter 'refusing_emitter' (ini lukhas_matriz_emitter) "
        "raised RuntimeError in add_sink: no sinks here",
    }[name]
    result.stdout.fnmatch_lines([f"matriz_events: {expected}", f"@pytest.mark.matriz: {expected}"])
    assert "Traceback" not in result.stdout.str()


def test_the_plugin_never_imports_the_emitter_when_it_loads():
    code = (
        "import sys, pytest_lukhas.plugin, pytest_lukhas.gate; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'lukhas'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_repo_without_the_default_emitter_runs_its_tests(pytester):
    pytester.makepyfile(test_x="def test_x():\n    assert True\n")
    pytester.makeini("[pytest]\nlukhas_matriz_emitter = not_installed_here\n")
    pytester.runpytest().assert_outcomes(passed=1)


def test_point_constant_matches_the_generated_slice():
    assert f'"{POINT.split(":")[0]}", label="{POINT.split(":", 1)[1]}"' in API
