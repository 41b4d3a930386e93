"""The pytest plugin: the real provider is wired for the slice's tests only when live."""

import pytest

from candidate.identity.passkey import testing
from lukhas.flags import DRY_RUN_MODE
from lukhas.identity.passkey import FEATURE_FLAG, get_provider

SLICE_TEST = """
from lukhas.identity.passkey import get_provider, verify_passkey


def test_wiring(passkey_live_provider):
    expected = {expected!r}
    if expected == "webauthn":
        assert get_provider(enabled=True) is passkey_live_provider
    else:
        assert passkey_live_provider is None
    assert get_provider(enabled=True).name == expected


def test_fixtures(passkey_assertion, passkey_credential):
    answer = verify_passkey(passkey_assertion)
    assert answer["ok"] is True
    assert answer["verified"] is ({expected!r} == "webauthn")
    assert answer["credential_id"] == passkey_credential["credential_id"]
"""


@pytest.fixture
def slice_project(pytester, monkeypatch):
    """A project whose tests count as the passkey slice's, using the plugin."""
    monkeypatch.setattr(testing, "SLICE_DIR", pytester.path)
    for name in (FEATURE_FLAG, DRY_RUN_MODE):
        monkeypatch.delenv(name, raising=False)
    return pytester


@pytest.mark.parametrize(
    ("flag", "dry_run", "expected"),
    [("true", "false", "webauthn"), ("true", None, "null"), (None, "false", "null")],
)
def test_the_provider_is_wired_when_the_slice_is_live(
    slice_project, monkeypatch, flag, dry_run, expected
):
    for name, value in ((FEATURE_FLAG, flag), (DRY_RUN_MODE, dry_run)):
        if value is not None:
            monkeypatch.setenv(name, value)
    slice_project.makepyfile(test_slice=SLICE_TEST.format(expected=expected))
    result = slice_project.runpytest("-p", "candidate.identity.passkey.testing")
    result.assert_outcomes(passed=2)
    assert get_provider(enabled=True).name == "null", "unwired after the test"


def test_tests_outside_the_slice_are_left_alone(pytester, monkeypatch):
    monkeypatch.setenv(FEATURE_FLAG, "true")
    monkeypatch.setenv(DRY_RUN_MODE, "false")
    pytester.makepyfile(
        test_other="""
        def test_other(passkey_live_provider):
            assert passkey_live_provider is None
        """
    )
    pytester.runpytest("-p", "candidate.identity.passkey.testing").assert_outcomes(passed=1)


def test_a_malformed_flag_leaves_the_error_to_the_slice(slice_project, monkeypatch):
    monkeypatch.setenv(FEATURE_FLAG, "sometimes")
    slice_project.makepyfile(
        test_slice="""
        import pytest
        from lukhas.flags import FlagError
        from lukhas.identity.passkey import verify_passkey

        def test_flag_error(passkey_live_provider):
            assert passkey_live_provider is None
            with pytest.raises(FlagError):
                verify_passkey({})
        """
    )
    slice_project.runpytest("-p", "candidate.identity.passkey.testing").assert_outcomes(passed=1)
