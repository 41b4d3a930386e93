"""Markdown from bundle data, which a pull request's own code may have written.

A fork's gate run writes the bundle, so its strings are untrusted: they must not open
HTML, mention people or break a table when they land in a PR comment or a status page.
"""

from __future__ import annotations

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "\\|", "@": "&#64;"})


def text(value: object) -> str:
    """``value`` as one line of plain markdown text (also safe inside a table cell)."""
    return " ".join(str(value).split()).translate(_ESCAPES)


def code(value: object) -> str:
    """``value`` as inline code; backticks inside are replaced, as a code span cannot hold them."""
    inner = " ".join(str(value).split()).replace("`", "'").replace("|", "\\|")
    return f"`{inner}`"


def ms(value: float | None) -> str:
    """A duration in milliseconds with three significant digits, ``-`` when unknown."""
    return "-" if value is None else f"{value:.3g} ms"


def neutral(line: str) -> str:
    """Markdown made elsewhere from bundle strings, kept from opening HTML or mentioning people."""
    return line.replace("<", "&lt;").replace(">", "&gt;").replace("@", "&#64;")
