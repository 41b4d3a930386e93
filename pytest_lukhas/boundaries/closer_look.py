"""A closer look at the files the byte prefilter (:mod:`.prefilter`) turns away.

The prefilter's tests are substring counts over the whole file, cheap enough for every
file, and in real code nearly every file fails one: it has an f-string, more than 1,000
operators, ``f(*args)`` before some ``for``, an ``except``, the word ``spec``. CPython's
parser costs about ten times ruff's, so this module reads such a file as CPython 3.11's
tokenizer splits off strings and comments, and asks the precise questions instead:

* the names the AST pass acts on, whole (``import_module``, ``PYTHONPATH``, ...), a
  change of ``sys.path`` or ``sys`` under another name, and the allow-import pragma;
* each f-string, read by 3.11's rules (it ends at the first matching quote), must mean the
  same under PEP 701's: no backslash, comment or f-string in a replacement field (a plain
  string only in a single-quoted f-string), braces balanced, conversions written exactly,
  no field opening with ``*``, a field in a format spec at most one level deep; no
  t-strings;
* ``except`` only as ``except:``, ``except X:`` or ``except (X, Y):`` (not PEP 758);
* no PEP 695 syntax, no unpacking as the element of a comprehension (``[*a for a in b]``);
* brackets nested less than 190 deep, at most 1,000 nesting tokens in a logical line and
  1,000 ``elif`` in the file (CPython's limits: 200 brackets, about 3,000 AST levels);
* the prefilter's limits on bytes, line ends, coding cookies and indentation.

The answer is :data:`NO` (CPython parses the file), :data:`ANYWHERE` (the fast path may
take it), :data:`TOP_LEVEL` (an ``except`` or ``TYPE_CHECKING`` may flag an import inside
a block: :mod:`.blocks` reads them) or :data:`STATEMENTS`: the file names a function the
AST pass acts on, or changes ``sys.path``, so CPython parses the top-level statements
that name them (:mod:`.fast_parse`). What this module cannot read for sure is NO: a file
wrongly sent to CPython only costs time.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from itertools import accumulate, compress

from .prefilter import (
    DEEP_RELATIVE,
    INDENTED_100,
    MAX_NESTING_TOKENS,
    fast_path_may_take,
    search_at,
)

NO, ANYWHERE, TOP_LEVEL, STATEMENTS = 0, 1, 2, 3
MAX_DEPTH = 190  # brackets open at once

_PRINTABLE_OR_HIGH = bytes(range(0x20, 0x7F)) + bytes(range(0x80, 0x100)) + b"\t\n\r"
# What the AST pass acts on (dynamic.LOADERS, the PYTHONPATH key of the environment
# setters, site.addsitedir, the pragma), searched in the whole text, strings included:
# the names holding "_" by a search that starts there, the others as substrings.
_UNDERSCORED = search_at("_", (
    "import_module", "__import__", "find_spec", "spec_from_file_location", "run_module",
    "run_path", "get_loader", "find_loader", "resolve_name", "load_source", "walk_packages",
))  # fmt: skip
_PLAIN_NAMES = ("FileLoader", "addsitedir", "PYTHONPATH", "allow-import")
# What the AST pass reports as an import path change (dynamic._changes_path and
# _assigned_path): sys.path, sys.meta_path or sys.path_hooks subscripted, assigned,
# annotated or changed by a method, however spaced or parenthesised; and sys bound under
# another name (``import sys as s``, ``from sys import path``). Searched in the code, where
# comments and strings are placeholders.
_GAP = r"[\s\\()\x01]*"
_SYS = re.compile(
    r"sys\b(?<![\w.]sys)(?:(?:[ \t]|\\\r?\n)+(?:as|import)\b"
    rf"|{_GAP}\.{_GAP}(?:meta_)?path(?:_hooks)?\b{_GAP}(?:[\[:]"
    r"|(?:[-+*/%&|^@]|<<|>>|//|\*\*)?=(?!=)"
    rf"|\.{_GAP}(?:insert|append|extend|remove|pop|clear|__setitem__|__iadd__)\b))"
)
_SYS_DEL = re.compile(r"del\b(?<!\wdel)")
_SYS_LIST = re.compile(r"sys\b(?<![\w.]sys)" + _GAP + r"\." + _GAP + r"(?:meta_)?path")
_LINE_SEPARATORS = ("\x85", "\u2028", "\u2029", "\ufeff")
# 3.11's string tokens, each branch after its opening quote
_AFTER_QUOTE = (
    r"(?<=')(?:''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''|[^'\\\r\n]*(?:\\(?:\r\n|.)[^'\\\r\n]*)*')"
    r'|(?<=")(?:""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""|[^"\\\r\n]*(?:\\(?:\r\n|.)[^"\\\r\n]*)*")'
)
# Strings and comments; re.split gives code, token, code, ... A search skips to a set of
# four characters or more by a bitmap, 15% faster than to the three that start a token:
# "\x00" and "\x02" make up the set, and no branch follows them.
TOKENS = re.compile(rf"([\x00\x02#'\"](?:{_AFTER_QUOTE}|(?<=#)[^\r\n]*))", re.DOTALL)
_PLACEHOLDER = "\x01"  # a string or comment in the code (the text holds no control bytes)
# a placeholder right after a name other than a string prefix (r u b br rb f fr rf, any
# case): a t-string, or a name run into a string or comment
_BAD_PREFIX = re.compile(
    r"\x01(?<=\w\x01)(?<!(?<!\w)[rubfRUBF]\x01)"
    r"(?<!(?<!\w)(?:[bB][rR]|[rR][bB]|[fF][rR]|[rR][fF])\x01)"
)
_F_PREFIXED = re.compile(r"\x01(?:(?<=[fF]\x01)|(?<=[fF][rR]\x01))")
_FSTRING_PARTS = re.compile(r"""[{}()\[\]:!\\#'"]""")
# an f-string's text whose fields are all names or attributes, each with an optional
# conversion and a spec holding no field or backslash: what _FieldReader accepts at once
_SIMPLE_FIELDS = re.compile(r"(?:[^{}]++|\{\{|\}\}|\{[\w.]++(?:![rsa])?+(?::[^{}\\]*+)?+\})*+")
_YIELD_OPERAND = re.compile(  # a bare yield as an operand, which ruff's parser accepts
    rb"yield\b(?<![\w.]yield)[ \t]*(?:[!=<>]=|[<>/%@|&^.,]|(?:in|is|and|or|if|else)\b)"
)
_IMPORT_KEYWORD = re.compile(r"import\b(?<!\wimport)")
_EXCEPT = re.compile(r"except\b(?<!\wexcept)")
_GOOD_EXCEPT = re.compile(
    r"[ \t]*(?:\*[ \t]*)?(\([^()]*\)|[A-Za-z_][\w.]*)?[ \t]*(?:as[ \t]+\w+[ \t]*)?:"
)
# What parse._catches_import_error looks for (a bare except catches it too)
_CATCHES_IMPORT_ERROR = re.compile(
    r"\b(?:ImportError|ModuleNotFoundError|Exception|BaseException)\b"
)
_TYPE_ALIAS = re.compile(  # PEP 695's type statement (its start is checked apart)
    r"type\b(?<![\w.]type)[ \t]+(?!(?:in|is|if|and|or|not|for|else)\b)[A-Za-z_]\w*[ \t]*[=\[]"
)
_GENERICS = (  # PEP 695's type parameters; each search starts at a literal
    re.compile(r"def[ \t]+\w+[ \t]*\["),
    re.compile(r"class[ \t]+\w+[ \t]*\["),
)
_BRACKETS = re.compile(r"[()\[\]{}]")
# the brackets and line ends of the code, closing ones as ")", and what each does to depth
BRACKETS_ONLY = {c: None for c in range(128) if chr(c) not in "()[]{}\n"} | {
    ord("]"): ")",
    ord("}"): ")",
    ord("["): "(",
    ord("{"): "(",
}
_DEPTH = {"(": 1, ")": -1, "\n": 0}
# a "*" after a bracket, or after white space that follows a bracket or more white space
# (not the one of "a * b"): a search starting at a literal skips ahead ten times faster
# than one starting at a set of characters; _starred_ok looks back for the bracket
_STAR = re.compile(r"\*(?:(?<=[(\[{]\*)|(?<=[(\[{ \t\r\n][ \t\r\n]\*))")
_FOR = re.compile(r"for\b(?<!\wfor)")
_NOT_NESTING = {c: None for c in range(128) if chr(c) not in ".([{+-*/%@&|^<>~"}
_NOT_SYMBOL = bytes(c for c in range(128) if chr(c) not in ".([{+-*/%@&|^<>~)]}\n")
_NESTING_WORDS = ("not", "lambda", "else", "await", "yield")  # counted anywhere: a bound


def fast_path_mode(data: bytes) -> tuple[int, int | None]:
    """The prefilter's answer when it lets the file through, the closer look's otherwise:
    a mode, and the number of import statements when known (None: as many as the file
    holds the word ``import``). ``yield`` followed by an operator (``yield != b``, which
    ruff accepts and CPython refuses) sends any file to CPython."""
    if b"yield" in data and _YIELD_OPERAND.search(data):
        return NO, None
    return (ANYWHERE, None) if fast_path_may_take(data) else closer_look(data)


def closer_look(data: bytes) -> tuple[int, int | None]:
    """The mode (see the module's docstring) for one file's bytes, and the number of
    ``import`` keywords in its code (one per import statement)."""
    mode, code = _mode_and_code(data)
    return (mode, len(_IMPORT_KEYWORD.findall(code))) if mode else (NO, None)


def _mode_and_code(data: bytes) -> tuple[int, str]:
    if data.translate(None, _PRINTABLE_OR_HIGH):
        return NO, ""  # control characters
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return NO, ""
    names_calls = bool(_UNDERSCORED.search(text) or any(n in text for n in _PLAIN_NAMES))
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return NO, ""
    head_end = text.find("\n", text.find("\n") + 1)
    if "coding" in (text if head_end < 0 else text[:head_end]):
        return NO, ""
    deep_indent = "\t" in text or "\n" + " " * 100 in text
    if (deep_indent and INDENTED_100.search(text)) or DEEP_RELATIVE.search(text):
        return NO, ""
    if not text.isascii() and any(s in text for s in _LINE_SEPARATORS):
        return NO, ""  # lines ruff and CPython might count apart, a BOM
    code = _code_of(text)
    if code is None or not code.isascii():
        return NO, ""  # non-ASCII names: CPython reads them in NFKC
    # in the code a comment may sit between sys.path and .append; in the text, an f-string
    names_calls = names_calls or ("sys" in code and _changes_sys_path(code))
    names_calls = names_calls or ("{" in text and "sys" in text and _changes_sys_path(text))
    guarding = _guarding_excepts(code)
    if guarding is None:
        return NO, ""
    joined = code  # continuation lines joined (a search for one "\\" is cheaper than a replace)
    if "\\" in code:
        joined = code.replace("\\\r\n", "   ").replace("\\\n", "  ")
    if _has_pep_695(joined):
        return NO, ""
    if code.count("elif") > MAX_NESTING_TOKENS or not _nesting_ok(joined):
        return NO, ""
    if names_calls:
        return STATEMENTS, code
    return (TOP_LEVEL if guarding or "TYPE_CHECKING" in code else ANYWHERE), code


def _has_pep_695(code: str) -> bool:
    """A ``type`` statement (``type`` first in its statement) or type parameters."""
    for match in _TYPE_ALIAS.finditer(code):
        line_start = code.rfind("\n", 0, match.start()) + 1
        before = code[line_start : match.start()].rstrip(" \t")
        if not before or before[-1] in ";:":
            return True
    return any(pattern.search(code) for pattern in _GENERICS)


def _changes_sys_path(code: str) -> bool:
    return bool(_SYS.search(code) or (_SYS_DEL.search(code) and _SYS_LIST.search(code)))


def _code_of(text: str) -> str | None:
    """``text`` with each string and comment replaced by a placeholder, as CPython 3.11
    splits them off; None when a string is one this module does not vouch for."""
    parts = TOKENS.split(text)  # one scan gives the code and the tokens
    code = _PLACEHOLDER.join(parts[::2])
    if "'" in code or '"' in code:
        return None  # a quote that opens no string 3.11 can read
    if _BAD_PREFIX.search(code):
        return None  # a t-string, or a name run into a string or comment
    index, counted = -1, 0  # the number of placeholders before ``counted``, less one
    for prefixed in _F_PREFIXED.finditer(code):
        index += code.count(_PLACEHOLDER, counted, prefixed.end())
        counted = prefixed.end()
        token = parts[2 * index + 1]
        if token[0] != "#" and not _fstring_ok(token):
            return None
    return code


def _name_before(code: str, at: int) -> str:
    """The (lowercased) name that ends at ``at``; three characters or more come back as
    they are, no prefix being that long."""
    start = at - 1
    while start > at - 3 and start and _word_char(code[start - 1]):
        start -= 1
    if start and _word_char(code[start - 1]):
        return code[start - 1 : at]
    return code[start:at].lower()


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _fstring_ok(token: str) -> bool:
    """Whether an f-string (its text from quote to quote) means the same to 3.11 and PEP
    701. A string nested in a replacement field is skipped; 3.11 ended the f-string at its
    first matching quote, so in a single-quoted f-string such a string uses the other
    quote (in a triple-quoted one this module does not vouch for it)."""
    triple = len(token) >= 6 and token[:3] in ("'''", '"""')
    inner = token[3:-3] if triple else token[1:-1]
    if "{" not in inner and "}" not in inner:
        return True
    if len(inner) > MAX_NESTING_TOKENS or "\\N{" in inner:
        return False
    if _SIMPLE_FIELDS.fullmatch(inner):
        return True
    reader = _FieldReader(inner, triple)
    parts = _FSTRING_PARTS.finditer(inner)
    return all(reader.step(m.group(), m.start()) for m in parts) and not reader.fields


class _FieldReader:
    """The replacement fields of an f-string's text, read one character that matters at a
    time (:data:`_FSTRING_PARTS`)."""

    def __init__(self, inner: str, triple: bool) -> None:
        self.inner, self.triple = inner, triple
        self.fields: list[list[int]] = []  # per open field: [brackets open, in its spec]
        self.skip_to = 0  # past a doubled brace or a nested string

    def step(self, char: str, at: int) -> bool:
        """False where 3.11 and PEP 701 may read the text apart."""
        if at < self.skip_to:
            return True
        fields, inner = self.fields, self.inner
        if not fields:  # the literal part
            if char not in "{}":
                return True
            if inner[at + 1 : at + 2] == char:
                self.skip_to = at + 2
                return True
            if char == "}" or _starred_at(inner, at):
                return False
            fields.append([0, 0])
            return True
        if not fields[-1][1] and char in "'\"":  # a string in the expression
            self.skip_to = _nested_string_end(inner, at, self.triple)
            return self.skip_to >= 0
        if not fields[-1][1] and char == "!":
            return bool(fields[-1][0]) or _conversion_ok(inner, at)
        return _field_step(fields, char) and not (char == "{" and _starred_at(inner, at))


def _conversion_ok(inner: str, at: int) -> bool:
    """A ``!`` at the top of a replacement field's expression: ``!=``, or a conversion
    written exactly (``!r`` then ``:`` or ``}``; 3.11 refuses ``!r }``, ruff does not)."""
    after = inner[at + 1 : at + 3]
    return after[:1] == "=" or (after[:1] in ("s", "r", "a") and after[1:] in (":", "}"))


def _starred_at(inner: str, at: int) -> bool:
    """A replacement field opening at ``at`` whose expression starts with ``*`` (3.11
    refuses ``{*a}``, ruff does not)."""
    return inner[at + 1 :].lstrip()[:1] == "*"


def _nested_string_end(inner: str, at: int, triple: bool) -> int:
    """Where the plain string opening at ``at`` in an f-string's expression ends, or -1."""
    end = inner.find(inner[at], at + 1)
    prefix = _name_before(inner, at)  # a name right before a quote is the string's prefix
    if triple or end < 0 or "f" in prefix or "t" in prefix or "\\" in inner[at:end]:
        return -1
    return end + 1


def _field_step(fields: list[list[int]], char: str) -> bool:
    """One character of a replacement field (``fields[-1]``); False where 3.11 and PEP 701
    may read it apart: a backslash or comment in the expression, a field nested in the
    spec of a nested field."""
    field = fields[-1]
    if field[1]:  # the format spec: literal text and nested fields
        if char == "{":
            if len(fields) > 1:
                return False
            fields.append([0, 0])
        elif char == "}":
            fields.pop()
        return char != "\\"
    if char in "\\#'\"":
        return False
    if char in "([{":
        field[0] += 1
    elif char in ")]" or (char == "}" and field[0]):
        field[0] -= 1
    elif char == "}":
        fields.pop()
    elif char == ":" and not field[0]:
        field[1] = 1
    return field[0] >= 0


def _guarding_excepts(code: str) -> bool | None:
    """Whether an ``except`` clause may make its ``try`` guard an import (it catches
    ImportError or what holds it); None when a clause is in a form 3.11 may read apart
    from ruff (PEP 758's ``except A, B:``, or one this module does not vouch for)."""
    guarding = False
    for keyword in _EXCEPT.finditer(code):
        clause = _GOOD_EXCEPT.match(code, keyword.end())
        if clause is None:
            return None
        caught = clause[1]
        guarding = guarding or not caught or bool(_CATCHES_IMPORT_ERROR.search(caught))
    return guarding


def _nesting_ok(code: str) -> bool:
    """Brackets nested less than :data:`MAX_DEPTH` deep, no logical line with more than
    :data:`.prefilter.MAX_NESTING_TOKENS` tokens that nest, and no unpacking as the element
    of a comprehension. ``code`` has its continuation lines joined, so a logical line ends
    at each line end outside brackets (unbalanced brackets: ruff rejects the file).

    Both are read from the brackets with each pair opened and closed on one line taken
    out (:func:`cross_line_brackets`): the depth of the rest bounds the depth, and only
    the lines that keep a bracket can open or close a logical line of several lines."""
    if not _starred_ok(code):
        return False
    # what may nest, closing brackets, line ends (the code is ASCII: bytes.translate, a
    # third faster than str.translate, keeps the same characters)
    symbols = code.encode().translate(None, _NOT_SYMBOL).decode()
    brackets = symbols.translate(BRACKETS_ONLY)
    passes, rest = cross_line_brackets(brackets)
    bound = passes + max(accumulate(map(_DEPTH.get, rest.replace("\n", "")), initial=0))
    if (
        bound >= MAX_DEPTH
        and len(brackets) >= 2 * MAX_DEPTH
        and max(accumulate(map(_DEPTH.get, brackets))) >= MAX_DEPTH
    ):
        return False
    nesting = len(symbols) - len(brackets) + brackets.count("(")  # less ")" and line ends
    if len(code) <= MAX_NESTING_TOKENS or _few_nesting_tokens(code, nesting):
        return True
    lines = code.split("\n")
    return all(
        _few_nesting_tokens_in(lines[first : last + 1])
        for first, last in _logical_lines(rest.split("\n"), lines)
    )


def cross_line_brackets(brackets: str) -> tuple[int, str]:
    """``brackets`` (:data:`BRACKETS_ONLY`) with each ``()`` taken out until none is left,
    and how many passes that took. Each pass lowers the deepest nesting by at most one (the
    bracket before the first deepest one stays), so the depth of ``brackets`` is at most
    the passes plus the depth of what is left; a line end is never taken out, so what is
    left of each line changes the depth as much as the line does."""
    passes = 0
    while len(shorter := brackets.replace("()", "")) < len(brackets):
        brackets, passes = shorter, passes + 1
    return passes, brackets


def bracket_spans(rest: list[str]) -> tuple[list[tuple[int, int]], int]:
    """The (first, last) indexes of the lines that make up each logical line over several
    lines, read from ``rest``, what :func:`cross_line_brackets` leaves of each line's
    brackets; and the first line of one left open at the end (else the number of lines)."""
    spans, depth, first = [], 0, 0
    for number in compress(range(len(rest)), rest):
        change = len(rest[number]) - 2 * rest[number].count(")")
        if change and not depth:
            first = number
        depth += change
        if change and not depth:
            spans.append((first, number))
    return spans, first if depth else len(rest)


def _logical_lines(rest: list[str], lines: list[str]) -> Iterator[tuple[int, int]]:
    """The (first, last) indexes of the logical lines that may be longer than
    :data:`.prefilter.MAX_NESTING_TOKENS`: those over several lines (:func:`bracket_spans`)
    and the long lines outside them. One left open at the end is no logical line."""
    spans, closed = bracket_spans(rest)
    yield from spans
    if max(map(len, lines)) < MAX_NESTING_TOKENS:
        return
    starts = [first for first, _ in spans]
    for number, line in enumerate(lines[:closed]):
        at = bisect.bisect_right(starts, number) - 1
        if len(line) >= MAX_NESTING_TOKENS and (at < 0 or spans[at][1] < number):
            yield number, number


def _starred_ok(code: str) -> bool:
    """No bracket opening with ``*`` or ``**`` holds a ``for`` at its own level."""
    for star in _STAR.finditer(code):
        opening = star.start() - 1
        while opening >= 0 and code[opening] in " \t\r\n":
            opening -= 1
        if opening < 0 or code[opening] not in "([{":
            continue
        depth, level_start = 0, opening
        for match in _BRACKETS.finditer(code, opening):
            if depth == 1 and _FOR.search(code, level_start, match.start()):
                return False
            depth += 1 if match.group() in "([{" else -1
            if not depth:
                break
            level_start = match.end()
    return True


def _few_nesting_tokens_in(lines: list[str]) -> bool:
    """Whether the logical line made of ``lines`` is short, or has few nesting tokens."""
    if sum(map(len, lines)) + len(lines) <= MAX_NESTING_TOKENS:
        return True
    line = "\n".join(lines)
    return _few_nesting_tokens(line, len(line.translate(_NOT_NESTING)))


def _few_nesting_tokens(code: str, symbols: int) -> bool:
    """At most :data:`.prefilter.MAX_NESTING_TOKENS` characters (``symbols`` of them) and
    words in ``code`` that may nest, the words counted only when the characters alone are
    not too many."""
    return symbols <= MAX_NESTING_TOKENS and (
        symbols + sum(code.count(w) for w in _NESTING_WORDS) <= MAX_NESTING_TOKENS
    )
