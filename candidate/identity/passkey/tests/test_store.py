"""Storage: atomic single use under concurrency, durable state, clear failures."""

import sqlite3
import threading

import pytest

from candidate.identity.passkey import PasskeyConfig, WebAuthnProvider
from candidate.identity.passkey.store import StoreError
from candidate.identity.passkey.testing import PasskeyCeremony, provider_config
from candidate.identity.passkey.tests.helpers import refusal


def run_together(calls):
    """Start ``calls`` at once on threads; their results."""
    results = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_one_assertion_verified_by_many_threads_succeeds_once(ceremony, make_provider):
    assertion = ceremony.assertion()
    providers = [ceremony.provider, make_provider(), make_provider()]  # threads and connections
    answers = run_together([lambda p=p: p.verify(assertion) for p in providers * 4])
    assert sum(a["ok"] for a in answers) == 1
    assert {a["error"]["code"] for a in answers if not a["ok"]} == {"challenge_replayed"}


def test_concurrent_uses_leave_the_highest_count(make_provider):
    provider = make_provider()
    ceremony = PasskeyCeremony(provider, "security-key")
    ceremony.enroll()
    assertions = [ceremony.assertion(counter=n) for n in range(1, 9)]
    answers = run_together([lambda a=a: provider.verify(a) for a in reversed(assertions)])
    assert 8 in [a["sign_count"] for a in answers if a["ok"]]
    assert {a["error"]["code"] for a in answers if not a["ok"]} <= {"sign_count_rollback"}
    assert refusal(provider.verify(ceremony.assertion(counter=8))) == "sign_count_rollback"
    assert provider.verify(ceremony.assertion(counter=9))["verified"]


def test_state_survives_a_restart(ceremony, tmp_path, clock):
    assertion = ceremony.assertion()
    ceremony.provider.close()
    reopened = WebAuthnProvider(PasskeyConfig.from_mapping(provider_config(tmp_path)), clock=clock)
    try:
        assert reopened.verify(assertion)["verified"]
        assert refusal(reopened.verify(assertion)) == "challenge_replayed"
    finally:
        reopened.close()


def test_an_unusable_path_fails_at_start_up(tmp_path):
    config = PasskeyConfig.from_mapping(provider_config(tmp_path / "missing" / "dir"))
    with pytest.raises(StoreError, match=r"passkeys\.sqlite3"):
        WebAuthnProvider(config)


def test_a_newer_schema_is_refused_at_start_up(tmp_path):
    with sqlite3.connect(tmp_path / "passkeys.sqlite3") as db:
        db.execute("PRAGMA user_version=99")
    with pytest.raises(StoreError, match="schema version 99"):
        WebAuthnProvider(PasskeyConfig.from_mapping(provider_config(tmp_path)))


def test_a_store_failure_during_a_call_is_a_refusal(ceremony, caplog):
    assertion = ceremony.assertion()
    ceremony.provider.close()  # any further statement fails inside sqlite3
    answer = ceremony.provider.verify(assertion)
    assert refusal(answer) == "unavailable"
    assert "unavailable (ProgrammingError)" in caplog.text
