"""MODULE_MANIFEST.json discovery and validation -> :class:`Slice`.

A slice is a folder under the accepted lane's root that holds a ``MODULE_MANIFEST.json``.
A manifest that cannot be loaded still yields a slice (with its problems), so the gate
reports it red instead of silently gating fewer slices.
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import schemas
from .lanes import LaneConfig
from .problems import ConfigError, Problem, Severity

MANIFEST_NAME = "MODULE_MANIFEST.json"
_SKIP_DIRS = frozenset({"__pycache__", "node_modules", ".venv", "venv"})


@dataclass(frozen=True)
class Capability:
    name: str
    entry_point: str | None = None  # "package.module:function"
    consent_scopes: tuple[str, ...] = ()
    emit_point: str | None = None


@dataclass(frozen=True)
class Manifest:
    module: str
    capabilities: tuple[Capability, ...]
    feature_flag: str
    p95_ms: float
    emit_points: tuple[str, ...]
    p99_ms: float | None = None
    owner: str | None = None
    dependencies: tuple[str, ...] = ()
    checklist: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Slice:
    """One gated folder: where it is, its manifest (when it loads) and what is wrong with it."""

    relpath: str  # repo-relative POSIX path of the folder
    directory: Path
    manifest: Manifest | None
    problems: tuple[Problem, ...] = ()
    # Promoted code without a manifest yet: where it came from ("" when unknown). Its
    # relpath may be a module file.
    promoted_from: str | None = None

    @property
    def name(self) -> str:
        if self.manifest:
            return self.manifest.module
        return self.relpath.removesuffix(".py").replace("/", ".")

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    @property
    def display(self) -> str:
        """``billing/`` for a folder, ``billing.py`` for promoted code that is a module."""
        return self.relpath if self.relpath.endswith(".py") else self.relpath + "/"

    @property
    def manifest_path(self) -> str:
        """Where its manifest is, or belongs (a slice is a folder, even when the promoted
        code is a module)."""
        folder = self.relpath.rpartition("/")[0] if self.relpath.endswith(".py") else self.relpath
        return f"{folder}/{MANIFEST_NAME}"

    def holds(self, relpath: str) -> bool:
        return relpath == self.relpath or relpath.startswith(self.relpath + "/")


def load_manifest(path: Path, display: str) -> Manifest:
    """Parse and validate one manifest; raise :class:`ConfigError` with JSON pointers."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(display, f"cannot read the manifest: {exc}")]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            [Problem(display, f"invalid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno)]
        ) from None
    problems = schemas.validate(schemas.MANIFEST, data, display)
    if isinstance(data, dict):
        problems += _near_miss_keys(data, display)
    if problems:
        raise ConfigError(problems)
    return _manifest(data)


def _near_miss_keys(data: dict[str, Any], display: str) -> list[Problem]:
    """Unknown keys are allowed, but 'sla' next to a missing 'slas' is a typo, not a field."""
    known = list(schemas.load_schema(schemas.MANIFEST)["properties"])
    problems = []
    for key in data:
        if key in known:
            continue
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
        if close and close[0] not in data:
            problems.append(
                Problem(
                    display,
                    f"unknown key {key!r}",
                    pointer="/" + key.replace("~", "~0").replace("/", "~1"),
                    hint=f"did you mean {close[0]!r}?",
                )
            )
    return problems


def _manifest(data: dict[str, Any]) -> Manifest:
    capabilities = tuple(
        Capability(name=c)
        if isinstance(c, str)
        else Capability(
            name=c["name"],
            entry_point=c.get("entry_point"),
            consent_scopes=tuple(c.get("consent_scopes", ())),
            emit_point=c.get("emit_point"),
        )
        for c in data["capabilities"]
    )
    slas = data["slas"]
    return Manifest(
        module=data["module"],
        capabilities=capabilities,
        feature_flag=data["feature_flag"],
        p95_ms=float(slas["p95_ms"]),
        p99_ms=float(slas["p99_ms"]) if "p99_ms" in slas else None,
        emit_points=tuple(data["matriz_emit_points"]),
        owner=data.get("owner"),
        dependencies=tuple(data.get("dependencies", ())),
        checklist=tuple(data.get("acceptance_checklist", ())),
        raw=data,
    )


def discover_slices(config: LaneConfig) -> list[Slice]:
    """Every folder under the accepted lane's root holding a manifest, sorted by path, then
    the promoted code no manifest covers yet (see :func:`_promoted_without_manifest`)."""
    root = config.repo_root / config.accepted.root
    slices = []
    for manifest_path in sorted(_find_manifests(root)):
        directory = manifest_path.parent
        relpath = config.relpath(directory)
        display = f"{relpath}/{MANIFEST_NAME}"
        try:
            manifest = load_manifest(manifest_path, display)
        except ConfigError as exc:
            slices.append(Slice(relpath, directory, None, exc.problems))
            continue
        slices.append(Slice(relpath, directory, manifest, tuple(_placement(manifest, relpath))))
    return slices + _promoted_without_manifest(config, slices)


def _promoted_without_manifest(config: LaneConfig, slices: list[Slice]) -> list[Slice]:
    """Each path ``lukhas-gate promote`` recorded in the accepted lane's
    ``promotion.promoted`` that no slice holds: gated like a slice whose manifest is
    missing, so promotion starts the six criteria instead of leaving the code ungated."""
    found: list[Slice] = []
    accepted = config.accepted
    sources = config.promotion_sources()
    for relpath in accepted.promoted:
        path = config.repo_root / relpath
        if not path.exists() or any(s.holds(relpath) for s in [*slices, *found]):
            continue  # removed since, or a slice now
        origin = _origin(relpath, accepted.root, sources[0].root) if len(sources) == 1 else ""
        came = f" from {origin}" if origin else ""
        slice_ = Slice(relpath, path, None, promoted_from=origin)
        manifest = slice_.manifest_path
        if manifest.rpartition("/")[0] == accepted.root:
            hint = f"move {relpath} into a package and write its {MANIFEST_NAME} there"
        else:
            hint = f"write {manifest} (module, capabilities, feature_flag, slas, emit points)"
        problem = Problem(
            manifest,
            f"no {MANIFEST_NAME}: {relpath} was promoted{came} and the gate holds it to the "
            "six criteria, which need a manifest",
            hint=hint,
        )
        found.append(replace(slice_, problems=(problem,)))
    return found


def _origin(relpath: str, root: str, source_root: str) -> str:
    rest = relpath[len(root) + 1 :] if root else relpath
    return "/".join(p for p in (source_root, rest) if p)


def _placement(manifest: Manifest, relpath: str) -> list[Problem]:
    """The manifest's ``module`` must name the folder it sits in."""
    folder = [part for part in relpath.split("/") if part]
    dotted = manifest.module.split(".")
    if folder[-len(dotted) :] == dotted:
        return []
    return [
        Problem(
            f"{relpath}/{MANIFEST_NAME}",
            f"'module' is {manifest.module!r} but the manifest lives in {relpath}/",
            pointer="/module",
            hint=f"write {'.'.join(folder[-len(dotted) :] or folder)!r}, or move the manifest",
            severity=Severity.ERROR,
        )
    ]


def _find_manifests(root: Path) -> list[Path]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".")]
        if MANIFEST_NAME in filenames:
            found.append(Path(dirpath) / MANIFEST_NAME)
    return found
