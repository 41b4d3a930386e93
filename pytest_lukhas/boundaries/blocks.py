"""The statements of a file and the blocks around them, read from the lines of its code.

The fast path learns from ruff where import statements start, but not what holds them;
an import under ``if TYPE_CHECKING:`` or in a ``try`` whose handlers catch ImportError
carries a flag (see :mod:`.parse`). :func:`statements` lists the lines that start a
statement (strings and comments blanked out as CPython 3.11's tokenizer splits them off,
so a line inside a string, a bracket or after a backslash starts none);
:func:`import_flags` walks up from each indented import through its enclosing block
headers by indentation, reading a header only in the forms this module knows exactly:

* ``try:`` whose ``except`` clauses name plain dotted names (or none): guarded when one
  of them ends in ImportError, ModuleNotFoundError, Exception or BaseException, or is bare;
* ``if``/``elif`` whose test is a dotted name: the type-checking block when it ends in
  ``TYPE_CHECKING``; any other test that mentions TYPE_CHECKING is not read;
* ``else``, ``except``, ``finally``, ``def``, ``class``, ``for``, ``while``, ``with``,
  ``async``, ``match``, ``case``: the flags of the block around them.

Anything else (a tab in an indentation, a header this module does not read) is None: the
caller then parses the file with CPython. :func:`top_level_spans` gives the lines of each
top-level statement.
"""

from __future__ import annotations

import re

from .closer_look import BRACKETS_ONLY, TOKENS, bracket_spans, cross_line_brackets
from .parse import GUARDED, IN_TYPE_CHECKING

_STRING_LINE = "\x02"  # starts a line that begins inside a string
_LINE_END_BACKSLASH = re.compile(r"\\\r*\n")
_TRANSPARENT = frozenset(
    {"else", "except", "finally", "def", "class", "for", "while", "with", "async", "match",
     "case"}
)  # fmt: skip
_FIRST_WORD = re.compile(r"[A-Za-z_]\w*")
_CLAUSES = frozenset({"else", "elif", "except", "finally"})  # go on a compound statement
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:[ \t]*\.[ \t]*[A-Za-z_]\w*)*")
_EXCEPT = re.compile(
    r"except[ \t]*(?:\*[ \t]*)?(?:\((?P<many>[^()]*)\)|(?P<one>[A-Za-z_][\w. \t]*?))?"
    r"[ \t]*(?:as[ \t]+\w+[ \t]*)?:$"
)
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def import_flags(
    found: list[tuple[int, int, str]], import_lines: list[int]
) -> dict[int, int] | None:
    """The flags of each import statement starting on one of ``import_lines`` (1-based),
    given the file's :func:`statements`; None when a block around one of them is not read
    for sure."""
    indents = {line: indent for line, indent, _ in found}
    order = [line for line, _, _ in found]
    headers = {line: header for line, _, header in found}
    flags = {}
    for line in import_lines:
        if line not in indents:
            return None
        at = _flags_at(line, indents, order, headers)
        if at is None:
            return None
        flags[line] = at
    return flags


def statements(text: str) -> list[tuple[int, int, str]] | None:
    """(line, indentation, code) of each line that starts a statement; None when the code
    has a tab in an indentation or a non-ASCII name.

    A line starts one unless it is blank, begins inside a string, follows a backslash, or
    begins inside brackets; the last two are blanked out first, the brackets left open at
    line ends found from :func:`.closer_look.cross_line_brackets` (only the lines that
    keep one are read one by one)."""
    parts = TOKENS.split(text)  # code, token, code, ...
    parts[1::2] = [_blank(token) for token in parts[1::2]]
    code = "".join(parts)
    if not code.isascii():
        return None  # names CPython reads in NFKC
    lines = code.split("\n")
    _blank_continued_lines(code, lines)
    found = [
        (number, len(line) - len(line.lstrip()), stripped)
        for number, line in enumerate(lines, start=1)
        if (stripped := line.strip()) and line[0] != _STRING_LINE
    ]
    if "\t" in code and any("\t" in lines[line - 1][:indent] for line, indent, _ in found):
        return None
    return found


def _blank(token: str) -> str:
    """Nothing for a comment; for a string, a placeholder that keeps its lines."""
    if token[0] == "#":
        return ""
    return "\x01" + ("\n" + _STRING_LINE) * token.count("\n")


def _blank_continued_lines(code: str, lines: list[str]) -> None:
    """Blank out the ``lines`` of ``code`` that begin inside brackets or after a line that
    ends in a backslash."""
    rest = cross_line_brackets(code.translate(BRACKETS_ONLY))[1].split("\n")
    spans, open_from = bracket_spans(rest)
    if open_from < len(lines):
        spans.append((open_from, len(lines) - 1))
    for first, last in spans:
        lines[first + 1 : last + 1] = [""] * (last - first)
    line, counted = 0, 0  # the index of the line holding ``counted``
    for backslash in _LINE_END_BACKSLASH.finditer(code):
        line += code.count("\n", counted, backslash.start())
        counted = backslash.start()
        lines[line + 1] = ""


def _flags_at(
    line: int, indents: dict[int, int], order: list[int], headers: dict[int, str]
) -> int | None:
    flags, indent = 0, indents[line]
    at = order.index(line)
    while indent:
        at -= 1
        while at >= 0 and indents[order[at]] >= indent:
            at -= 1
        if at < 0:
            return None
        header = headers[order[at]]
        keyword = _FIRST_WORD.match(header)
        word = keyword.group() if keyword else ""
        if word == "try":
            guards = _try_guards(at, order, indents, headers)
            if guards is None:
                return None
            flags |= GUARDED if guards else 0
        elif word in ("if", "elif"):
            test = _if_type_checking(header, word)
            if test is None:
                return None
            flags |= IN_TYPE_CHECKING if test else 0
        elif word not in _TRANSPARENT:
            return None
        indent = indents[order[at]]
    return flags


def _try_guards(
    at: int, order: list[int], indents: dict[int, int], headers: dict[int, str]
) -> bool | None:
    """Whether the ``try`` starting statement ``at`` has a handler catching ImportError;
    None when a handler is not read for sure."""
    indent = indents[order[at]]
    guards = False
    for line in order[at + 1 :]:
        if indents[line] < indent:
            break
        if indents[line] > indent:
            continue
        match = _EXCEPT.match(headers[line])
        if not headers[line].startswith("except"):
            break
        if match is None:
            return None
        names = match["many"] if match["many"] is not None else match["one"]
        caught = _caught(names)
        if caught is None:
            return None
        guards = guards or caught
    return guards


def _caught(names: str | None) -> bool | None:
    """Whether an except clause naming ``names`` catches ImportError, as parse reads it."""
    if names is None:
        return True  # a bare except
    for written in names.split(","):
        name = written.strip()
        if not name:
            continue
        if not _DOTTED.fullmatch(name):
            return None
        if name.rsplit(".", 1)[-1].strip() in _IMPORT_ERRORS:
            return True
    return False


def _if_type_checking(header: str, word: str) -> bool | None:
    """Whether an ``if``/``elif`` header tests TYPE_CHECKING as parse reads it."""
    if not header.endswith(":"):
        return None  # the test goes on over lines
    test = header[len(word) : -1].strip()
    if "TYPE_CHECKING" not in test:
        return False
    while test.startswith("(") and test.endswith(")") and test.count("(") == 1:
        test = test[1:-1].strip()
    if not _DOTTED.fullmatch(test):
        return None
    return test.rsplit(".", 1)[-1].strip() == "TYPE_CHECKING"


def top_level_spans(found: list[tuple[int, int, str]], last_line: int) -> list[tuple[int, int]]:
    """The (first, last) lines of each top-level statement, from :func:`statements`: a
    compound statement with its ``else``, ``elif``, ``except`` and ``finally`` clauses, a
    decorated definition with its decorators."""
    starts: list[int] = []
    after_decorator = False
    for line, indent, code in found:
        if indent:
            continue
        word = _FIRST_WORD.match(code)
        if not after_decorator and not (word and word.group() in _CLAUSES):
            starts.append(line)
        after_decorator = code.startswith("@")
    if not starts:
        return []  # comments and blank lines only
    ends = [start - 1 for start in starts[1:]] + [last_line]
    return list(zip(starts, ends, strict=True))
