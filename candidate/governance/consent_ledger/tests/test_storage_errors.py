"""Storage trouble is a refusal with a clear message, never an exception, never a silent loss."""

import multiprocessing
import os
import shutil
import sqlite3
import stat
import tempfile
from pathlib import Path

import pytest

from candidate.governance.consent_ledger.tests.helpers import grant

STORAGE_CODES = {"storage_corrupt", "storage_inconsistent", "storage_io_error"}


def every_operation(ledger) -> list[dict]:
    return [
        ledger.record({"user_id": "usr_9", "scope": "a", "metadata": {}}),
        ledger.verify_consent("usr_1", "a"),
        ledger.withdraw_consent("usr_1", "a"),
        ledger.export_subject("usr_1"),
        ledger.erase_subject("usr_2"),
        ledger.verify_chain(),
    ]


def test_a_file_that_is_not_a_database_is_refused_by_every_operation(db_path, open_ledger):
    db_path.write_bytes(b"\x00garbage" * 512)
    for out in every_operation(open_ledger()):
        assert (out["ok"], out["error"]["code"]) == (False, "storage_corrupt")
        assert str(db_path) in out["error"]["message"]
        assert "not an SQLite database" in out["error"]["message"]
    assert db_path.read_bytes() == b"\x00garbage" * 512  # left as found


def test_damaged_pages_are_refused_not_raised(ledger, db_path, open_ledger):
    for n in range(60):
        grant(ledger, f"usr_{n}", "a", metadata={"padding": "x" * 500})
    ledger.close()
    with db_path.open("r+b") as db:  # keep the header, smash pages 2 to 5
        db.seek(4096)
        db.write(os.urandom(4 * 4096))
    answers = every_operation(open_ledger())
    for out in answers:
        assert out["ok"] or out["error"]["code"] in STORAGE_CODES, out
    chain = answers[-1]
    assert chain["ok"] is False or chain["valid"] is False


def test_a_locked_database_is_a_busy_refusal_and_the_retry_records(ledger, db_path, open_ledger):
    grant(ledger, "usr_0", "a")
    impatient = open_ledger(busy_timeout_s=0.05)
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
    try:
        out = impatient.record({"user_id": "usr_1", "scope": "a", "metadata": {}})
        assert (out["ok"], out["error"]["code"]) == (False, "storage_busy")
        assert str(db_path) in out["error"]["message"]
        assert "retry" in out["error"]["message"]
        assert impatient.verify_consent("usr_0", "a")["allowed"] is True  # WAL: reads go on
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert impatient.record({"user_id": "usr_1", "scope": "a", "metadata": {}})["ok"] is True
    assert impatient.verify_chain()["length"] == 2  # the refused attempt left nothing


def test_an_exclusively_locked_database_refuses_reads_too(ledger, db_path, open_ledger):
    grant(ledger, "usr_0", "a")
    ledger.close()
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("PRAGMA locking_mode = EXCLUSIVE")
    blocker.execute("BEGIN IMMEDIATE")
    blocker.execute("INSERT INTO meta VALUES ('x', x'00')")
    try:
        out = open_ledger(busy_timeout_s=0.05).verify_consent("usr_0", "a")
        assert (out["ok"], out["error"]["code"]) == (False, "storage_busy")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def test_a_read_only_ledger_answers_reads_and_refuses_writes(ledger, open_ledger):
    grant(ledger, "usr_1", "a")
    reader = open_ledger(read_only=True)
    assert reader.verify_consent("usr_1", "a")["allowed"] is True
    assert reader.verify_chain()["valid"] is True
    for out in (
        reader.record({"user_id": "usr_2", "scope": "a", "metadata": {}}),
        reader.withdraw_consent("usr_1", "a"),
        reader.erase_subject("usr_1"),
    ):
        assert (out["ok"], out["error"]["code"]) == (False, "storage_read_only")
        assert "read-only" in out["error"]["message"]
    assert ledger.verify_chain()["length"] == 1
    assert ledger.verify_consent("usr_1", "a")["allowed"] is True


def _write_without_permission(path: str, queue) -> None:
    """In a child: drop to an unprivileged user if root, then try to write."""
    from candidate.governance.consent_ledger.keys import LedgerKeys
    from candidate.governance.consent_ledger.ledger import SqliteLedger
    from candidate.governance.consent_ledger.tests.conftest import MASTER

    if os.geteuid() == 0:
        os.setgid(65534)
        os.setuid(65534)  # nobody: the files are root's, so read-only for us
    ledger = SqliteLedger(path, LedgerKeys.from_master(MASTER))
    queue.put(
        [
            ledger.record({"user_id": "usr_2", "scope": "a", "metadata": {}}),
            ledger.verify_consent("usr_1", "a"),
        ]
    )


@pytest.fixture
def shared_dir():
    """A directory an unprivileged user can reach (pytest's tmp_path is private to us)."""
    directory = Path(tempfile.mkdtemp(prefix="ledger-ro-"))
    directory.chmod(0o755)
    yield directory
    directory.chmod(0o755)
    shutil.rmtree(directory)


def test_a_file_without_write_permission_is_a_read_only_refusal(shared_dir, open_ledger):
    directory = shared_dir
    path = directory / "ledger.db"
    ledger = open_ledger(path=path)
    grant(ledger, "usr_1", "a")  # stays open: the WAL and shm files exist, as in production
    if os.geteuid() != 0:
        path.chmod(stat.S_IRUSR)
        directory.chmod(stat.S_IRUSR | stat.S_IXUSR)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_write_without_permission, args=(str(path), queue))
    child.start()
    try:
        write, read = queue.get(timeout=30)
    finally:
        child.join(30)
        directory.chmod(0o755)
    assert (write["ok"], write["error"]["code"]) == (False, "storage_read_only")
    assert str(path) in write["error"]["message"]
    assert read["allowed"] is True  # reading needs no write permission
    assert ledger.verify_chain()["length"] == 1


def test_a_full_disk_is_a_refusal_and_what_was_acknowledged_stays(ledger):
    grant(ledger, "usr_0", "a")
    conn = ledger._conn
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # a disk with two pages left
    acknowledged, refused = [], None
    for n in range(1, 100):
        out = ledger.record({"user_id": f"usr_{n}", "scope": "a", "metadata": {"p": "x" * 900}})
        if not out["ok"]:
            refused = out
            break
        acknowledged.append(n)
    assert refused is not None
    assert refused["error"]["code"] == "storage_full"
    assert "disk is full" in refused["error"]["message"]
    chain = ledger.verify_chain()
    assert (chain["valid"], chain["length"]) == (True, len(acknowledged) + 1)
    assert all(ledger.verify_consent(f"usr_{n}", "a")["allowed"] for n in acknowledged)


def test_a_path_that_cannot_be_created_is_unavailable(tmp_path, open_ledger):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    out = open_ledger(path=blocker / "ledger.db").verify_consent("usr_1", "a")
    assert (out["ok"], out["error"]["code"]) == (False, "storage_unavailable")
    assert "not-a-directory" in out["error"]["message"]


def test_after_a_refusal_the_ledger_works_again(db_path, open_ledger):
    db_path.write_bytes(b"junk")
    ledger = open_ledger()
    assert ledger.verify_consent("usr_1", "a")["error"]["code"] == "storage_corrupt"
    db_path.unlink()  # the operator restores (here: removes) the file
    assert grant(ledger, "usr_1", "a")["seq"] == 1


class _Busy:
    """A connection whose journal-mode pragma is busy ``times`` times, then answers."""

    def __init__(self, times: int, code: int = 5) -> None:
        self.times, self.code, self.calls = times, code, 0

    def execute(self, _query):
        self.calls += 1
        if self.calls <= self.times:
            error = sqlite3.OperationalError("database is locked")
            error.sqlite_errorcode = self.code
            raise error
        return self

    def fetchone(self):
        return ("wal",)


def test_switching_a_new_file_to_wal_waits_while_other_processes_hold_it():
    """SQLite answers this pragma SQLITE_BUSY at once while other processes open or switch
    the same new file (test_concurrency's writers hit it): it is retried, not refused."""
    from candidate.governance.consent_ledger.storage import _journal_mode

    busy = _Busy(times=3)
    assert _journal_mode(busy, "PRAGMA journal_mode=WAL", busy_timeout_s=5.0) == "wal"
    assert busy.calls == 4


def test_switching_to_wal_gives_up_at_the_busy_timeout_and_on_other_errors():
    from candidate.governance.consent_ledger.storage import _journal_mode

    with pytest.raises(sqlite3.OperationalError):
        _journal_mode(_Busy(times=10**6), "PRAGMA journal_mode=WAL", busy_timeout_s=0.05)
    not_busy = _Busy(times=1, code=10)  # an I/O error: no point in waiting
    with pytest.raises(sqlite3.OperationalError):
        _journal_mode(not_busy, "PRAGMA journal_mode=WAL", busy_timeout_s=5.0)
    assert not_busy.calls == 1
