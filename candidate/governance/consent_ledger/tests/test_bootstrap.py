"""wire(): the real ledger becomes the slice's provider only when the slice is live."""

import base64

import pytest

from candidate.governance.consent_ledger.bootstrap import (
    KEY_ENV,
    KEY_FILE_ENV,
    PATH_ENV,
    build,
    wire,
)
from candidate.governance.consent_ledger.errors import LedgerConfigError
from candidate.governance.consent_ledger.ledger import SqliteLedger
from lukhas.flags import DRY_RUN_MODE
from lukhas.governance.consent_ledger import (
    FEATURE_FLAG,
    get_provider,
    record_consent,
    reset,
)
from lukhas.governance.consent_ledger.providers.null_consent import NullConsentProvider

KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture(autouse=True)
def clean(monkeypatch):
    for name in (FEATURE_FLAG, DRY_RUN_MODE, PATH_ENV, KEY_ENV, KEY_FILE_ENV):
        monkeypatch.delenv(name, raising=False)
    reset()  # forget the ledger the testing plugin registered: wire() is under test


def go_live(monkeypatch):
    monkeypatch.setenv(FEATURE_FLAG, "true")
    monkeypatch.setenv(DRY_RUN_MODE, "false")


@pytest.mark.parametrize(
    ("flag", "dry_run"), [(None, None), ("true", None), ("true", "true"), ("false", "false")]
)
def test_wire_registers_nothing_unless_the_slice_is_live(monkeypatch, tmp_path, flag, dry_run):
    for name, value in ((FEATURE_FLAG, flag), (DRY_RUN_MODE, dry_run)):
        if value is not None:
            monkeypatch.setenv(name, value)
    assert wire(path=tmp_path / "ledger.db", key=KEY) is False
    assert isinstance(get_provider(enabled=True), NullConsentProvider)


def test_wire_registers_the_ledger_when_live_and_opens_it_on_first_use(monkeypatch, tmp_path):
    go_live(monkeypatch)
    path = tmp_path / "data" / "ledger.db"
    assert wire(path=path, key=KEY) is True
    provider = get_provider(enabled=True)
    assert isinstance(provider, SqliteLedger)
    assert provider.name == "sqlite-ledger"
    assert not path.exists()
    assert record_consent("usr_1", "a")["provider"] == "sqlite-ledger"
    assert path.exists()
    provider.close()


def test_the_environment_configures_what_arguments_do_not(monkeypatch, tmp_path):
    key_file = tmp_path / "ledger.key"
    key_file.write_text(KEY)
    monkeypatch.setenv(PATH_ENV, str(tmp_path / "env.db"))
    monkeypatch.setenv(KEY_FILE_ENV, str(key_file))
    assert build().path == tmp_path / "env.db"
    assert build(path=tmp_path / "arg.db").path == tmp_path / "arg.db"
    monkeypatch.setenv(KEY_ENV, "not a key")
    with pytest.raises(LedgerConfigError, match=KEY_ENV):
        build()  # the key variable wins over the key file variable


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"key": KEY}, f"no consent ledger path: pass path= or set {PATH_ENV}"),
        (
            {"path": "x.db"},
            f"no consent ledger master key: pass key= or key_file=, or set {KEY_ENV}",
        ),
        ({"path": "x.db", "key": KEY, "key_file": "k"}, "either key= or key_file=, not both"),
        ({"path": "x.db", "key": "c2hvcnQ="}, "key=: expected a 32-byte key in base64"),
        ({"path": "x.db", "key_file": "/nonexistent/k"}, "cannot read the consent ledger key file"),
        ({"path": "x.db", "key": KEY, "busy_timeout_s": -1}, "busy_timeout_s must be >= 0"),
    ],
)
def test_unusable_configuration_is_refused_with_the_setting_to_fix(monkeypatch, config, message):
    go_live(monkeypatch)
    with pytest.raises(LedgerConfigError, match=message.replace("(", r"\(")):
        wire(**config)
    assert isinstance(get_provider(enabled=True), NullConsentProvider)
