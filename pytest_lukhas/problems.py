"""Problems found in a user's files, with the place and the fix.

Every error a user can cause is reported as a :class:`Problem`: the file, the line or
JSON pointer, what was expected, what was found and how to fix it. Code raises
:class:`ConfigError` carrying one or more problems; callers print them, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file, located precisely enough to act on."""

    file: str
    message: str
    line: int | None = None
    pointer: str | None = None
    hint: str | None = None
    severity: Severity = Severity.ERROR

    @property
    def location(self) -> str:
        place = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{place} at {self.pointer}" if self.pointer else place

    def __str__(self) -> str:
        text = f"{self.location}: {self.severity}: {self.message}"
        return f"{text} (fix: {self.hint})" if self.hint else text

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "pointer": self.pointer,
            "severity": str(self.severity),
            "message": self.message,
            "hint": self.hint,
        }


class ConfigError(Exception):
    """Raised with every problem found, so one run shows them all."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def json_pointer(path: Iterable[object]) -> str:
    """RFC 6901 pointer for a path of keys and indices ("" is the whole document)."""
    parts = (str(p).replace("~", "~0").replace("/", "~1") for p in path)
    return "".join("/" + p for p in parts)
