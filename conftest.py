"""Root conftest: pytest plugins shared by every test of this repository."""

pytest_plugins = ["candidate.governance.consent_ledger.testing"]
