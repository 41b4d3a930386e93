"""SHA256SUMS: the digest of every bundle file, in the format ``sha256sum -c`` reads."""

from __future__ import annotations

import hashlib
from pathlib import Path

SUMS_NAME = "SHA256SUMS"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def bundle_files(directory: Path, exclude: frozenset[str] = frozenset()) -> list[Path]:
    """Every regular file below ``directory`` except ``exclude`` (names relative to it)."""
    return sorted(
        p
        for p in directory.rglob("*")
        if p.is_file() and p.relative_to(directory).as_posix() not in exclude
    )


def write_sums(directory: Path, files: list[Path]) -> dict[str, str]:
    sums = {p.relative_to(directory).as_posix(): sha256_file(p) for p in files}
    text = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))
    (directory / SUMS_NAME).write_text(text, encoding="utf-8")
    return sums


def read_sums(path: Path) -> tuple[dict[str, str], list[str]]:
    """(name -> digest, problems) for a SHA256SUMS file."""
    sums: dict[str, str] = {}
    problems: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or not name:
            problems.append(f"{path.name}:{number}: expected '<sha256>  <file>', found {line!r}")
            continue
        sums[name.removeprefix("*")] = digest
    return sums, problems
