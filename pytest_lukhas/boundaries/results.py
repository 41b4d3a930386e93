"""The whole report cached: reused when every input it was computed from is unchanged.

The key covers this code, the Python version, the config file, the options and the content
hash of every scanned file. Resolution also read directory listings and asked which
top-level names are installed; those answers are stored with the result and asked again
before it is reused, so a new file or an uninstalled package is never missed.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from typing import Any

from ..lanes import LaneConfig
from .cache import ParseCache, code_version
from .findings import Finding
from .graph import ImportGraph
from .resolve import Resolver, import_roots
from .scan import Found, digests


@dataclass
class Computed:
    """What the rules found, whether just computed or restored from the cache."""

    findings: list[Finding]  # merged chains and file findings, before the baseline
    by_rule: dict[str, list[Finding]]
    files: int
    imports: int
    parsed: int
    graph: ImportGraph | None = None  # None when restored: rebuilt on demand


def key(config: LaneConfig, options: tuple[Any, ...], found: list[Found], store: ParseCache) -> str:
    hashes = digests(found, store)
    h = hashlib.blake2b(digest_size=20)
    for part in (code_version(), sys.version, config.accepted.name, repr(options),
                 repr(import_roots(config, options[2]))):  # fmt: skip
        h.update(part.encode() + b"\0")
    h.update(config.path.read_bytes())
    for relpath, lives_at, _absolute, _stat in sorted(found):
        h.update(f"{relpath}\0{lives_at}\0{hashes[relpath]}\n".encode())
    return h.hexdigest()


def entry(computed: Computed, resolver: Resolver, found: list[Found]) -> dict[str, Any]:
    assert computed.graph is not None
    scanned = {relpath for relpath, *_rest in found}
    listings, external = resolver.consulted()
    return {
        "findings": [f.to_json() for f in computed.findings],
        "by_rule": {rule: [f.to_json() for f in found] for rule, found in computed.by_rule.items()},
        "counts": (computed.files, computed.imports),
        "listings": listings,
        "external": external,
        "extra": {p: f.digest for p, f in computed.graph.files.items() if p not in scanned},
    }


def restore(
    store: ParseCache, result_key: str, config: LaneConfig, resolver: Resolver
) -> Computed | None:
    """The cached result for ``result_key`` when the inputs outside the key still hold."""
    saved = store.result(result_key)
    if saved is None:
        return None
    if any(resolver.listing(d) != listing for d, listing in saved["listings"].items()):
        return None
    if any(resolver.is_external(top) != known for top, known in saved["external"].items()):
        return None
    extra = []
    for relpath in saved["extra"]:
        path = config.repo_root / relpath
        try:
            stat = path.stat()
        except OSError:
            return None
        extra.append((relpath, relpath, str(path), (stat.st_size, stat.st_mtime_ns, stat.st_ino)))
    if digests(extra, store) != saved["extra"]:
        return None
    files, imports = saved["counts"]
    return Computed(
        findings=[Finding.from_json(f) for f in saved["findings"]],
        by_rule={r: [Finding.from_json(f) for f in fs] for r, fs in saved["by_rule"].items()},
        files=files,
        imports=imports,
        parsed=0,
    )
