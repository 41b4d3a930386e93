"""What a gate run observed, gathered by the plugin's collectors for the criteria to judge.

Each criterion reads the part it needs; a part that was never gathered is None, and the
criterion then fails closed ("not measured", "not checked") instead of passing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .boundaries.check import ImportReport


@dataclass
class Evidence:
    """Filled in during the pytest session; one attribute per kind of evidence."""

    imports: ImportReport | None = None  # the import scan, with the runtime guard's findings
