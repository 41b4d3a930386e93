"""The real consent ledger: SQLite, hash-chained, crypto-shredding erasure.

The provider behind ``lukhas.governance.consent_ledger``, registered at run time by
:func:`bootstrap.wire` when ``FEATURE_GOVERNANCE_LEDGER`` is on (see
``docs/consent-ledger.md``).
"""
