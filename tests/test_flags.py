"""lukhas.flags: boolean flags read from the environment on every call."""

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lukhas.flags import DRY_RUN_MODE, OFFLINE, FlagError, dry_run, flag, live, offline

FLAG = "FEATURE_TEST_FLAG"
TRUE = ["true", "1", "yes", "on"]
FALSE = ["false", "0", "no", "off"]
WHITESPACE = st.text(alphabet=" \t\n\r", max_size=3)


def mixed_case(word: str) -> st.SearchStrategy[str]:
    return st.tuples(*(st.sampled_from([c.lower(), c.upper()]) for c in word)).map("".join)


@pytest.fixture
def setenv(monkeypatch):
    def set_(name: str, value: str | None) -> None:
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)

    return set_


@pytest.mark.parametrize("default", [False, True])
@pytest.mark.parametrize("value", [None, "", "   "])
def test_unset_or_empty_gives_the_default(setenv, value, default):
    setenv(FLAG, value)
    assert flag(FLAG, default=default) is default


@given(
    word=st.sampled_from(TRUE + FALSE).flatmap(mixed_case),
    before=WHITESPACE,
    after=WHITESPACE,
    default=st.booleans(),
)
def test_accepted_spellings_in_any_case_and_padding(word, before, after, default):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(FLAG, f"{before}{word}{after}")
        assert flag(FLAG, default=default) is (word.lower() in TRUE)


# What an environment variable can hold: no NUL, no unpaired surrogates.
ENV_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))


@given(ENV_TEXT.filter(lambda s: s.strip().lower() not in {"", *TRUE, *FALSE}))
def test_any_other_value_is_a_flag_error_naming_variable_value_and_spellings(value):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(FLAG, value)
        with pytest.raises(FlagError) as info:
            flag(FLAG)
    message = str(info.value)
    assert FLAG in message
    assert repr(value) in message
    assert all(word in message for word in TRUE + FALSE)
    assert isinstance(info.value, ValueError)
    assert (info.value.name, info.value.value) == (FLAG, value)


def test_flag_error_survives_pickling():
    error = pickle.loads(pickle.dumps(FlagError(FLAG, "maybe")))
    assert (error.name, error.value, str(error)) == (FLAG, "maybe", str(FlagError(FLAG, "maybe")))


def test_flags_are_read_at_call_time(setenv):
    setenv(FLAG, "on")
    assert flag(FLAG) is True
    setenv(FLAG, "off")
    assert flag(FLAG) is False
    setenv(FLAG, None)
    assert flag(FLAG) is False


def test_dry_run_and_offline_default_on(setenv):
    setenv(DRY_RUN_MODE, None)
    setenv(OFFLINE, None)
    assert dry_run() is True
    assert offline() is True
    setenv(DRY_RUN_MODE, "false")
    setenv(OFFLINE, "0")
    assert dry_run() is False
    assert offline() is False


@pytest.mark.parametrize(
    ("feature", "dry_run_mode", "expected"),
    [
        (None, None, False),  # the defaults: flag off, dry-run on
        ("true", None, False),  # dry-run mode is a master switch
        ("true", "true", False),
        ("false", "false", False),
        (None, "false", False),
        ("true", "false", True),  # the only way to go live
    ],
)
def test_live_needs_the_flag_on_and_dry_run_off(setenv, feature, dry_run_mode, expected):
    setenv(FLAG, feature)
    setenv(DRY_RUN_MODE, dry_run_mode)
    assert live(FLAG) is expected


@pytest.mark.parametrize(("feature", "dry_run_mode"), [("maybe", "false"), ("false", "maybe")])
def test_live_validates_both_variables(setenv, feature, dry_run_mode):
    setenv(FLAG, feature)
    setenv(DRY_RUN_MODE, dry_run_mode)
    bad = FLAG if feature == "maybe" else DRY_RUN_MODE
    with pytest.raises(FlagError, match=bad):
        live(FLAG)
