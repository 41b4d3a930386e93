"""The consent ledger through the accepted API against bare SQLite, in the same rounds.

Writes: ``record_consent`` against a bare insert of a row of about the same size. Both
commit durably with the same settings (``storage.connect``: WAL, ``synchronous=FULL``):
one transaction and one fdatasync of the WAL per call. The ledger's call goes through the
accepted API (flag on, dry-run off, wired by ``bootstrap.wire``) and pays for the HMAC
lookup, a new subject's data key, AES-GCM, the hash chain, the current state and the
chain head. Reads: ``verify_consent`` (1000 recorded subjects) against a bare
primary-key SELECT.

An fsync's cost, and a call's on a busy machine, changes from one second to the next,
so each pair is measured in the same rounds: pytest-benchmark times the ledger's call,
and the baseline's call runs, timed with ``perf_counter``, just before it in every round
(pedantic mode's ``setup``). The first WARMUP rounds are not counted. p50/p95/p99 come
from the raw rounds (pytest-benchmark reports no percentiles) and go into
``extra_info``; the ratios are printed at the end, with the load average.

    .venv/bin/pytest benchmarks/test_consent_ledger.py --benchmark-only
"""

import itertools
import os
import time
from collections.abc import Callable

import pytest

from candidate.governance.consent_ledger.bootstrap import wire
from candidate.governance.consent_ledger.keys import new_master_key
from candidate.governance.consent_ledger.storage import connect
from lukhas.flags import DRY_RUN_MODE
from lukhas.governance.consent_ledger import (
    FEATURE_FLAG,
    get_provider,
    record_consent,
    verify_consent,
)
from lukhas.observability import SINK_ENV

ROUNDS = 3000
WARMUP = 1000
LINES: list[str] = []
_numbers = itertools.count()


class Timed:
    """Calls ``func`` and keeps the duration of each call."""

    def __init__(self, func: Callable[[], object]) -> None:
        self.func = func
        self.samples: list[float] = []

    def __call__(self) -> None:
        start = time.perf_counter()
        self.func()
        self.samples.append(time.perf_counter() - start)


@pytest.fixture
def record_once(monkeypatch, tmp_path):
    """One record_consent through the accepted API, for a new subject each time."""
    monkeypatch.delenv(SINK_ENV, raising=False)
    monkeypatch.setenv(FEATURE_FLAG, "true")
    monkeypatch.setenv(DRY_RUN_MODE, "false")
    assert wire(path=tmp_path / "ledger.db", key=new_master_key())

    def once():
        n = next(_numbers)
        out = record_consent(f"usr_{n}", "newsletter", {"source": "signup form", "n": n})
        assert out["provider"] == "sqlite-ledger", out

    yield once
    get_provider(enabled=True).close()


@pytest.fixture
def insert_once(tmp_path):
    """One bare insert of a row of about the same size, committed with the same settings."""
    conn = connect(tmp_path / "bare.db", busy_timeout_s=5.0, read_only=False)
    conn.execute(
        "CREATE TABLE events (seq INTEGER PRIMARY KEY, subject TEXT, scope TEXT, "
        "ts_ms INTEGER, payload BLOB)"
    )

    def once():
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO events (subject, scope, ts_ms, payload) VALUES (?, ?, ?, ?)",
            (f"usr_{next(_numbers)}", "newsletter", time.time_ns() // 10**6, os.urandom(200)),
        )
        conn.execute("COMMIT")

    yield once
    conn.close()


@pytest.mark.benchmark(group="consent ledger: writes, one durable commit per call")
def test_record_consent_against_a_bare_insert(benchmark, record_once, insert_once):
    bare = Timed(insert_once)
    benchmark.pedantic(record_once, setup=bare, rounds=ROUNDS, warmup_rounds=WARMUP)
    compare(benchmark, "record_consent", "bare insert", bare.samples[WARMUP:])


@pytest.mark.benchmark(group="consent ledger: reads")
def test_verify_consent_against_a_bare_select(benchmark, record_once, insert_once, tmp_path):
    for _ in range(1000):
        record_once()
        insert_once()
    last = next(_numbers)  # the last 2000 numbers went to the users and rows just written
    users = itertools.cycle([f"usr_{n}" for n in range(last - 2000, last, 2)])
    conn = connect(tmp_path / "bare.db", busy_timeout_s=5.0, read_only=True)
    seqs = itertools.cycle(range(1, 1001))

    def select():
        conn.execute("SELECT scope, ts_ms FROM events WHERE seq = ?", (next(seqs),)).fetchone()

    def verify():
        assert verify_consent(next(users), "newsletter")["allowed"] is True

    bare = Timed(select)
    benchmark.pedantic(verify, setup=bare, rounds=ROUNDS, warmup_rounds=WARMUP)
    conn.close()
    compare(benchmark, "verify_consent", "bare select", bare.samples[WARMUP:])


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    row = {f"p{q}_ms": ordered[len(ordered) * q // 100] * 1000 for q in (50, 95, 99)}
    return row | {"calls_per_s": len(ordered) / sum(ordered)}


def compare(benchmark, ours: str, baseline: str, baseline_samples: list[float]) -> None:
    """Record both rows' figures in ``extra_info`` and queue the lines to print."""
    if benchmark.stats is None:  # --benchmark-disable: nothing was timed
        return
    mine = percentiles(benchmark.stats.stats.data)
    base = percentiles(baseline_samples)
    benchmark.extra_info.update({ours: mine, baseline: base, "loadavg": os.getloadavg()})
    for name, row in ((ours, mine), (baseline, base)):
        LINES.append(
            f"{name:>15}: p50 {row['p50_ms']:.3f} ms  p95 {row['p95_ms']:.3f} ms  "
            f"p99 {row['p99_ms']:.3f} ms  {row['calls_per_s']:.0f} calls/s"
        )
    LINES.append(
        f"{ours} / {baseline}: p95 {mine['p95_ms'] / base['p95_ms']:.2f}x, "
        f"throughput {mine['calls_per_s'] / base['calls_per_s']:.2f}x "
        f"(load average {os.getloadavg()[0]:.2f})"
    )


@pytest.fixture(scope="module", autouse=True)
def print_lines(request):
    yield
    plugins = request.config.pluginmanager
    with plugins.get_plugin("capturemanager").global_and_fixture_disabled():
        reporter = plugins.get_plugin("terminalreporter")
        for line in ["", *LINES]:
            reporter.write_line(line)
