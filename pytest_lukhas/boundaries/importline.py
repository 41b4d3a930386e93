"""One physical line holding exactly one import statement -> its import records.

The fast path learns from ruff's parser only where import statements start; this module
reads the statement back from the line's text. It accepts only a line that is a whole,
single-line ``import`` or ``from ... import`` statement (optionally followed by a comment
without quotes) and gives up (None) on anything else: a statement continued on another
line, several statements on one line, a compound statement (``if x: import y``). The caller
then parses the file with CPython instead.

Records have the shape of :func:`.parse.parse_source`'s: ``(line, end_line, module, names,
level, flags, text)``, one per name for ``import a, b``, one per statement for a from-import.
"""

from __future__ import annotations

import re
from typing import Any

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_DOTTED = rf"{_NAME}(?:[ \t]*\.[ \t]*{_NAME})*"
_AS = rf"(?:[ \t]+as[ \t]+{_NAME})?"
_NAMES = rf"{_NAME}{_AS}(?:[ \t]*,[ \t]*{_NAME}{_AS})*"
_END = r"[ \t]*(?:#[^'\"]*)?"  # a comment with a quote could close a string opened earlier
_KEYWORD_END = r"(?![A-Za-z0-9_])"

_ITEMS = rf"{_DOTTED}{_AS}(?:[ \t]*,[ \t]*{_DOTTED}{_AS})*"
IMPORT = re.compile(rf"[ \t]*import{_KEYWORD_END}[ \t]*(?P<items>{_ITEMS}){_END}")
FROM = re.compile(
    rf"[ \t]*from{_KEYWORD_END}(?P<dots>(?:[ \t]*\.)*)[ \t]*(?P<module>{_DOTTED})?[ \t]*"
    rf"(?<![A-Za-z0-9_])import{_KEYWORD_END}[ \t]*"
    rf"(?P<targets>\*|\([ \t]*{_NAMES}[ \t]*,?[ \t]*\)|{_NAMES}){_END}"
)  # fmt: skip
_SPACE = re.compile(r"[ \t]+")
_name = re.compile(_NAME).fullmatch
_dotted = re.compile(rf"{_NAME}(?:\.{_NAME})*").fullmatch
_ALIAS = re.compile(rf"[ \t]+as[ \t]+{_NAME}")


def records(line: int, source_line: str) -> list[tuple[Any, ...]] | None:
    """The import records of the statement that makes up ``source_line`` (line number
    ``line``), or None when the line is not exactly one single-line import statement."""
    text = source_line.strip()
    words = text.split()
    if len(words) == 2 and words[0] == "import" and _dotted(words[1]):  # the common forms
        return [(line, line, words[1], (), 0, 0, text)]
    simple_from = len(words) == 4 and words[0] == "from" and words[2] == "import"
    if simple_from and _dotted(words[1]) and (words[3] == "*" or _name(words[3])):
        return [(line, line, words[1], (words[3],), 0, 0, text)]
    match = IMPORT.fullmatch(source_line)
    if match:
        items = _ALIAS.sub("", match["items"])
        return [(line, line, _SPACE.sub("", item), (), 0, 0, text) for item in items.split(",")]
    match = FROM.fullmatch(source_line)
    if match is None:
        return None
    level = match["dots"].count(".")
    module = _SPACE.sub("", match["module"] or "")
    if not module and not level:
        return None
    targets = _ALIAS.sub("", match["targets"]).strip("() \t")
    names = tuple(_SPACE.sub("", name) for name in targets.split(",") if name.strip())
    return [(line, line, module, names, level, 0, text)]


def statement_records(line: int, lines: list[bytes]) -> tuple[list[tuple[Any, ...]], int] | None:
    """The records of the statement starting on ``line`` of ``lines`` (the file split at
    ``\\n``) and its last line. A statement may go on over lines ending in a backslash or
    inside the parentheses of a from-import: an import statement holds no string, so the
    first ``)`` closes them and each ``#`` starts a comment. None for anything else."""
    first = _text(lines[line - 1])
    found = records(line, first)
    if found is not None:
        return found, line
    parts, end, text = [], line, first
    while True:
        code, _, comment = text.partition("#")
        if "'" in comment or '"' in comment:
            return None
        parts.append(code.rstrip().removesuffix("\\"))
        joined = " ".join(parts)
        if not code.rstrip().endswith("\\") and ("(" not in joined or ")" in joined):
            break
        if end == len(lines) or end - line > 1000:
            return None
        end += 1
        text = _text(lines[end - 1])
    found = records(line, joined) if end > line else None
    if found is None:
        return None
    statement = first.strip()
    return [(line, end, *record[2:6], statement) for record in found], end


def _text(line: bytes) -> str:
    return line.rstrip(b"\r").decode("utf-8")
