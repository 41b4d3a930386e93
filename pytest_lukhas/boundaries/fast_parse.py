"""The fast path's answer for one file: what :func:`.parse.parse_source` would give,
assembled from the lines where ruff found import statements, or None (CPython then parses
the file).

* The import statements are read back from their lines (:func:`.parse.parse_import_lines`);
* in a file whose mode (:mod:`.closer_look`) is TOP_LEVEL or STATEMENTS, the flags of
  each indented import come from the blocks around it (:mod:`.blocks`);
* in a STATEMENTS file, CPython parses only the top-level statements on lines that name a
  function the AST pass acts on (or an alias of one), and the dynamic imports and import
  path changes are found in them; the allow-import pragmas are read from the lines.
"""

from __future__ import annotations

import ast
import bisect
import warnings
from typing import Any

from . import blocks, dynamic
from .closer_look import ANYWHERE, STATEMENTS, closer_look
from .parse import FileParse, parse_import_lines, pragmas_of, source_lines


def read_back(data: bytes, starts: set[int], mode: tuple[int, int | None]) -> FileParse | None:
    """The parse of ``data`` given ruff's ``starts`` and the file's fast path ``mode`` (and
    statement count) from :func:`.closer_look.fast_path_mode`; None when not sure.

    A file the prefilter let through may hold the word ``import`` outside import
    statements (a docstring): its statements are then counted by the closer look, which
    reads strings and comments apart."""
    parse = parse_import_lines(data, starts, mode[1])
    if parse is None and mode[1] is None:
        mode = closer_look(data)
        if mode[0]:
            parse = parse_import_lines(data, starts, mode[1])
    if parse is None or mode[0] == ANYWHERE:
        return parse
    text = data.decode("utf-8")
    lines = data.split(b"\n", max((i[0] for i in parse[1]), default=0))  # then the rest
    indented = sorted({i[0] for i in parse[1] if lines[i[0] - 1][:1] in (b" ", b"\t")})
    if not indented and mode[0] != STATEMENTS:
        return parse  # nothing a block could flag, no loader to look for
    found = blocks.statements(text)
    if found is None:
        return None
    flags = blocks.import_flags(found, indented) if indented else {}
    if flags is None:
        return None
    imports = tuple((*i[:5], flags.get(i[0], 0), i[6]) for i in parse[1])
    if mode[0] != STATEMENTS:
        return (None, imports, (), (), ())
    calls = _calls(text, list(imports), found)
    if calls is None:
        return None
    return (None, imports, calls[0], calls[1], pragmas_of(text))


def _calls(
    text: str, imports: list[tuple[Any, ...]], found: list[tuple[int, int, str]]
) -> tuple[Any, Any] | None:
    """:func:`.dynamic.find_calls` over CPython's AST of the top-level statements that
    span a line naming what it can report (:func:`.dynamic.effect_lines`), each parsed
    alone at its own line numbers."""
    lines = source_lines(text)
    spans = blocks.top_level_spans(found, len(lines))
    firsts = [first for first, _ in spans]
    effects = dynamic.effect_lines(imports, text, lines)
    wanted = {spans[at] for line in effects if (at := bisect.bisect_right(firsts, line) - 1) >= 0}
    body: list[ast.stmt] = []
    for first, last in sorted(wanted):
        source = "\n" * (first - 1) + "\n".join(lines[first - 1 : last])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                body += compile(source, "<scan>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True).body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
    tree = ast.Module(body=body, type_ignores=[])
    return dynamic.find_calls(tree, imports, text, lines)
