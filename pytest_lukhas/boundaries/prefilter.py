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
CPython would read differently.

Nearly every file passes every test, so each test scans the whole file; they are kept to a
few scans in C:

* one ``bytes.translate`` keeps the bytes the counts need (and any outside printable ASCII);
* the rest runs on the text: ``in`` on bytes first tries the needle as an integer (raising
  and clearing a TypeError inside), which costs more than scanning a short file;
* a regular expression search stops only where the first character of its pattern occurs,
  and skips ahead fastest when that is a literal: each of ``_SEARCHES`` starts at one (the
  markers' searches at a character of theirs that is rare in source code, looking behind
  and ahead for the rest). A pattern that cannot start at a literal only runs on a file
  that contains its keyword (``_GATED``).
"""

from __future__ import annotations

import re

_NESTING = b".([{+-*/%@&|^<>~"  # the bytes that may open a level of nesting
_PLAIN = bytes(b for b in range(0x20, 0x7F) if b not in _NESTING) + b"\t\n\r"
MAX_NESTING_TOKENS = 1000
MAX_OPENING_BRACKETS = 200

# Substrings of every name the AST pass looks for (see dynamic.py and parse.py):
# import_module __import__ find_spec spec_from_file_location run_module run_path
# get_loader find_loader SourceFileLoader SourcelessFileLoader resolve_name load_source
# walk_packages addsitedir environ putenv TYPE_CHECKING ImportError ModuleNotFoundError
# Exception except allow-import
# grouped by the rare character their search starts at, the groups most real files hold
# first (a file is turned away at the first search that finds something).
_NEEDS_AST_BY_ANCHOR = {
    "E": ("Error",),
    "p": ("spec", "xcept"),
    "_": ("import_", "run_", "load_", "walk_", "TYPE_"),
    "v": ("resolve", "env"),
    "d": ("oader", "sitedir"),
    "-": ("allow-",),
}
NEEDS_AST = tuple(marker for group in _NEEDS_AST_BY_ANCHOR.values() for marker in group)


def search_at(anchor: str, markers: tuple[str, ...]) -> re.Pattern[str]:
    """Any of ``markers``, each holding ``anchor``: the pattern starts at the anchor, looks
    one character back first (which turns most occurrences of the anchor away at once), then
    for each marker behind and ahead. Each marker is anchored at its last ``anchor``: one
    that starts a marker (``__import__``) leaves nothing to look back at, and every
    occurrence of the anchor then tries every marker."""
    branches, before_anchor = [], set()
    for marker in markers:
        before, _, after = marker.rpartition(anchor)
        branches.append(f"(?<={re.escape(before + anchor)}){re.escape(after)}")
        before_anchor.add(re.escape(before[-1:]))
    first = re.escape(anchor)
    if "" not in before_anchor:
        first += f"(?<=[{''.join(sorted(before_anchor))}]{first})"
    return re.compile(f"{first}(?:{'|'.join(branches)})")


def _f_or_t_string(quote: str) -> re.Pattern[str]:
    """A ``quote`` after f, t, rf, fr, rt or tr (any case) that does not end a longer name."""
    prefix = rf"(?<=[ftr]{quote})(?:(?<=\b[ft]{quote})|(?<=\b(?:r[ft]|[ft]r){quote}))"
    return re.compile(quote + prefix, re.ASCII | re.IGNORECASE)


CONTINUATION = r"(?:[ \t]|\\\r?\n)"  # whitespace within a logical line
TYPE_STATEMENT = re.compile(  # PEP 695
    r"type" + CONTINUATION + r"+[A-Za-z_]\w*" + CONTINUATION + r"*[=\[]", re.ASCII
)
_SEARCHES = (  # each starts at a literal character
    *(search_at(*group) for group in _NEEDS_AST_BY_ANCHOR.items()),
    _f_or_t_string("'"),
    _f_or_t_string('"'),
    TYPE_STATEMENT,
)
INDENTED_100 = re.compile(r"\n[ \t]{100}")
GENERIC_DEF = re.compile(r"(?:def|class)\s+\w+\s*\[", re.ASCII)  # PEP 695
_GATED = (  # (substring, pattern): the pattern runs only on a file with the substring
    ("[", GENERIC_DEF),
    (" " * 25, INDENTED_100),
    ("\t", INDENTED_100),
)
DEEP_RELATIVE = re.compile(r"from" + CONTINUATION + r"*(?:\." + CONTINUATION + r"*){30}")
_NESTING_WORDS = (b"not", b"lambda", b"else", b"await", b"yield")


def fast_path_may_take(data: bytes) -> bool:
    """Whether ruff's verdict and the import lines it finds say all the check needs."""
    symbols = data.translate(None, _PLAIN)  # one pass for the counts below
    if symbols.translate(None, _NESTING):  # bytes outside printable ASCII
        return False
    text = data.decode("ascii")
    for pattern in _SEARCHES:
        if pattern.search(text):
            return False
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return False
    if "coding" in text:
        second_line_end = text.find("\n", text.find("\n") + 1)
        if "coding" in (text if second_line_end < 0 else text[:second_line_end]):
            return False
    if "sys" in text and "path" in text:
        return False
    if any(marker in text and pattern.search(text) for marker, pattern in _GATED):
        return False
    if "*" in text and _starred_after_bracket(text) and "for" in text:  # "for": in most files
        return False
    if symbols.count(b".") >= 30 and DEEP_RELATIVE.search(text):
        return False
    if len(data) > MAX_NESTING_TOKENS:  # each token is at least one byte
        words = sum(data.count(word) for word in _NESTING_WORDS)
        if len(symbols) + words > MAX_NESTING_TOKENS:
            return False
    opening = symbols.count(b"(") + symbols.count(b"[") + symbols.count(b"{")
    return opening <= MAX_OPENING_BRACKETS


def _starred_after_bracket(text: str) -> bool:
    """A ``*`` that may open an element of a display or comprehension (``[*a for ...]``):
    one after a bracket, or at the start of a line (a comment may hide the bracket)."""
    star = text.find("*")
    while star >= 0:
        before = star - 1
        while before >= 0 and text[before] in " \t":
            before -= 1
        if before < 0 or text[before] in "([{\n\\":
            return True
        star = text.find("*", star + (2 if text[star + 1 : star + 2] == "*" else 1))
    return False
