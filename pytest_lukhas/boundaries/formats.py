"""Findings printed as text, JSON, GitHub workflow annotations or SARIF 2.1.0."""

from __future__ import annotations

import json
from typing import Any

from ..problems import Severity
from . import findings as kinds
from .check import ImportReport
from .findings import Finding

FORMATS = ("text", "json", "github", "sarif")
INFORMATION_URI = "https://github.com/lukhas-ai/lukhas-gate"
_DESCRIPTIONS = {
    kinds.IMPORT: "an import chain from a lane into a lane its rules deny",
    kinds.ALIAS_IMPORT: "an import that only resolves with a denied lane's root on sys.path",
    kinds.DYNAMIC_IMPORT: "a dynamic import with a literal target in a denied lane",
    kinds.UNVERIFIABLE: "a dynamic import whose target is computed at run time",
    kinds.SYS_PATH: "accepted-lane code changing sys.path, import hooks or PYTHONPATH",
    kinds.RUNTIME_IMPORT: "a denied-lane module loaded by accepted-lane code during the tests",
    kinds.PRAGMA_WITHOUT_REASON: "an allow-import pragma that gives no reason",
    kinds.STALE_BASELINE: "a baseline entry that no finding matches any more",
    kinds.UNMATCHED_GLOB: "an import rule's glob that matches no file of the repository",
    kinds.NO_IMPORT_RULES: "a lanes config without import rules: nothing is checked",
    **{kind: "a file the scan could not read or parse" for kind in kinds.PARSE_KINDS},
}


def render(report: ImportReport, fmt: str) -> str:
    return {"text": text, "json": as_json, "github": github, "sarif": sarif}[fmt](report)


def text(report: ImportReport) -> str:
    found = sorted(report.all_findings, key=_order)
    out = [line for finding in found for line in finding.lines()]
    counts = report.to_json()["counts"]
    verdict = "FAIL" if report.blocking else "ok"
    out.append(
        f"lukhas-gate imports: {verdict}: {counts['errors']} error(s), "
        f"{counts['warnings']} warning(s), {counts['baselined']} baselined; "
        f"{counts['files']} files, {counts['imports']} imports ({counts['parsed']} parsed, "
        f"the rest from the cache) in {report.seconds:.2f}s"
    )
    return "\n".join(out)


def as_json(report: ImportReport) -> str:
    return json.dumps(report.to_json(), indent=2)


def github(report: ImportReport) -> str:
    """``::error file=...,line=...,title=...::message`` lines, one per finding."""
    out = []
    for finding in sorted(report.all_findings, key=_order):
        level = "error" if finding.blocking else "warning"
        if finding.baselined:
            level = "notice"
        where = f"file={_escape_property(finding.file)}"
        if finding.line:
            where += f",line={finding.line}"
        title = _escape_property(f"lukhas-gate {finding.kind}")
        body = "\n".join(finding.lines()[1:])
        message = _escape_data(f"{finding.message}\n{body}")
        out.append(f"::{level} {where},title={title}::{message}")
    return "\n".join(out)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def sarif(report: ImportReport) -> str:
    found = sorted(report.all_findings, key=_order)
    rule_ids = sorted({f.kind for f in found} | {kinds.IMPORT})
    run = {
        "tool": {
            "driver": {
                "name": "lukhas-gate",
                "version": _version(),
                "informationUri": INFORMATION_URI,
                "rules": [
                    {
                        "id": rule_id,
                        "shortDescription": {"text": _DESCRIPTIONS.get(rule_id, rule_id)},
                    }
                    for rule_id in rule_ids
                ],
            }
        },
        "originalUriBaseIds": {
            "SRCROOT": {"uri": report.config.repo_root.resolve().as_uri() + "/"}
        },
        "results": [_result(f) for f in found],
    }
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    }
    return json.dumps(document, indent=2)


def _result(finding: Finding) -> dict[str, Any]:
    level = "error" if finding.severity is Severity.ERROR else "warning"
    result: dict[str, Any] = {
        "ruleId": finding.kind,
        "level": level,
        "message": {"text": f"{finding.message}. Fix: {finding.remedy}"},
        "locations": [_location(finding.file, finding.line)],
        "partialFingerprints": {"lukhasGate/v1": finding.fingerprint},
    }
    if finding.chain:
        steps = [
            {"location": {**_location(hop.file, hop.line), "message": {"text": hop.text}}}
            for hop in finding.chain
        ]
        result["codeFlows"] = [{"threadFlows": [{"locations": steps}]}]
    if finding.baselined:
        result["suppressions"] = [{"kind": "external", "justification": "in the baseline"}]
    return result


def _location(file: str, line: int | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": file, "uriBaseId": "SRCROOT"}}
    if line:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def _order(finding: Finding) -> tuple[int, str, int]:
    return (0 if finding.blocking else 1, finding.file, finding.line or 0)


def _version() -> str:
    from importlib import metadata  # here: only SARIF needs it

    try:
        return metadata.version("lukhas-gate")
    except metadata.PackageNotFoundError:
        return "0"
