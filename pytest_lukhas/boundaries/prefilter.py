"""Which files the fast path may take: ruff's parser (through grimp) instead of CPython's.

The fast path learns only two things from ruff: whether the file parses and on which lines
import statements start. A file goes to CPython's parser (:func:`.parse.parse_source`)
whenever its bytes show it may need more, or that the two parsers could disagree:

* what only the AST can tell: a call that may load a module or change the import path
  (the last part of every such name, or ``sys`` with ``path``, must appear in the source),
  ``TYPE_CHECKING``, an ``except`` that may catch ImportError (the names, a bare
  ``except:``), the allow-import pragma;
* bytes outside printable ASCII, a lone carriage return, a coding cookie: CPython decides
  the encoding, identifiers (NFKC) and line numbers;
* syntax ruff accepts and CPython 3.11 does not: f-strings and t-strings (PEP 701, 750),
  type parameters and ``type`` statements (PEP 695), ``except A, B:`` (PEP 758), unpacking
  in a comprehension (``[*a for a in b]``);
* CPython's limits (100 levels of indentation, 200 nested brackets, about 3,000 levels of
  nesting in the AST; every nesting level needs an operator, bracket or keyword, counted
  here), which also keep ruff far from its own stack limit (about 40,000 levels);
* a relative import of 30 levels or more (grimp's resolution of it can panic).

A file wrongly sent to CPython only costs time; the fast path must never take a file
CPython would read differently. Cheap substring tests run first; a regular expression only
runs on a file that contains its keyword.
"""

from __future__ import annotations

import re

_PRINTABLE = bytes(range(0x20, 0x7F)) + b"\t\n\r"
_NOT_NESTING = bytes(b for b in range(256) if b not in b".([{+-*/%@&|^<>~")
MAX_NESTING_TOKENS = 1000
MAX_OPENING_BRACKETS = 200

# Substrings of every name the AST pass looks for (see dynamic.py and parse.py):
# import_module __import__ find_spec spec_from_file_location run_module run_path
# get_loader find_loader SourceFileLoader SourcelessFileLoader resolve_name load_source
# walk_packages addsitedir environ putenv TYPE_CHECKING ImportError ModuleNotFoundError
# Exception except allow-import
NEEDS_AST = (
    b"import_", b"spec", b"run_", b"oader", b"resolve", b"load_", b"walk_", b"sitedir",
    b"env", b"TYPE_", b"Error", b"xcept", b"allow-",
)  # fmt: skip

_CONT = rb"(?:[ \t]|\\\r?\n)"  # whitespace within a logical line
_GATED = (  # (substring, pattern): the pattern runs only on a file with the substring
    (b"[", re.compile(rb"(?:def|class)\s+\w+\s*\[")),  # PEP 695
    (b"type", re.compile(rb"type" + _CONT + rb"+[A-Za-z_]\w*" + _CONT + rb"*[=\[]")),
    (b" " * 25, re.compile(rb"\n[ \t]{100}")),  # 100 levels of indentation
    (b"\t", re.compile(rb"\n[ \t]{100}")),
)
_STRING_PREFIX = re.compile(rb"['\"](?<=[fFtTrR]['\"])")  # a quote after f, t or r
_F_OR_T = frozenset({b"f", b"t", b"rf", b"fr", b"rt", b"tr"})
_DEEP_RELATIVE = re.compile(rb"from" + _CONT + rb"*(?:\." + _CONT + rb"*){30}")
_NESTING_WORDS = (b"not", b"lambda", b"else", b"await", b"yield")


def fast_path_may_take(data: bytes) -> bool:
    """Whether ruff's verdict and the import lines it finds say all the check needs."""
    if data.translate(None, _PRINTABLE):
        return False
    for marker in NEEDS_AST:
        if marker in data:
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
    if b"for" in data and _starred_after_bracket(data):
        return False
    if data.count(b".") >= 30 and _DEEP_RELATIVE.search(data):
        return False
    if len(data) > MAX_NESTING_TOKENS:  # each token is at least one byte
        nesting = len(data.translate(None, _NOT_NESTING))
        if nesting + sum(data.count(word) for word in _NESTING_WORDS) > MAX_NESTING_TOKENS:
            return False
    return data.count(b"(") + data.count(b"[") + data.count(b"{") <= MAX_OPENING_BRACKETS


def _has_f_or_t_string(data: bytes) -> bool:
    for match in _STRING_PREFIX.finditer(data):
        quote = match.start()
        for start in (quote - 1, quote - 2):
            before = data[start - 1 : start] if start else b" "
            if data[start:quote].lower() in _F_OR_T and not (before.isalnum() or before == b"_"):
                return True
    return False


def _starred_after_bracket(data: bytes) -> bool:
    """A ``*`` that may open an element of a display or comprehension (``[*a for ...]``):
    one after a bracket, or at the start of a line (a comment may hide the bracket)."""
    star = data.find(b"*")
    while star >= 0:
        before = star - 1
        while before >= 0 and data[before] in b" \t":
            before -= 1
        if before < 0 or data[before] in b"([{\n\\":
            return True
        star = data.find(b"*", star + (2 if data[star + 1 : star + 2] == b"*" else 1))
    return False
