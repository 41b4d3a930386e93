"""Path globs of ops/matriz.yaml, matched against repo-relative POSIX paths.

``*`` matches within one path segment, ``**`` across segments, ``?`` one character.
A pattern naming a directory (``lukhas/`` or ``lukhas/**``) matches everything below it
and the directory itself.
"""

from __future__ import annotations

import re
from functools import lru_cache


def normalize(pattern: str) -> str:
    pattern = pattern.strip().replace("\\", "/")
    while pattern.startswith("./"):
        pattern = pattern[2:]
    if pattern.endswith("/"):
        pattern += "**"
    return pattern


@lru_cache(maxsize=4096)
def compile_glob(pattern: str) -> re.Pattern[str]:
    pattern = normalize(pattern)
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        if pattern.startswith("**", i):
            at_start = i == 0 or pattern[i - 1] == "/"
            j = i + 2
            if at_start and pattern.startswith("/", j):
                out.append("(?:.*/)?")  # "**/" spans zero or more directories
                i = j + 1
                continue
            if at_start and j == n and out and out[-1] == "/":
                out[-1] = "(?:/.*)?"  # trailing "/**" also matches the directory itself
                i = j
                continue
            out.append(".*")
            i = j
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def matches(pattern: str, path: str) -> bool:
    """Whether repo-relative ``path`` matches ``pattern``."""
    return compile_glob(pattern).match(path) is not None


def matches_any(patterns: tuple[str, ...], path: str) -> bool:
    return any(matches(p, path) for p in patterns)
