"""The ledger against a model of consent semantics, by hypothesis' stateful testing.

The model: per user and scope, nothing, a grant (with an optional expiry) or a
withdrawal. A grant replaces what was there; a withdrawal applies only to a grant (expired
or not); erasure forgets the user. Verification allows a grant that has not expired and
otherwise names why not. Each change appends one event. The ledger is also closed and
reopened (a restart), and its clock moves.
"""

import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from candidate.governance.consent_ledger.keys import LedgerKeys
from candidate.governance.consent_ledger.ledger import SqliteLedger
from candidate.governance.consent_ledger.tests.conftest import MASTER

USERS = st.sampled_from(["ana", "bo", "chen"])
SCOPES = st.sampled_from(["email", "sms", "ads"])
START = 1_700_000_000
# Semantics, not durability, are tested here (see test_crash.py for that): on a memory
# file system, where fsync costs nothing, the same examples run several times faster.
MEMORY_DIR = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


class ConsentMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="ledger-stateful-", dir=MEMORY_DIR))
        self.keys = LedgerKeys.from_master(MASTER)
        self.now = float(START)
        self.ledger = self._open()
        # The model: (user, scope) -> ("granted", expiry or None) or ("withdrawn", None)
        self.state: dict[tuple[str, str], tuple[str, float | None]] = {}
        self.history: dict[str, list[tuple[str, str, dict | None]]] = {}  # since erasure
        self.events = 0

    def _open(self) -> SqliteLedger:
        return SqliteLedger(self.directory / "ledger.db", self.keys, clock=lambda: self.now)

    @rule(user=USERS, scope=SCOPES, ttl=st.none() | st.integers(1, 4), n=st.integers(0, 9))
    def grant(self, user, scope, ttl, n):
        expires = None if ttl is None else self.now + ttl
        entry = {"user_id": user, "scope": scope, "metadata": {"n": n}, "expires_at": expires}
        out = self.ledger.record(entry)
        assert out["ok"], out
        self.state[(user, scope)] = ("granted", expires)
        self.history.setdefault(user, []).append(("grant", scope, {"n": n}))
        self.events += 1
        assert out["seq"] == self.events

    @rule(user=USERS, scope=SCOPES)
    def withdraw(self, user, scope):
        out = self.ledger.withdraw_consent(user, scope)
        granted = self.state.get((user, scope), (None, None))[0] == "granted"
        assert (out["ok"], out["withdrawn"]) == (True, granted)
        if granted:
            self.state[(user, scope)] = ("withdrawn", None)
            self.history[user].append(("withdraw", scope, None))
            self.events += 1

    @rule(user=USERS)
    def erase(self, user):
        out = self.ledger.erase_subject(user)
        known = user in self.history
        assert (out["ok"], out["erased"]) == (True, known)
        if known:
            self.state = {key: value for key, value in self.state.items() if key[0] != user}
            del self.history[user]
            self.events += 1

    @rule(seconds=st.integers(0, 3))  # small steps: expiries are met exactly
    def tick(self, seconds):
        self.now += seconds

    @rule()
    def restart(self):
        self.ledger.close()
        self.ledger = self._open()

    @precondition(lambda self: self.history)
    @rule(data=st.data())
    def export(self, data):
        user = data.draw(st.sampled_from(sorted(self.history)))
        out = self.ledger.export_subject(user)
        events = [(e["kind"], e["scope"], e.get("metadata")) for e in out["export"]["events"]]
        assert events == self.history[user]

    @invariant()
    def verification_matches_the_model(self):
        for user in ("ana", "bo", "chen"):
            for scope in ("email", "sms", "ads"):
                out = self.ledger.verify_consent(user, scope)
                assert (out["allowed"], out["reason"]) == self._expected(user, scope)

    @invariant()
    def the_chain_verifies_and_counts_every_event(self):
        out = self.ledger.verify_chain()
        assert (out["valid"], out["length"]) == (True, self.events), out

    def _expected(self, user: str, scope: str) -> tuple[bool, str | None]:
        status, expires = self.state.get((user, scope), ("none", None))
        if status == "granted" and expires is not None and expires <= self.now:
            return False, "expired"
        return (True, None) if status == "granted" else (False, status)

    def teardown(self) -> None:
        self.ledger.close()
        shutil.rmtree(self.directory, ignore_errors=True)


ConsentMachine.TestCase.settings = settings(max_examples=50, stateful_step_count=25, deadline=None)
test_the_ledger_follows_the_consent_model = ConsentMachine.TestCase
