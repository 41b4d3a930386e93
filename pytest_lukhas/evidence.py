"""What a gate run observed, gathered by the plugin's collectors for the criteria to judge.

Each criterion reads the part it needs; a part that was never gathered is None, and the
criterion then fails closed ("not measured", "not checked") instead of passing.

Per-test evidence travels on the test report (attribute :data:`REPORT_ATTR`, plain JSON
data), so it reaches the controller unchanged when pytest-xdist runs tests on workers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .boundaries.check import ImportReport
    from .flags import FlagSettings
    from .selection import Collection
    from .sla.results import SlaResults

REPORT_ATTR = "lukhas"
_ITEM_DATA = pytest.StashKey[dict[str, Any]]()


def item_data(item: pytest.Item) -> dict[str, Any]:
    """The JSON-able evidence one test gathers; collectors add a key each ("matriz", ...)."""
    return item.stash.setdefault(_ITEM_DATA, {})


@dataclass
class TestRecord:
    """One test as the gate saw it, merged over its setup, call and teardown phases."""

    __test__ = False  # not a pytest test class

    nodeid: str
    path: str  # the test file, relative to the repository root
    outcome: str = "passed"  # passed, failed, error, skipped, xfailed, xpassed
    duration_s: float = 0.0
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"


def outcome_of(report: pytest.TestReport) -> str | None:
    """The outcome this phase's report settles, or None when it settles nothing."""
    if report.when == "call":
        if hasattr(report, "wasxfail"):
            return "xfailed" if report.skipped else "xpassed"
        return report.outcome
    if report.failed:
        return "error"
    if report.skipped:
        return "skipped"
    return None


@dataclass
class Evidence:
    """Filled in during the pytest session; one attribute per kind of evidence."""

    tests: dict[str, TestRecord] = field(default_factory=dict)
    collected: set[str] = field(default_factory=set)
    deselected: set[str] = field(default_factory=set)
    narrowing_options: tuple[str, ...] = ()  # -k, -m, --lf, ... when given
    gate_items: set[str] = field(default_factory=set)  # checks the gate added, not tests
    flags: FlagSettings | None = None  # the declared flags the run's fixtures managed
    collection: Collection | None = None  # pytest's test-file rules and the narrowing options
    collected_files: set[str] = field(default_factory=set)  # with or without tests in them
    collection_errors: set[str] = field(default_factory=set)  # files or folders that failed
    collection_interrupted: bool = False  # no test ran after them
    # Slice test file -> what left it out of the run; None until checked.
    uncollected: dict[str, str] | None = None

    def record(self, report: pytest.TestReport, path: str) -> TestRecord:
        record = self.tests.setdefault(report.nodeid, TestRecord(report.nodeid, path))
        outcome = outcome_of(report)
        if outcome is not None and record.outcome not in ("failed", "error"):
            record.outcome = outcome
        record.duration_s += report.duration
        record.data.update(getattr(report, REPORT_ATTR, None) or {})
        return record

    sla: SlaResults | None = None  # SLA tests by node id, each with its slice and verdict
    imports: ImportReport | None = None  # the import scan, with the runtime guard's findings
