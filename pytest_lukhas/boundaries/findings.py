"""What the import check reports: findings, each with where to act and how."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Any

from ..problems import Severity

# Finding kinds
IMPORT = "import"  # a static import chain into a denied lane
ALIAS_IMPORT = "alias-import"  # resolves only with a denied lane's root on sys.path
DYNAMIC_IMPORT = "dynamic-import"  # importlib/__import__/runpy/pkgutil with a literal target
UNVERIFIABLE = "unverifiable-dynamic-import"
SYS_PATH = "sys-path-change"
RUNTIME_IMPORT = "runtime-import"  # seen by the runtime guard during the tests
PRAGMA_WITHOUT_REASON = "pragma-without-reason"
STALE_BASELINE = "stale-baseline-entry"
UNMATCHED_GLOB = "unmatched-glob"  # a rule's glob in ops/matriz.yaml that matches no file
NO_IMPORT_RULES = "no-import-rules"  # ops/matriz.yaml has none: the criterion checks nothing
PARSE_KINDS = ("syntax-error", "undecodable", "too-large", "unreadable")


@dataclass(frozen=True)
class Hop:
    """One import statement of a chain: ``importer`` imports ``imported`` at file:line."""

    importer: str  # module name
    file: str  # repo-relative path of the importing file
    line: int
    text: str  # the statement as written
    via: str  # import, type-checking, dynamic, alias
    imported: str  # module name
    imported_file: str

    def to_json(self) -> dict[str, Any]:
        return {
            "importer": self.importer,
            "file": self.file,
            "line": self.line,
            "text": self.text,
            "via": self.via,
            "imported": self.imported,
            "imported_file": self.imported_file,
        }

    def __str__(self) -> str:
        via = "" if self.via == "import" else f" [{self.via}]"
        return f"{self.file}:{self.line}: {self.text}{via}"


@dataclass(frozen=True)
class Finding:
    kind: str
    severity: Severity
    lane: str | None  # the importing file's lane
    file: str  # where to act (for a chain: the first hop, in the checked lane)
    line: int | None
    message: str
    remedy: str
    rules: tuple[str, ...] = ()  # the ops/matriz.yaml rules broken ("" when none applies)
    chain: tuple[Hop, ...] = ()
    target: str | None = None  # the denied file reached
    test: str | None = None  # the test that triggered a runtime finding
    baselined: bool = False

    @property
    def fingerprint(self) -> str:
        """Stable across line shifts. A chain is known by the import that crosses into the
        denied lane (its file, statement and target), not by where the shortest chain to it
        happens to start, which moves when unrelated imports change."""
        crossing = self.chain[-1] if self.chain else None
        if crossing is not None:
            parts = [self.kind, crossing.file, crossing.text, self.target or ""]
        else:
            parts = [self.kind, self.file, self.message]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:20]

    @property
    def location(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"

    @property
    def blocking(self) -> bool:
        return self.severity is Severity.ERROR and not self.baselined

    def with_baselined(self) -> Finding:
        return replace(self, baselined=True)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "severity": str(self.severity),
            "lane": self.lane,
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "remedy": self.remedy,
            "rules": list(self.rules),
            "target": self.target,
            "chain": [hop.to_json() for hop in self.chain],
            "fingerprint": self.fingerprint,
            "baselined": self.baselined,
        }
        if self.test:
            data["test"] = self.test
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        """The inverse of :meth:`to_json` (cached reports, pytest-xdist workers)."""
        keys = ("importer", "file", "line", "text", "via", "imported", "imported_file")
        return cls(
            kind=data["kind"],
            severity=Severity(data["severity"]),
            lane=data["lane"],
            file=data["file"],
            line=data["line"],
            message=data["message"],
            remedy=data["remedy"],
            rules=tuple(data["rules"]),
            chain=tuple(Hop(*(hop[key] for key in keys)) for hop in data["chain"]),
            target=data["target"],
            test=data.get("test"),
        )

    def lines(self) -> list[str]:
        """Human-readable: the message, every hop of the chain, the remedy."""
        mark = " (baselined)" if self.baselined else ""
        out = [f"{self.location}: {self.severity}: [{self.kind}] {self.message}{mark}"]
        if self.test:
            out.append(f"    triggered by test {self.test}")
        if len(self.chain) > 1 or (self.chain and self.chain[0].file != self.file):
            out += [f"    {'->' if i else '  '} {hop}" for i, hop in enumerate(self.chain)]
        for rule in self.rules:
            out.append(f"    rule: {rule}")
        out.append(f"    fix: {self.remedy}")
        return out
