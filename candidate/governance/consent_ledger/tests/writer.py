"""A writer process for the concurrency and crash tests.

Wires the ledger like an application would, then records consents through the accepted
API and prints ``ack <n> <seq>`` for each one acknowledged, flushed before the next call:
whatever the parent has read was acknowledged. ``--die-in-commit N`` kills the process
with SIGKILL as SQLite starts the COMMIT of record N (after the row was written to the
transaction, before the commit reached the disk).

    python -m candidate.governance.consent_ledger.tests.writer PATH KEY PREFIX COUNT
"""

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from candidate.governance.consent_ledger.bootstrap import wire
from lukhas.flags import DRY_RUN_MODE
from lukhas.governance.consent_ledger import FEATURE_FLAG, get_provider, record_consent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("key")
    parser.add_argument("prefix")
    parser.add_argument("count", type=int)
    parser.add_argument("--go", type=Path, help="wait until this file exists, then write")
    parser.add_argument("--die-in-commit", type=int, default=None)
    args = parser.parse_args()
    os.environ[FEATURE_FLAG] = "true"
    os.environ[DRY_RUN_MODE] = "false"
    # A generous lock wait: these tests are about losing nothing, not about contention limits
    # (on a loaded CI machine 4 writers with durable commits can queue for seconds).
    if not wire(path=args.path, key=args.key, busy_timeout_s=60.0):
        return 2
    print("ready", flush=True)
    while args.go is not None and not args.go.exists():
        time.sleep(0.001)
    for n in range(args.count):
        if n == args.die_in_commit:
            die_at_next_commit()
        out = record_consent(f"{args.prefix}-{n}", "burst", {"n": n})
        if not out["ok"]:
            print("refused", out["error"]["code"], out["error"]["message"], flush=True)
            return 1
        sys.stdout.write(f"ack {n} {out['seq']}\n")
        sys.stdout.flush()
    return 0


def die_at_next_commit() -> None:
    def trace(statement: str) -> None:
        if statement == "COMMIT":
            os.kill(os.getpid(), signal.SIGKILL)

    get_provider(enabled=True)._conn.set_trace_callback(trace)


if __name__ == "__main__":
    sys.exit(main())
