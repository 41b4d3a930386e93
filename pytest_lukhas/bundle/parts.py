"""The bundle's evidence files, each made from what the gate run gathered.

A part whose evidence was not gathered is left out rather than written empty, except
where an empty file still says something true (no MATRIZ node was emitted).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..boundaries.formats import render

if TYPE_CHECKING:  # evidence imports pytest, which the console script does without
    from ..evidence import Evidence

SLA = "sla.json"
IMPORTS = "imports.json"
SARIF = "imports.sarif"
MATRIZ_EVENTS = "matriz_events.jsonl"


def _json(data: object) -> bytes:
    return json.dumps(data, indent=2, sort_keys=True).encode() + b"\n"


def matriz_events(evidence: Evidence) -> Iterator[dict[str, object]]:
    """One line per distinct emitted node shape per test, in test order."""
    for nodeid in sorted(evidence.tests):
        captured = evidence.tests[nodeid].data.get("matriz") or {}
        for entry in captured.get("emitted", ()):
            yield {"test": nodeid, **entry}
        for entry in captured.get("invalid", ()):
            yield {"test": nodeid, "invalid": True, **entry}


def evidence_parts(evidence: Evidence) -> dict[str, bytes]:
    parts = {
        MATRIZ_EVENTS: b"".join(
            json.dumps(line, sort_keys=True).encode() + b"\n" for line in matriz_events(evidence)
        )
    }
    if evidence.sla is not None:
        parts[SLA] = _json(evidence.sla.to_json())
    if evidence.imports is not None:
        parts[IMPORTS] = render(evidence.imports, "json").encode() + b"\n"
        parts[SARIF] = render(evidence.imports, "sarif").encode() + b"\n"
    return parts
