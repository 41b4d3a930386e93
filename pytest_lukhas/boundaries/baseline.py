"""A baseline of known findings, so a repository with old violations can adopt the gate and
fail only on new ones. Entries are keyed by a fingerprint that survives line shifts; an
entry no finding matches any more is stale and reported, so the baseline only shrinks.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from ..problems import ConfigError, Problem, Severity
from . import findings as kinds
from .findings import Finding

VERSION = 1


def load(path: Path, display: str) -> Counter[str]:
    """Fingerprints and how many findings each may cover; a missing file is an empty one."""
    if not path.exists():
        return Counter()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(display, f"cannot read the baseline: {exc}")]) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            [Problem(display, f"invalid JSON: {exc.msg}", line=exc.lineno, hint=_REWRITE)]
        ) from None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise ConfigError([Problem(display, f"expected 'version': {VERSION}", pointer="/version",
                                   hint=_REWRITE)])  # fmt: skip
    entries = data.get("findings")
    if not isinstance(entries, list):
        raise ConfigError([Problem(display, "expected a list of findings", pointer="/findings",
                                   hint=_REWRITE)])  # fmt: skip
    counts: Counter[str] = Counter()
    for index, entry in enumerate(entries):
        fingerprint = entry.get("fingerprint") if isinstance(entry, dict) else None
        if not isinstance(fingerprint, str):
            raise ConfigError([Problem(display, "expected an object with a 'fingerprint' string",
                                       pointer=f"/findings/{index}", hint=_REWRITE)])  # fmt: skip
        counts[fingerprint] += 1
    return counts


_REWRITE = "regenerate it with 'lukhas-gate imports --write-baseline'"


def apply(found: list[Finding], known: Counter[str], display: str) -> list[Finding]:
    """Mark baselined findings; add one warning per stale entry.

    An entry covers one finding, but a runtime finding is one crossing however many tests
    ran it, and the baselined static finding that crosses at the same import covers it too
    (static findings come first in ``found``).
    """
    left = Counter(known)
    crossings: set[tuple[str, int, str]] = set()  # where baselined findings cross
    out = []
    for finding in found:
        crossing = _crossing(finding)
        if finding.severity is not Severity.ERROR:
            out.append(finding)
        elif finding.kind == kinds.RUNTIME_IMPORT and crossing in crossings:
            out.append(finding.with_baselined())
        elif left[finding.fingerprint] > 0:
            left[finding.fingerprint] -= 1
            if crossing is not None:
                crossings.add(crossing)
            out.append(finding.with_baselined())
        else:
            out.append(finding)
    for fingerprint, count in sorted(left.items()):
        for _ in range(count):
            out.append(
                Finding(
                    kind=kinds.STALE_BASELINE,
                    severity=Severity.WARNING,
                    lane=None,
                    file=display,
                    line=None,
                    message=f"baseline entry {fingerprint} matches no finding any more",
                    remedy=f"drop it: {_REWRITE}",
                )
            )
    return out


def _crossing(finding: Finding) -> tuple[str, int, str] | None:
    """The import where a chain enters the denied lane: importing file, line, loaded file."""
    if not finding.chain:
        return None
    hop = finding.chain[-1]
    return hop.file, hop.line, hop.imported_file


def write(path: Path, found: list[Finding]) -> int:
    """Write every error finding to the baseline; return how many were written."""
    entries = [
        {
            "fingerprint": f.fingerprint,
            "kind": f.kind,
            "file": f.file,
            "target": f.target,
            "message": f.message,
        }
        for f in found
        if f.severity is Severity.ERROR and f.kind != kinds.RUNTIME_IMPORT
    ]
    entries.sort(key=lambda e: (e["file"], e["kind"], e["fingerprint"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"version": VERSION, "findings": entries}, indent=2) + "\n"
    path.write_text(text, encoding="utf-8")
    return len(entries)
