"""The hash chain: a stable encoding, and the first bad position for any tampering."""

import dataclasses
import hashlib

from hypothesis import given
from hypothesis import strategies as st

from candidate.governance.consent_ledger.chain import (
    Event,
    Walk,
    canonical,
    first_break,
    genesis,
    head_break,
    link,
)

START = genesis(bytes(16))
EVENT = Event(
    seq=1,
    kind="grant",
    subject="0123456789abcdef0123456789abcdef",
    scope="gmail.read",
    ts_ms=1_700_000_000_000,
    purpose="summaries",
    lawful_basis="consent",
    notice_version="2024-06",
    notice_hash="ab" * 32,
    payload=b"\x00\x01",
)


def test_the_encoding_is_frozen_so_old_ledgers_keep_verifying():
    # Changing these bytes breaks every existing chain: add a new ENCODING_VERSION instead.
    assert hashlib.sha256(b"lukhas-consent-ledger/v1/genesis\0" + bytes(16)).digest() == START
    assert canonical(EVENT, START) == (
        b'{"expires_ms":null,"kind":"grant","lawful_basis":"consent","notice_hash":"'
        + b"ab" * 32
        + b'","notice_version":"2024-06","payload":"AAE=","prev":"'
        + START.hex().encode()
        + b'","purpose":"summaries","scope":"gmail.read","seq":1,'
        b'"subject":"0123456789abcdef0123456789abcdef","ts_ms":1700000000000,"v":1}'
    )
    assert link(EVENT, START).hex() == (
        "46ed618370757b92312691a4c79502758c5a3faab377ae7506f335d5e48941d3"
    )


def test_non_ascii_text_is_encoded_as_utf8_like_jcs():
    event = dataclasses.replace(EVENT, scope="région")
    assert '"scope":"région"'.encode() in canonical(event, START)


def build(count: int) -> list[tuple[Event, bytes]]:
    rows, prev = [], START
    for seq in range(1, count + 1):
        event = dataclasses.replace(EVENT, seq=seq, scope=f"scope-{seq}", ts_ms=seq)
        prev = link(event, prev)
        rows.append((event, prev))
    return rows


def walk(rows: list[tuple[Event, bytes]], head: tuple[int, bytes]) -> tuple[Walk, object]:
    result = first_break(rows, START)
    return result, result.broken or head_break(result, *head)


@given(st.integers(1, 12))
def test_an_untouched_chain_verifies(count):
    rows = build(count)
    result, broken = walk(rows, (count, rows[-1][1]))
    assert (result.length, broken) == (count, None)


FIELDS = st.sampled_from(
    ["kind", "subject", "scope", "ts_ms", "purpose", "notice_hash", "expires_ms", "payload"]
)


@given(st.data(), st.integers(1, 12), FIELDS)
def test_an_edited_row_is_named(data, count, field):
    rows = build(count)
    position = data.draw(st.integers(1, count))
    event, stored = rows[position - 1]
    edited = {
        "ts_ms": event.ts_ms + 1,
        "expires_ms": 5,
        "payload": b"\x00\x02",
    }.get(field, "x" if field != "kind" else "erase")
    rows[position - 1] = (dataclasses.replace(event, **{field: edited}), stored)
    _, broken = walk(rows, (count, rows[-1][1]))
    assert (broken.position, broken.problem) == (position, "altered")


@given(st.data(), st.integers(1, 12))
def test_an_edit_with_its_link_recomputed_shows_on_the_next_row(data, count):
    rows = build(count)
    position = data.draw(st.integers(1, count))
    event, _ = rows[position - 1]
    prev = START if position == 1 else rows[position - 2][1]
    forged = dataclasses.replace(event, scope="forged")
    rows[position - 1] = (forged, link(forged, prev))
    _, broken = walk(rows, (count, build(count)[-1][1]))  # the head names the original
    assert broken.position == min(position + 1, count)
    assert broken.problem == "altered"


@given(st.data(), st.integers(2, 12))
def test_a_deleted_row_is_named(data, count):
    rows = build(count)
    position = data.draw(st.integers(1, count - 1))
    del rows[position - 1]
    _, broken = walk(rows, (count, build(count)[-1][1]))
    assert (broken.position, broken.problem) == (position, "missing")


@given(st.data(), st.integers(2, 12))
def test_swapped_rows_are_named_at_the_first_of_them(data, count):
    rows = build(count)
    first = data.draw(st.integers(1, count - 1))
    second = data.draw(st.integers(first + 1, count))
    # Swap the contents and links, keep the positions: what reordering rows looks like.
    (a, link_a), (b, link_b) = rows[first - 1], rows[second - 1]
    rows[first - 1] = (dataclasses.replace(b, seq=first), link_b)
    rows[second - 1] = (dataclasses.replace(a, seq=second), link_a)
    _, broken = walk(rows, (count, rows[-1][1]))
    assert (broken.position, broken.problem) == (first, "altered")


@given(st.integers(1, 12), st.integers(1, 5))
def test_rows_cut_off_the_end_are_named_by_the_head(count, cut):
    full = build(count + cut)
    _, broken = walk(full[:count], (count + cut, full[-1][1]))
    assert (broken.position, broken.problem) == (count + 1, "missing")


def test_rows_added_behind_the_ledgers_back_are_unexpected():
    rows = build(4)
    _, broken = walk(rows, (3, rows[2][1]))
    assert (broken.position, broken.problem) == (4, "unexpected")


def test_a_stored_link_of_the_wrong_type_is_an_edit():
    rows = build(3)
    rows[1] = (rows[1][0], rows[1][1].hex())
    _, broken = walk(rows, (3, rows[-1][1]))
    assert (broken.position, broken.problem) == (2, "altered")
    rows = build(3)
    rows[2] = (dataclasses.replace(rows[2][0], payload="text"), rows[2][1])
    _, broken = walk(rows, (3, rows[-1][1]))
    assert (broken.position, broken.problem) == (3, "altered")
