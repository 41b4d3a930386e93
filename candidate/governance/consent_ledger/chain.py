"""The hash chain that makes the event log tamper-evident (after RFC 6962's append-only log).

Each event's link is ``SHA-256(canonical({event fields..., "prev": previous link}))``; the
first event's previous link is the ledger's genesis value. Changing, removing or moving a
row changes the links from that row on, so :func:`first_break` names the first position
where the stored chain stops agreeing with its content.

The canonical encoding is JSON with sorted keys, no whitespace, UTF-8, holding only
strings, integers and null (bytes in base64): for these values, the same bytes as RFC 8785
(JCS), so a verifier in another language can recompute every link.
"""

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

ENCODING_VERSION = 1
_JCS = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Event:
    """One row of the log. ``subject`` is a pseudonym; ``payload`` is sealed metadata."""

    seq: int
    kind: str
    subject: str
    scope: str
    ts_ms: int
    purpose: str | None = None
    lawful_basis: str | None = None
    notice_version: str | None = None
    notice_hash: str | None = None
    expires_ms: int | None = None
    payload: bytes | None = None


@dataclass(frozen=True)
class Break:
    """Where and how the chain stops verifying; ``problem`` is a stable code."""

    position: int
    problem: str  # "altered", "missing" or "unexpected"
    message: str


def genesis(ledger_id: bytes) -> bytes:
    """The link before the first event: bound to the ledger, so chains never mix."""
    return hashlib.sha256(b"lukhas-consent-ledger/v1/genesis\0" + ledger_id).digest()


def canonical(event: Event, prev: bytes) -> bytes:
    """The bytes an event's link is computed over."""
    document = {
        "v": ENCODING_VERSION,
        "seq": event.seq,
        "kind": event.kind,
        "subject": event.subject,
        "scope": event.scope,
        "ts_ms": event.ts_ms,
        "purpose": event.purpose,
        "lawful_basis": event.lawful_basis,
        "notice_version": event.notice_version,
        "notice_hash": event.notice_hash,
        "expires_ms": event.expires_ms,
        "payload": None if event.payload is None else base64.b64encode(event.payload).decode(),
        "prev": prev.hex(),
    }
    return _JCS.encode(document).encode()


def link(event: Event, prev: bytes) -> bytes:
    """The event's link: SHA-256 over its canonical encoding, which includes ``prev``."""
    return hashlib.sha256(canonical(event, prev)).digest()


@dataclass(frozen=True)
class Walk:
    """What walking the rows found: how many verified, the last link, the first break."""

    length: int
    last_link: bytes
    broken: Break | None


def first_break(rows: Iterable[tuple[Event, bytes]], start: bytes) -> Walk:
    """Walk ``(event, stored link)`` rows in position order from the genesis link ``start``;
    stop at the first row that is missing, edited or out of place."""
    prev, expected = start, 1
    for event, stored in rows:
        if event.seq != expected:
            return Walk(
                expected - 1,
                prev,
                Break(expected, "missing", f"rows {expected} to {event.seq - 1} are missing"),
            )
        if not _links(event, prev, stored):
            message = f"row {expected} was edited, or moved here from another position"
            return Walk(expected - 1, prev, Break(expected, "altered", message))
        prev, expected = stored, expected + 1
    return Walk(expected - 1, prev, None)


def head_break(walk: Walk, head_seq: int, head_link: bytes) -> Break | None:
    """Compare a complete walk with the chain head the ledger stored on its last append:
    rows cut off the end, or added behind the ledger's back, show here."""
    if head_seq > walk.length:
        first = walk.length + 1
        return Break(first, "missing", f"rows {first} to {head_seq} are missing at the end")
    if head_seq < walk.length:
        first = head_seq + 1
        return Break(first, "unexpected", f"rows from {first} on were not written by the ledger")
    if head_link != walk.last_link:
        return Break(head_seq, "altered", "the chain head does not match the last row")
    return None


def _links(event: Event, prev: bytes, stored: object) -> bool:
    # Rows edited by hand may hold values of any SQLite type: a wrong type is an edit.
    try:
        return isinstance(stored, bytes) and link(event, prev) == stored
    except TypeError:
        return False
