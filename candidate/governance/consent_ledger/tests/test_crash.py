"""Writers killed with SIGKILL lose no acknowledged record and leave a chain that verifies.

A writer prints an acknowledgement after each record_consent call returns (see
``writer.py``); the test reads some, kills the writer mid-burst, reads the rest of what it
printed before dying, then checks that every acknowledged record is in the ledger and the
chain verifies, and that the next writer continues the chain.
"""

import random
import signal
import time

from candidate.governance.consent_ledger.tests.processes import (
    assert_nothing_acknowledged_was_lost,
    finish,
    reopen,
    start,
)


def kill(writer) -> None:
    writer.process.send_signal(signal.SIGKILL)
    finish(writer)
    assert writer.process.returncode == -signal.SIGKILL


def test_a_writer_killed_mid_burst_loses_no_acknowledged_record(db_path):
    rng = random.Random(7)
    writers = []
    for round_ in range(4):
        writer = start(db_path, f"round{round_}", 10_000)
        writer.read_acks(until=rng.randint(1, 60))
        time.sleep(rng.uniform(0, 0.01))  # land anywhere in the next call, commit included
        kill(writer)
        writers.append(writer)
        assert_nothing_acknowledged_was_lost(db_path, writers)
    survivor = start(db_path, "after", 5)
    finish(survivor)
    assert survivor.acked == list(range(5))
    assert_nothing_acknowledged_was_lost(db_path, [*writers, survivor])


def test_a_writer_killed_inside_its_commit_leaves_no_trace_of_that_record(db_path):
    writer = start(db_path, "doomed", 10, "--die-in-commit", "3")
    finish(writer)
    assert writer.process.returncode == -signal.SIGKILL
    assert writer.acked == [0, 1, 2]
    chain = assert_nothing_acknowledged_was_lost(db_path, [writer])
    assert chain["length"] == 3
    ledger = reopen(db_path)
    assert ledger.verify_consent("doomed-3", "burst")["reason"] == "none"
    ledger.close()
    follower = start(db_path, "next", 3)
    finish(follower)
    chain = assert_nothing_acknowledged_was_lost(db_path, [writer, follower])
    assert chain["length"] == 6


def test_one_of_several_concurrent_writers_killed_costs_the_others_nothing(tmp_path, db_path):
    go = tmp_path / "go"
    steady = [start(db_path, f"steady{i}", 60, "--go", str(go)) for i in range(2)]
    victim = start(db_path, "victim", 10_000, "--go", str(go))
    go.touch()
    victim.read_acks(until=20)
    kill(victim)
    for writer in steady:
        finish(writer)
        assert writer.acked == list(range(60))
    chain = assert_nothing_acknowledged_was_lost(db_path, [*steady, victim])
    assert chain["length"] >= 120 + len(victim.acked)
