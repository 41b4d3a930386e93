"""Threads and processes writing at once: nothing lost, one valid chain."""

import threading

from candidate.governance.consent_ledger.tests.helpers import grant
from candidate.governance.consent_ledger.tests.processes import (
    assert_nothing_acknowledged_was_lost,
    finish,
    start,
)


def write_from_threads(ledgers, per_thread: int) -> list[str]:
    users: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(ledgers))

    def work(index, ledger):
        try:
            barrier.wait()
            for n in range(per_thread):
                user = f"t{index}-{n}"
                grant(ledger, user, "burst")
                users.append(user)
                if n % 5 == 0:  # reads interleave with the writes
                    assert ledger.verify_consent(user, "burst")["allowed"] is True
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=item) for item in enumerate(ledgers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    return users


def assert_all_recorded(ledger, users: list[str]) -> None:
    chain = ledger.verify_chain()
    assert (chain["valid"], chain["length"]) == (True, len(users))
    assert all(ledger.verify_consent(user, "burst")["allowed"] for user in users)


def test_threads_sharing_one_ledger_lose_nothing(ledger):
    users = write_from_threads([ledger] * 8, per_thread=25)
    assert_all_recorded(ledger, users)


def test_threads_with_a_ledger_each_on_one_file_lose_nothing(open_ledger):
    ledgers = [open_ledger() for _ in range(4)]
    users = write_from_threads(ledgers * 2, per_thread=20)
    assert_all_recorded(ledgers[0], users)


def test_processes_writing_at_once_to_a_new_file_lose_nothing(tmp_path, db_path):
    go = tmp_path / "go"
    # The file does not exist yet: the writers also race to create and migrate it.
    writers = [start(db_path, f"p{i}", 40, "--go", str(go)) for i in range(4)]
    go.touch()
    for writer in writers:
        finish(writer)
        assert writer.process.returncode == 0
        assert writer.acked == list(range(40))
    chain = assert_nothing_acknowledged_was_lost(db_path, writers)
    assert chain["length"] == 160
