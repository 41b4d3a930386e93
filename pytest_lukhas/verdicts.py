"""What the gate decides: a verdict per slice per criterion, and for the repository."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from .manifests import Slice

if TYPE_CHECKING:
    from .selection import Selection


class Criterion(StrEnum):
    LANE = "lane"
    IMPORTS = "imports"
    MATRIZ = "matriz"
    TESTS = "tests"
    SLA = "sla"
    DRY_RUN = "dry_run"


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"

    @property
    def green(self) -> bool:
        return self is Status.PASS


@dataclass(frozen=True)
class Verdict:
    criterion: str
    status: Status
    reason: str = ""
    where: str | None = None  # a file, file:line or test id to look at
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def green(self) -> bool:
        return self.status.green

    def to_json(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "status": str(self.status),
            "reason": self.reason,
            "where": self.where,
            "details": self.details,
        }


@dataclass(frozen=True)
class SliceVerdicts:
    slice: Slice
    verdicts: tuple[Verdict, ...]

    @property
    def green(self) -> bool:
        return all(v.green for v in self.verdicts)

    def get(self, criterion: Criterion) -> Verdict:
        return next(v for v in self.verdicts if v.criterion == criterion)


@dataclass(frozen=True)
class GateResult:
    slices: tuple[SliceVerdicts, ...]
    repo_checks: tuple[Verdict, ...] = ()
    partial_reasons: tuple[str, ...] = ()
    selection: Selection | None = None  # None: every slice of the repository

    @property
    def green(self) -> bool:
        return (
            bool(self.slices)
            and not self.partial_reasons
            and all(s.green for s in self.slices)
            and all(v.green for v in self.repo_checks)
        )
