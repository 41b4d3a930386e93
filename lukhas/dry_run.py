"""What the built-in null providers answer: deterministic results and structured errors.

Null providers do no I/O and put no time or random id in their answers, so a dry run
gives the same answer every time. Bad input is an answer too, never an exception:
``{"ok": False, ..., "error": {"code": "invalid_input", "field": ..., "message": ...}}``.
"""

from collections.abc import Mapping
from typing import Any

Result = dict[str, Any]


class InvalidInput(Exception):
    """Raised inside a null provider, turned into its error answer by :meth:`result`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def result(self) -> Result:
        error = {"code": "invalid_input", "field": self.field, "message": self.message}
        return {"ok": False, "provider": "null", "mode": "dry_run", "error": error}


def ok(**fields: Any) -> Result:
    """A null provider's successful answer, with ``fields`` added."""
    return {"ok": True, "provider": "null", "mode": "dry_run", **fields}


def text(field: str, value: object) -> str:
    """``value`` if it is a non-blank string, else InvalidInput for ``field``."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(field, f"{field} must be a non-empty string, got {_kind(value)}")
    return value


def mapping(field: str, value: object) -> Mapping[Any, Any]:
    """``value`` if it is a mapping, else InvalidInput for ``field``."""
    if not isinstance(value, Mapping):
        raise InvalidInput(field, f"{field} must be a mapping, got {_kind(value)}")
    return value


def _kind(value: object) -> str:
    # Name the type, never echo the value: it may be personal data.
    if isinstance(value, str):
        return "an empty string" if not value else "a blank string"
    return "None" if value is None else type(value).__name__
