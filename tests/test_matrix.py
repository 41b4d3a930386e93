"""The feature matrix: which flag states a test runs under, and the marker's bad arguments."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_lukhas.matrix import (
    MAX_COMBINATIONS,
    Matrix,
    MatrixError,
    pairwise,
    parse_marker,
    state_id,
)


def test_each_runs_all_off_then_each_flag_alone():
    assert [state_id(s) for s in Matrix(("A", "B", "C")).states()] == [
        "A=off-B=off-C=off",
        "A=on-B=off-C=off",
        "A=off-B=on-C=off",
        "A=off-B=off-C=on",
    ]


def test_all_runs_the_full_product():
    states = Matrix(("A", "B"), "all").states()
    assert [state_id(s) for s in states] == [
        "A=off-B=off",
        "A=off-B=on",
        "A=on-B=off",
        "A=on-B=on",
    ]


def test_the_default_mode_is_each():
    assert parse_marker(("A",), {}) == Matrix(("A",), "each")


@given(n=st.integers(min_value=0, max_value=16))
def test_pairwise_covers_every_pair_of_values_of_every_pair_of_flags(n):
    rows = pairwise(n)
    assert all(len(row) == n for row in rows)
    assert len(set(rows)) == len(rows)
    for i, j in itertools.combinations(range(n), 2):
        assert {(row[i], row[j]) for row in rows} == {(a, b) for a in (0, 1) for b in (0, 1)}


@given(n=st.integers(min_value=1, max_value=16))
def test_pairwise_covers_both_values_of_each_flag_and_starts_all_off(n):
    rows = pairwise(n)
    assert rows[0] == (False,) * n
    assert all({row[i] for row in rows} == {False, True} for i in range(n))


def test_pairwise_is_far_smaller_than_the_product():
    assert len(pairwise(10)) <= 12 < 2**10 // 50
    assert len(pairwise(2)) == 4


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((), {}, "no flags given"),
        (("A",), {"mode": "both"}, "mode must be one of each, all, pairwise, got 'both'"),
        (("A", "A"), {}, "flag(s) named twice: A"),
        ((42,), {}, "got 42"),
        ((["A", "B"],), {}, "got ['A', 'B']"),
        (("FEATURE A",), {}, "environment variable names"),
        (("A",), {"mode": "all", "flags": ["B"]}, "unknown argument(s) flags"),
        (tuple(f"F{i}" for i in range(7)), {"mode": "all"}, "128 runs, more than 64"),
    ],
)
def test_bad_marker_arguments_say_what_to_write(args, kwargs, message):
    with pytest.raises(MatrixError) as raised:
        parse_marker(args, kwargs)
    assert message in str(raised.value)


def test_all_is_allowed_up_to_the_limit():
    flags = tuple(f"F{i}" for i in range(6))
    assert len(parse_marker(flags, {"mode": "all"}).states()) == MAX_COMBINATIONS
