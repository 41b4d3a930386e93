"""Fixtures shared by the context bus tests."""

import pytest

from lukhas.observability import SINK_ENV


@pytest.fixture(autouse=True)
def no_env_sink(monkeypatch):
    """Nodes go only where a test captures them."""
    monkeypatch.delenv(SINK_ENV, raising=False)
