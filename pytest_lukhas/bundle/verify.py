"""``lukhas-gate verify BUNDLE``: every digest, the attestation and the gate.json schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import schemas
from ..problems import ConfigError, Problem
from . import attestation, digests
from .summary import MAX_BYTES
from .writer import GATE_JSON, SUMMARY, bundle_name


def find_bundle(path: Path) -> Path:
    """``path`` itself, or the single ``lukhas-gate-*`` folder inside it (a downloaded artifact)."""
    if (path / digests.SUMS_NAME).exists() or not path.is_dir():
        return path
    inner = sorted(p for p in path.glob("lukhas-gate-*") if p.is_dir())
    return inner[0] if len(inner) == 1 else path


def find_bundles(path: Path) -> list[Path]:
    """Every bundle at ``path`` or up to two folders below it: a bundle folder, a bundle
    directory, or downloaded artifacts (``<artifact>/lukhas-gate-<sha>/``)."""
    if (path / GATE_JSON).is_file():
        return [path]
    found = [p.parent for p in (*path.glob(f"*/{GATE_JSON}"), *path.glob(f"*/*/{GATE_JSON}"))]
    staging = [p for p in found if any(s.startswith(".") for s in p.relative_to(path).parts)]
    return sorted(set(found) - set(staging))


def load_gate(bundle: Path) -> dict[str, Any]:
    return json.loads((bundle / GATE_JSON).read_text(encoding="utf-8"))


def load_valid_gate(bundle: Path) -> dict[str, Any]:
    """gate.json when it is readable and valid against its schema, else a ConfigError."""
    display = f"{bundle}/{GATE_JSON}"
    try:
        gate = load_gate(bundle)
    except (OSError, ValueError) as exc:
        raise ConfigError([Problem(display, f"cannot read it: {exc}")]) from None
    problems = schemas.validate(schemas.GATE_REPORT, gate, display)
    if problems:
        raise ConfigError(problems)
    return gate


def verify(bundle: Path) -> list[str]:
    """Every problem found; an empty list means the bundle is intact."""
    if not bundle.is_dir():
        return [f"{bundle}: not a folder"]
    sums_path = bundle / digests.SUMS_NAME
    if not sums_path.is_file():
        return [f"{bundle}: no {digests.SUMS_NAME}: not a gate bundle, or an incomplete one"]
    try:
        sums, problems = digests.read_sums(sums_path)
    except (OSError, UnicodeDecodeError) as exc:
        return [f"{digests.SUMS_NAME}: unreadable ({exc})"]
    present = {p.relative_to(bundle).as_posix(): p for p in digests.bundle_files(bundle)}
    present.pop(digests.SUMS_NAME, None)
    for name, digest in sorted(sums.items()):
        if name not in present:
            problems.append(f"{name}: listed in {digests.SUMS_NAME} but missing")
        elif digests.sha256_file(present[name]) != digest:
            problems.append(
                f"{name}: sha256 differs from {digests.SUMS_NAME}: changed after writing"
            )
    problems += [
        f"{name}: not listed in {digests.SUMS_NAME}" for name in present if name not in sums
    ]
    gate = _gate_problems(bundle, problems)
    if gate is not None:
        problems += _statement_problems(bundle, gate, present)
    return problems


def _gate_problems(bundle: Path, problems: list[str]) -> dict[str, Any] | None:
    try:
        gate = load_gate(bundle)
    except (OSError, ValueError) as exc:
        problems.append(f"{GATE_JSON}: unreadable ({exc})")
        return None
    problems += [str(p) for p in schemas.validate(schemas.GATE_REPORT, gate, GATE_JSON)]
    summary = bundle / SUMMARY
    if summary.is_file() and summary.stat().st_size > MAX_BYTES:
        problems.append(f"{SUMMARY}: larger than {MAX_BYTES} bytes")
    return gate if isinstance(gate, dict) else None


def _statement_problems(bundle: Path, gate: dict[str, Any], present: dict[str, Path]) -> list[str]:
    name = attestation.STATEMENT_NAME
    try:
        statement = json.loads((bundle / name).read_text(encoding="utf-8"))
        subjects = statement["subject"]
        commits = [s["digest"]["gitCommit"] for s in subjects if "gitCommit" in s["digest"]]
        files = {s["name"]: s["digest"]["sha256"] for s in subjects if "sha256" in s["digest"]}
        kind = (statement["_type"], statement["predicateType"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"{name}: unreadable or not an in-toto statement ({exc!r})"]
    problems = []
    if kind != (attestation.STATEMENT_TYPE, attestation.TEST_RESULT):
        problems.append(f"{name}: expected an in-toto Statement v1 with the test-result predicate")
    sha = (gate.get("commit") or {}).get("sha")
    if commits != [sha]:
        problems.append(f"{name}: subject commit {commits} is not gate.json's {sha}")
    covered = {n: p for n, p in present.items() if n != name}
    for file_name, path in sorted(covered.items()):
        if file_name not in files:
            problems.append(f"{name}: {file_name} is not a subject")
        elif files[file_name] != digests.sha256_file(path):
            problems.append(f"{name}: subject {file_name} has another sha256 than the file")
    problems += [f"{name}: subject {n} is not in the bundle" for n in files if n not in covered]
    if bundle.name.startswith("lukhas-gate-") and bundle.name != bundle_name(str(sha)):
        problems.append(f"{bundle.name}: folder name does not match gate.json's commit {sha}")
    return problems
