"""A cache of per-file parse results keyed by the hash of each file's content.

CI checkouts reset modification times, so the key is the content hash. A stat memo
(size, mtime, inode -> hash) spares re-reading files that did not change on this machine;
when it misses (a fresh checkout) the file is hashed and the content key still hits.

Several pytest-xdist workers may share the directory: the cache is written to a temporary
file and moved into place atomically, merged with whatever another process wrote meanwhile.
A cache that cannot be read is ignored, never an error.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = 1  # bump when the shape of a parse result changes
FILE_NAME = f"imports-py{sys.version_info[0]}{sys.version_info[1]}-v{FORMAT}.marshal"

StatKey = tuple[int, int, int]  # size, mtime_ns, inode


@dataclass
class ParseCache:
    path: Path | None  # None: caching disabled
    parses: dict[str, Any] = field(default_factory=dict)  # content hash -> parse result
    stats: dict[str, tuple[StatKey, str]] = field(default_factory=dict)  # relpath -> (stat, hash)
    changed: bool = False

    @classmethod
    def load(cls, directory: Path | None) -> ParseCache:
        if directory is None:
            return cls(None)
        cache = cls(directory / FILE_NAME)
        cache.parses, cache.stats = _read(cache.path)
        return cache

    def digest_for(self, relpath: str, stat: StatKey) -> str | None:
        """The content hash recorded for ``relpath`` when its stat is unchanged."""
        known = self.stats.get(relpath)
        return known[1] if known is not None and known[0] == stat else None

    def remember(self, relpath: str, stat: StatKey, digest: str, parse: Any = None) -> None:
        if self.stats.get(relpath) != (stat, digest):
            self.stats[relpath] = (stat, digest)
            self.changed = True
        if parse is not None and digest not in self.parses:
            self.parses[digest] = parse
            self.changed = True

    def save(self, live: set[str]) -> None:
        """Write atomically, keeping what other processes wrote, dropping dead entries."""
        if self.path is None or not self.changed:
            return
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            theirs_parses, theirs_stats = _read(self.path)
            stats = {k: v for k, v in {**theirs_stats, **self.stats}.items() if k in live}
            wanted = {digest for _stat, digest in stats.values()}
            parses = {d: p for d, p in {**theirs_parses, **self.parses}.items() if d in wanted}
            data = marshal.dumps({"format": FORMAT, "parses": parses, "stats": stats})
            fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-", suffix=".marshal")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                Path(temp).replace(self.path)
            except OSError:
                with contextlib.suppress(OSError):
                    Path(temp).unlink()
            self.changed = False


def _read(path: Path) -> tuple[dict[str, Any], dict[str, tuple[StatKey, str]]]:
    try:
        data = marshal.loads(path.read_bytes())
        if data.get("format") == FORMAT:
            return dict(data["parses"]), dict(data["stats"])
    except (OSError, EOFError, ValueError, TypeError, KeyError, AttributeError):
        pass
    return {}, {}
