"""The import check inside a pytest session: the static report (scanned once per process,
from the shared cache), the runtime guard, and the pytest items that show both."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from ..items import GateCheckItem
from ..lanes import LaneConfig
from ..manifests import Slice
from .check import ImportOptions, ImportReport, check_imports
from .findings import Finding
from .guard import Guard
from .rules import Rule, rules_of

WORKER_KEY = "lukhas_runtime_imports"


@dataclass
class ImportSession:
    config: LaneConfig
    options: ImportOptions
    guard: Guard | None = None
    _report: ImportReport | None = None
    _from_workers: list[Finding] = field(default_factory=list)

    def report(self) -> ImportReport:
        """The static report, computed on first use (ConfigError for a bad baseline)."""
        if self._report is None:
            self._report = check_imports(self.config, self.options)
        return self._report

    def runtime_findings(self) -> list[Finding]:
        own = self.guard.findings() if self.guard is not None else []
        return own + self._from_workers

    def from_worker(self, output: dict[str, Any]) -> None:
        for data in json.loads(output.get(WORKER_KEY, "[]")):
            self._from_workers.append(Finding.from_json(data))

    def to_worker_output(self) -> str:
        return json.dumps([f.to_json() for f in self.runtime_findings()])

    def summary_lines(self) -> list[str]:
        """Import rules that check nothing and the runtime guard's findings, for the
        terminal (items cannot show them: no item fails for a warning, and the guard's
        findings are found while the tests run)."""
        report = self._report
        out = [line for f in report.config_warnings for line in f.lines()] if report else []
        found = report.runtime if report is not None else self.runtime_findings()
        if not found:
            return out
        modules = len({f.target for f in found})  # one finding per test that loaded it
        head = f"runtime import guard: {modules} denied module(s) loaded by accepted-lane code"
        return [*out, head, *(line for finding in found for line in finding.lines())]

    def final_report(self) -> ImportReport:
        report = self.report()
        report.add_runtime(self.runtime_findings())
        return report

    def item_ids(self, slices: list[Slice]) -> set[str]:
        """The node ids :meth:`items` gives, known without collecting (on an xdist controller)."""
        return {rule_id for rule_id, _ in self._rule_ids()} | {_slice_id(s) for s in slices}

    def _rule_ids(self) -> list[tuple[str, Rule]]:
        report_path = self.config.relpath(self.config.path)
        return [
            (f"{report_path}::imports[{rule.id}]", rule)
            for rule in _rules_with_accepted(self.config)
        ]

    def items(self, session: pytest.Session, slices: list[Slice]) -> Iterator[pytest.Item]:
        """One item per lane rule (the accepted lane always has one) and one per slice."""
        for nodeid, rule in self._rule_ids():
            yield ImportRuleItem.from_parent(
                session,
                name=f"imports[{rule.id}]",
                nodeid=nodeid,
                imports=self,
                rule=rule,
            )
        for slice_ in slices:
            yield ImportSliceItem.from_parent(
                session,
                name=f"imports[{slice_.name}]",
                nodeid=_slice_id(slice_),
                imports=self,
                slice_=slice_,
            )


def _slice_id(slice_: Slice) -> str:
    return f"{slice_.relpath}::imports"


def _rules_with_accepted(config: LaneConfig) -> list[Rule]:
    rules = rules_of(config)
    if not any(r.lane is config.accepted for r in rules):
        accepted = config.accepted
        text = f"lane {accepted.name!r}: no import rules"
        rules.insert(0, Rule(f"lane:{accepted.name}", text, accepted, None, (), None))
    return rules


class ImportFindings(Exception):
    def __init__(self, found: list[Finding]) -> None:
        super().__init__(f"{len(found)} import finding(s)")
        self.found = found


class _ImportItem(GateCheckItem):
    def __init__(self, *, imports: ImportSession, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.imports = imports

    def findings(self) -> list[Finding]:
        raise NotImplementedError

    def runtest(self) -> None:
        blocking = [f for f in self.findings() if f.blocking]
        if blocking:
            raise ImportFindings(blocking)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ImportFindings):
            return "\n".join(line for f in excinfo.value.found for line in f.lines())
        return str(excinfo.value)

    def reportinfo(self) -> tuple[str, int | None, str]:
        return self.imports.config.relpath(self.imports.config.path), None, self.name


class ImportRuleItem(_ImportItem):
    def __init__(self, *, rule: Rule, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rule = rule

    def findings(self) -> list[Finding]:
        return self.imports.report().for_rule(self.rule)


class ImportSliceItem(_ImportItem):
    def __init__(self, *, slice_: Slice, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.slice_ = slice_

    def findings(self) -> list[Finding]:
        return self.imports.report().for_slice(self.slice_.relpath)
