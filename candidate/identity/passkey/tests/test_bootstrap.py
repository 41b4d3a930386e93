"""bootstrap.wire: the real provider is registered only when the slice is live."""

import pytest

from candidate.identity.passkey import WebAuthnProvider, wire
from candidate.identity.passkey.testing import PasskeyCeremony, provider_config
from lukhas.flags import DRY_RUN_MODE
from lukhas.identity.passkey import FEATURE_FLAG, get_provider, reset, verify_passkey


@pytest.fixture(autouse=True)
def clean_registry(monkeypatch):
    for name in (FEATURE_FLAG, DRY_RUN_MODE):
        monkeypatch.delenv(name, raising=False)
    reset()
    yield
    provider = get_provider(enabled=True)
    reset()
    if isinstance(provider, WebAuthnProvider):
        provider.close()


@pytest.mark.parametrize(
    ("flag", "dry_run"), [(None, None), ("true", None), ("true", "true"), ("false", "false")]
)
def test_not_live_wires_nothing_and_creates_nothing(monkeypatch, tmp_path, flag, dry_run):
    for name, value in ((FEATURE_FLAG, flag), (DRY_RUN_MODE, dry_run)):
        if value is not None:
            monkeypatch.setenv(name, value)
    assert wire(**provider_config(tmp_path)) is False
    assert get_provider(enabled=True).name == "null"
    assert list(tmp_path.iterdir()) == []


def test_live_wires_the_provider_and_the_slice_verifies_for_real(monkeypatch, tmp_path):
    monkeypatch.setenv(FEATURE_FLAG, "true")
    monkeypatch.setenv(DRY_RUN_MODE, "false")
    assert wire(**provider_config(tmp_path)) is True
    provider = get_provider(enabled=True)
    assert isinstance(provider, WebAuthnProvider) and provider.name == "webauthn"
    ceremony = PasskeyCeremony(provider)
    ceremony.enroll()
    answer = verify_passkey(ceremony.assertion())
    assert (answer["ok"], answer["verified"], answer["mode"]) == (True, True, "live")


def test_a_bad_config_raises_at_wiring_time(monkeypatch, tmp_path):
    monkeypatch.setenv(FEATURE_FLAG, "true")
    monkeypatch.setenv(DRY_RUN_MODE, "false")
    with pytest.raises(ValueError, match="origins"):
        wire(**provider_config(tmp_path, origins=["https://elsewhere.example"]))
    assert get_provider(enabled=True).name == "null"
