"""Criterion 5: record_consent within the manifest's budget (p95 50 ms, p99 100 ms), with
the null provider and with the real ledger's durable commits."""

import pytest

from lukhas.governance.consent_ledger import FEATURE_FLAG, record_consent


@pytest.mark.feature_matrix(FEATURE_FLAG)
@pytest.mark.sla  # the budget comes from MODULE_MANIFEST.json
def test_record_consent_is_within_the_slices_budget(sla_benchmark, feature_flags):
    answer = sla_benchmark(record_consent, "usr_sla", "analytics", {"source": "sla"})
    live = feature_flags.states[FEATURE_FLAG]
    assert answer["ok"] is True
    assert answer["mode"] == ("live" if live else "dry_run")
