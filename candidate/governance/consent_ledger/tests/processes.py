"""Start writer processes (see ``writer.py``) and collect what they acknowledged."""

import base64
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from candidate.governance.consent_ledger.keys import LedgerKeys
from candidate.governance.consent_ledger.ledger import SqliteLedger
from candidate.governance.consent_ledger.tests.conftest import MASTER

ROOT = Path(__file__).resolve().parents[4]
KEY = base64.b64encode(MASTER).decode()  # the writers' master key, as configured in production
SCOPE = "burst"


@dataclass
class Writer:
    """One writer process and the record numbers it acknowledged."""

    process: subprocess.Popen[str]
    prefix: str
    acked: list[int] = field(default_factory=list)

    def read_acks(self, until: int | None = None) -> None:
        """Read acknowledgements until ``until`` of them, or until the output ends."""
        assert self.process.stdout is not None
        while until is None or len(self.acked) < until:
            line = self.process.stdout.readline()
            if not line:
                return
            kind, *rest = line.split()
            assert kind == "ack", line
            self.acked.append(int(rest[0]))


def start(path: Path, prefix: str, count: int, *options: str) -> Writer:
    """Start a writer and wait until it is wired and ready."""
    command = [sys.executable, "-m", "candidate.governance.consent_ledger.tests.writer"]
    process = subprocess.Popen(
        [*command, str(path), KEY, prefix, str(count), *options],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    ready = process.stdout.readline()
    assert ready == "ready\n", ready + process.stderr.read()
    return Writer(process, prefix)


def finish(writer: Writer, timeout: float = 120) -> None:
    """Read the rest of a writer's acknowledgements and wait for it to end."""
    writer.read_acks()
    writer.process.wait(timeout)
    assert writer.process.stderr is not None
    writer.process.stderr.close()
    assert writer.process.stdout is not None
    writer.process.stdout.close()


def reopen(path: Path) -> SqliteLedger:
    """The ledger as a process that starts after the writers would open it."""
    return SqliteLedger(path, LedgerKeys.from_master(MASTER))


def assert_nothing_acknowledged_was_lost(path: Path, writers: list[Writer]) -> dict:
    """Every acknowledged record is in the ledger, and the chain verifies; return the
    verify_chain answer."""
    ledger = reopen(path)
    try:
        chain = ledger.verify_chain()
        assert chain["ok"] and chain["valid"], chain
        acked = sum(len(w.acked) for w in writers)
        assert chain["length"] >= acked
        for writer in writers:
            for n in writer.acked:
                verdict = ledger.verify_consent(f"{writer.prefix}-{n}", SCOPE)
                assert verdict["allowed"] is True, (writer.prefix, n, verdict)
        return chain
    finally:
        ledger.close()
