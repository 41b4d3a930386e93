"""The fast path's byte tests as first written, plain and slower: the tests compare the tuned
version in ``pytest_lukhas.boundaries`` with this one on generated input. One part is not a
copy: the test for a starred element is one regular expression here (a loop there)."""

from __future__ import annotations

import re

_PRINTABLE = bytes(range(0x20, 0x7F)) + b"\t\n\r"
_NOT_NESTING = bytes(b for b in range(256) if b not in b".([{+-*/%@&|^<>~")
NEEDS_AST = (
    b"import_", b"spec", b"run_", b"oader", b"resolve", b"load_", b"walk_", b"sitedir",
    b"env", b"TYPE_", b"Error", b"xcept", b"allow-",
)  # fmt: skip
_CONT = rb"(?:[ \t]|\\\r?\n)"
_GATED = (
    (b"[", re.compile(rb"(?:def|class)\s+\w+\s*\[")),
    (b"type", re.compile(rb"type" + _CONT + rb"+[A-Za-z_]\w*" + _CONT + rb"*[=\[]")),
    (b" " * 25, re.compile(rb"\n[ \t]{100}")),
    (b"\t", re.compile(rb"\n[ \t]{100}")),
)
_STRING_PREFIX = re.compile(rb"['\"](?<=[fFtTrR]['\"])")
_F_OR_T = frozenset({b"f", b"t", b"rf", b"fr", b"rt", b"tr"})
_STARRED = re.compile(rb"(?:\A|[(\[{\n\\])[ \t]*\*")  # nothing but blanks back to a bracket
_DEEP_RELATIVE = re.compile(rb"from" + _CONT + rb"*(?:\." + _CONT + rb"*){30}")
_NESTING_WORDS = (b"not", b"lambda", b"else", b"await", b"yield")


def fast_path_may_take(data: bytes) -> bool:
    if data.translate(None, _PRINTABLE):
        return False
    if any(marker in data for marker in NEEDS_AST):
        return False
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return False
    second_line_end = data.find(b"\n", data.find(b"\n") + 1)
    if b"coding" in (data if second_line_end < 0 else data[:second_line_end]):
        return False
    if b"sys" in data and b"path" in data:
        return False
    if any(marker in data and pattern.search(data) for marker, pattern in _GATED):
        return False
    if _has_f_or_t_string(data):
        return False
    if b"for" in data and _STARRED.search(data):
        return False
    if data.count(b".") >= 30 and _DEEP_RELATIVE.search(data):
        return False
    if len(data) > 1000:
        nesting = len(data.translate(None, _NOT_NESTING))
        if nesting + sum(data.count(word) for word in _NESTING_WORDS) > 1000:
            return False
    return data.count(b"(") + data.count(b"[") + data.count(b"{") <= 200


def _has_f_or_t_string(data: bytes) -> bool:
    for match in _STRING_PREFIX.finditer(data):
        quote = match.start()
        for start in (quote - 1, quote - 2):
            before = data[start - 1 : start] if start else b" "
            if data[start:quote].lower() in _F_OR_T and not (before.isalnum() or before == b"_"):
                return True
    return False
