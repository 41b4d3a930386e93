"""record_consent with the real ledger against a bare SQLite insert, measured in one run.

Both rows commit durably with the same settings (``storage.connect``: WAL,
``synchronous=FULL``): one transaction and one fdatasync of the WAL per call. The
ledger's row goes through the accepted API (flag on, dry-run off, wired by
``bootstrap.wire``) and pays for the HMAC lookup, a new subject's data key, AES-GCM, the
hash chain, the current state and the chain head.

An fsync's cost depends on everything else the disk is doing, so the rows are
interleaved: every timed round of one row follows one untimed call of the other, and
both see the same disk. The first WARMUP rounds are not timed. p50/p95/p99 come from the
raw rounds (pytest-benchmark reports no percentiles); the ratio line is printed at the
end, with the load average of the run.

    .venv/bin/pytest benchmarks/test_consent_ledger.py --benchmark-only
"""

import itertools
import os
import time

import pytest

from candidate.governance.consent_ledger.bootstrap import wire
from candidate.governance.consent_ledger.keys import new_master_key
from candidate.governance.consent_ledger.storage import connect
from lukhas.flags import DRY_RUN_MODE
from lukhas.governance.consent_ledger import FEATURE_FLAG, get_provider, record_consent
from lukhas.observability import SINK_ENV

ROUNDS = 3000
WARMUP = 1000
GROUP = "consent ledger: one durable commit per call"
RESULTS: dict[str, dict[str, float]] = {}
_numbers = itertools.count()


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
    """One bare insert of a row of the same size, committed with the same settings."""
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


@pytest.mark.benchmark(group=GROUP)
def test_record_consent(benchmark, record_once, insert_once):
    benchmark.pedantic(
        record_once, setup=insert_once, rounds=ROUNDS, warmup_rounds=WARMUP, iterations=1
    )
    summarise(benchmark, "record_consent")


@pytest.mark.benchmark(group=GROUP)
def test_bare_insert(benchmark, record_once, insert_once):
    benchmark.pedantic(
        insert_once, setup=record_once, rounds=ROUNDS, warmup_rounds=WARMUP, iterations=1
    )
    summarise(benchmark, "bare_insert")


def summarise(benchmark, name: str) -> None:
    if benchmark.stats is None:  # --benchmark-disable
        return
    rounds = sorted(benchmark.stats.stats.data)
    row = {
        f"p{q}_ms": rounds[min(len(rounds) - 1, len(rounds) * q // 100)] * 1000
        for q in (50, 95, 99)
    }
    row["ops_per_s"] = len(rounds) / sum(rounds)
    row["loadavg_1m"] = os.getloadavg()[0]
    benchmark.extra_info.update(row)
    RESULTS[name] = row


@pytest.fixture(scope="module", autouse=True)
def ratio_line(request):
    yield
    if {"record_consent", "bare_insert"} <= RESULTS.keys():
        ours, bare = RESULTS["record_consent"], RESULTS["bare_insert"]
        lines = [
            f"{name:>15}: p50 {row['p50_ms']:.3f} ms  p95 {row['p95_ms']:.3f} ms  "
            f"p99 {row['p99_ms']:.3f} ms  {row['ops_per_s']:.0f} calls/s  "
            f"(load average {row['loadavg_1m']:.2f})"
            for name, row in RESULTS.items()
        ]
        lines.append(
            f"record_consent / bare insert: p95 {ours['p95_ms'] / bare['p95_ms']:.2f}x, "
            f"throughput {ours['ops_per_s'] / bare['ops_per_s']:.2f}x"
        )
        plugins = request.config.pluginmanager
        with plugins.get_plugin("capturemanager").global_and_fixture_disabled():
            reporter = plugins.get_plugin("terminalreporter")
            for line in ["", *lines]:
                reporter.write_line(line)
