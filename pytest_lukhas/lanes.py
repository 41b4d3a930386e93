"""ops/matriz.yaml -> :class:`LaneConfig`: lanes, their roots and import rules.

A file belongs to the lane whose root holds it; roots may nest and the most specific root
wins. Invariant arrows point the way code flows, from the imported to the importer:
``lukhas/** <- candidate/**`` forbids files under lukhas/ to import files under candidate/;
``archive/** -> **`` forbids anything to import archive/.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from . import schemas
from .problems import ConfigError, Problem, Severity, json_pointer
from .schemas.remembered import ValidDocuments
from .yaml_source import YamlDocument, load_yaml

DEFAULT_CONFIG = "ops/matriz.yaml"
ACCEPTED_NAME = "accepted"
_ARROW = re.compile(r"^\s*(\S+)\s*(<-|->)\s*(\S+)\s*$")
_SKIP_DIRS = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox"})


@dataclass(frozen=True)
class Lane:
    name: str
    root: str  # repo-relative POSIX directory without trailing slash; "" is the repo root
    allow_from: tuple[str, ...] | None  # None: no allow-list, only deny_from applies
    deny_from: tuple[str, ...]
    depends_on: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    promotion_from: str | None = None
    promotion_to: str | None = None
    promotion_checks: tuple[str, ...] = ()
    promoted: tuple[str, ...] = ()  # paths `lukhas-gate promote` copied into this lane
    line: int | None = None

    def holds(self, relpath: str) -> bool:
        return not self.root or relpath == self.root or relpath.startswith(self.root + "/")


@dataclass(frozen=True)
class ImportInvariant:
    """A forbidden flow: files matching ``importer`` must not import files matching ``imported``."""

    rule: str
    importer: str
    imported: str
    text: str
    line: int | None = None


@dataclass(frozen=True)
class LaneConfig:
    path: Path
    repo_root: Path
    lanes: tuple[Lane, ...]
    invariants: tuple[ImportInvariant, ...]
    accepted: Lane
    secret_patterns: tuple[str, ...] = ()
    zero_bytes_fail: bool = False
    warnings: tuple[Problem, ...] = ()
    # The optional top-level ``imports:`` section (import check knobs), as validated.
    imports: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def lane(self, name: str) -> Lane:
        for lane in self.lanes:
            if lane.name == name:
                return lane
        raise KeyError(name)

    def lane_of(self, relpath: str) -> Lane | None:
        """The lane whose root most specifically holds ``relpath`` (repo-relative POSIX)."""
        best: Lane | None = None
        for lane in self.lanes:
            if lane.holds(relpath) and (best is None or len(lane.root) > len(best.root)):
                best = lane
        return best

    def relpath(self, path: Path) -> str:
        """``path`` relative to the repository root, as the globs see it."""
        return PurePosixPath(Path(os.path.relpath(path, self.repo_root))).as_posix()

    def promotion_sources(self) -> list[Lane]:
        """The lanes promoted into the accepted lane: each whose ``promotion.to`` names it,
        and the one its ``promotion.from`` names."""
        accepted = self.accepted
        return [
            lane
            for lane in self.lanes
            if lane is not accepted
            and (lane.promotion_to == accepted.name or accepted.promotion_from == lane.name)
        ]


def load_lanes(
    path: Path,
    repo_root: Path,
    *,
    accepted_lane: str | None = None,
    require_python_files: bool = True,
    valid_before: ValidDocuments | None = None,
) -> LaneConfig:
    """Load and check ``path``; raise :class:`ConfigError` listing every problem found.

    ``valid_before``: texts that passed the schema before, which need no second look (the
    rest of the checks run every time).
    """
    display = _display(path, repo_root)
    doc = load_yaml(path, display)
    problems: list[Problem] = []
    if valid_before is None or not valid_before.holds(schemas.LANES, doc.text):
        problems = schemas.validate(schemas.LANES, doc.data, display, doc.line_of)
        if problems:
            raise ConfigError(problems)
        if valid_before is not None:
            valid_before.add(schemas.LANES, doc.text)
    assert isinstance(doc.data, dict)
    lanes = [_lane(raw, i, doc) for i, raw in enumerate(doc.data["lanes"])]
    problems += _lane_problems(lanes, doc, display)
    invariants, arrow_problems = _invariants(doc, display)
    problems += arrow_problems
    accepted, accepted_problems = _accepted(lanes, doc, display, accepted_lane)
    problems += accepted_problems
    warnings = [p for p in problems if p.severity is Severity.WARNING]
    warnings += _missing_roots(lanes, repo_root, display)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if (
        not errors
        and require_python_files
        and not any(_has_python_file(repo_root / lane.root) for lane in lanes)
    ):
        roots = ", ".join(f"{lane.root or '.'}/" for lane in lanes)
        errors.append(
            Problem(
                display,
                f"no lane root holds a Python file (roots: {roots}); a gate over nothing "
                "would pass vacuously",
                line=doc.line_of(("lanes",)),
                pointer="/lanes",
                hint="point the lane roots at your packages, or run from the repository root",
            )
        )
    if errors:
        raise ConfigError(errors)
    assert accepted is not None
    invariant_data = doc.data.get("invariants") or {}
    return LaneConfig(
        path=path,
        repo_root=repo_root,
        lanes=tuple(lanes),
        invariants=tuple(invariants),
        accepted=accepted,
        secret_patterns=tuple(s["pattern"] for s in invariant_data.get("secrets", [])),
        zero_bytes_fail=bool(invariant_data.get("zero_bytes_fail", False)),
        warnings=tuple(warnings),
        imports=dict(doc.data.get("imports") or {}),
    )


def _display(path: Path, repo_root: Path) -> str:
    try:
        return path.resolve().relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        return str(path)


def normalize_root(root: str) -> str | None:
    """``lukhas/`` -> ``lukhas``; None when the root leaves the repository."""
    posix = PurePosixPath(root.strip().replace("\\", "/"))
    if posix.is_absolute() or ".." in posix.parts:
        return None
    text = posix.as_posix()
    return "" if text == "." else text


def _lane(raw: dict, index: int, doc: YamlDocument) -> Lane:
    rules = raw.get("import_rules") or {}
    promotion = raw.get("promotion") or {}
    allow = rules.get("allow_from")
    return Lane(
        name=raw["name"],
        root=normalize_root(raw["root"]) or raw["root"],
        allow_from=tuple(allow) if allow is not None else None,
        deny_from=tuple(rules.get("deny_from") or ()),
        depends_on=tuple(raw.get("depends_on") or ()),
        owners=tuple(raw.get("owners") or ()),
        promotion_from=promotion.get("from"),
        promotion_to=promotion.get("to"),
        promotion_checks=tuple(promotion.get("checks") or ()),
        promoted=tuple(p.strip().rstrip("/") for p in promotion.get("promoted") or ()),
        line=doc.line_of(("lanes", index)),
    )


def _lane_problems(lanes: list[Lane], doc: YamlDocument, display: str) -> list[Problem]:
    problems: list[Problem] = []
    names = {lane.name for lane in lanes}
    first_by_name: dict[str, Lane] = {}
    first_by_root: dict[str, Lane] = {}
    for index, lane in enumerate(lanes):
        here = ("lanes", index)
        if lane.name in first_by_name:
            problems.append(
                Problem(
                    display,
                    f"duplicate lane name {lane.name!r} (first on line "
                    f"{first_by_name[lane.name].line})",
                    line=doc.line_of((*here, "name")),
                    pointer=json_pointer((*here, "name")),
                    hint="give every lane its own name",
                )
            )
        first_by_name.setdefault(lane.name, lane)
        if normalize_root(lane.root) is None:
            problems.append(
                Problem(
                    display,
                    f"lane root {lane.root!r} leaves the repository",
                    line=doc.line_of((*here, "root")),
                    pointer=json_pointer((*here, "root")),
                    hint="write a path relative to the repository root, such as 'lukhas/'",
                )
            )
        elif lane.root in first_by_root:
            other = first_by_root[lane.root]
            problems.append(
                Problem(
                    display,
                    f"lanes {other.name!r} and {lane.name!r} share the root {lane.root + '/'!r}, "
                    "so no file could tell which lane it is in",
                    line=doc.line_of((*here, "root")),
                    pointer=json_pointer((*here, "root")),
                    hint="give each lane its own root; nested roots are fine",
                )
            )
        first_by_root.setdefault(lane.root, lane)
        references = [("depends_on", i, n) for i, n in enumerate(lane.depends_on)]
        references += [
            ("promotion", k, n)
            for k, n in (("from", lane.promotion_from), ("to", lane.promotion_to))
            if n
        ]
        for sub, promoted in enumerate(lane.promoted):
            if not lane.holds(promoted):
                where = (*here, "promotion", "promoted", sub)
                problems.append(
                    Problem(
                        display,
                        f"lane {lane.name!r} lists {promoted!r} as promoted, but it is not "
                        f"under the lane's root {lane.root + '/'!r}",
                        line=doc.line_of(where),
                        pointer=json_pointer(where),
                        hint="write the path of the promoted copy, or remove the entry",
                        severity=Severity.WARNING,
                    )
                )
        for key, sub, name in references:
            if name not in names:
                problems.append(
                    Problem(
                        display,
                        f"lane {lane.name!r} refers to {name!r}, which is not a lane here",
                        line=doc.line_of((*here, key, sub)),
                        pointer=json_pointer((*here, key, sub)),
                        hint=f"use one of: {', '.join(sorted(names))}",
                        severity=Severity.WARNING,
                    )
                )
    return problems


def parse_arrow(text: str) -> tuple[str, str] | None:
    """``A <- B`` or ``B -> A`` -> (importer A, imported B); None when unparseable."""
    match = _ARROW.match(text)
    if match is None:
        return None
    left, arrow, right = match.groups()
    return (left, right) if arrow == "<-" else (right, left)


def _invariants(doc: YamlDocument, display: str) -> tuple[list[ImportInvariant], list[Problem]]:
    assert isinstance(doc.data, dict)
    invariants: list[ImportInvariant] = []
    problems: list[Problem] = []
    entries = (doc.data.get("invariants") or {}).get("imports") or []
    for i, entry in enumerate(entries):
        for j, text in enumerate(entry["deny"]):
            here = ("invariants", "imports", i, "deny", j)
            parsed = parse_arrow(text)
            if parsed is None:  # the schema's pattern already rejects these; kept as a guard
                problems.append(
                    Problem(
                        display,
                        f"cannot read the arrow in {text!r}",
                        line=doc.line_of(here),
                        pointer=json_pointer(here),
                    )
                )
                continue
            importer, imported = parsed
            invariants.append(
                ImportInvariant(
                    rule=entry.get("rule") or text,
                    importer=importer,
                    imported=imported,
                    text=text,
                    line=doc.line_of(here),
                )
            )
    return invariants, problems


def _accepted(
    lanes: list[Lane], doc: YamlDocument, display: str, explicit: str | None
) -> tuple[Lane | None, list[Problem]]:
    """The production lane: named explicitly, called 'accepted', or the promotion target."""
    assert isinstance(doc.data, dict)
    by_name = {lane.name: lane for lane in lanes}
    wanted = explicit or doc.data.get("accepted_lane")
    if wanted:
        if wanted in by_name:
            return by_name[wanted], []
        source = "the lukhas_accepted_lane setting" if explicit else "accepted_lane"
        return None, [
            Problem(
                display,
                f"{source} names {wanted!r}, which is not a lane here",
                line=None if explicit else doc.line_of(("accepted_lane",)),
                pointer=None if explicit else "/accepted_lane",
                hint=f"use one of: {', '.join(by_name)}",
            )
        ]
    if ACCEPTED_NAME in by_name:
        return by_name[ACCEPTED_NAME], []
    targets = {lane.name for lane in lanes if lane.promotion_from}
    targets |= {lane.promotion_to for lane in lanes if lane.promotion_to in by_name}
    if len(targets) == 1:
        return by_name[targets.pop()], []
    return None, [
        Problem(
            display,
            "cannot tell which lane is the accepted (production) lane: no lane is called "
            f"'accepted' and {len(targets)} lanes are promotion targets",
            line=doc.line_of(("lanes",)),
            pointer="/lanes",
            hint="add 'accepted_lane: NAME' at the top level, or set lukhas_accepted_lane "
            "in the pytest configuration",
        )
    ]


def _missing_roots(lanes: list[Lane], repo_root: Path, display: str) -> list[Problem]:
    return [
        Problem(
            display,
            f"lane {lane.name!r}: root {lane.root + '/'!r} does not exist",
            line=lane.line,
            hint="create the directory or remove the lane",
            severity=Severity.WARNING,
        )
        for lane in lanes
        if normalize_root(lane.root) is not None and not (repo_root / lane.root).is_dir()
    ]


def _has_python_file(directory: Path) -> bool:
    if not directory.is_dir():
        return False
    for _dirpath, dirnames, filenames in os.walk(directory):
        if any(name.endswith(".py") for name in filenames):
            return True
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".")]
    return False
