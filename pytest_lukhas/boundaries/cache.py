"""Caches of the import check, keyed by the hash of each file's content.

CI checkouts reset modification times, so the keys are content hashes. Three stores:

* parses: content hash -> what the file imports (valid wherever the file lives), one
  store per version of this code (:func:`code_version`): a parse made by older code is
  never trusted after an upgrade that reads files differently;
* stats: path -> (size, mtime, inode, hash), sparing a re-read of files that did not
  change on this machine; when it misses (a fresh checkout) the file is hashed and the
  content key still hits;
* results: a whole report, keyed by every input file's hash, the config and the options,
  and kept with the other inputs it depended on (directory listings, installed packages),
  which are checked again before it is used.

Several pytest-xdist workers may share the directory: each store is written to a temporary
file and moved into place atomically, merged with whatever another process wrote
meanwhile. A store that cannot be read is ignored, never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import sys
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

FORMAT = 3  # bump when the shape of a stored value changes
_PY = f"py{sys.version_info[0]}{sys.version_info[1]}"
RESULTS_KEPT = 4

StatKey = tuple[int, int, int]  # size, mtime_ns, inode


@dataclass
class ParseCache:
    directory: Path | None  # None: caching disabled
    stats: dict[str, tuple[StatKey, str]] = field(default_factory=dict)  # relpath -> (stat, hash)
    _parses: dict[str, Any] | None = None  # content hash -> parse result, read on first use
    _new_parses: dict[str, Any] = field(default_factory=dict)
    _stats_changed: bool = False

    @classmethod
    def load(cls, directory: Path | None) -> ParseCache:
        cache = cls(directory)
        cache.stats = cache._read("stats")
        return cache

    @property
    def parses(self) -> dict[str, Any]:
        if self._parses is None:
            self._parses = self._read("parses")
        return self._parses

    def digest_for(self, relpath: str, stat: StatKey) -> str | None:
        """The content hash recorded for ``relpath`` when its stat is unchanged."""
        known = self.stats.get(relpath)
        return known[1] if known is not None and known[0] == stat else None

    def remember(self, relpath: str, stat: StatKey, digest: str, parse: Any = None) -> None:
        if self.stats.get(relpath) != (stat, digest):
            self.stats[relpath] = (stat, digest)
            self._stats_changed = True
        if parse is not None and digest not in self.parses:
            self.parses[digest] = parse
            self._new_parses[digest] = parse

    def save(self, live: set[str]) -> None:
        """Write what changed, keeping what other processes wrote, dropping dead entries."""
        if self.directory is None:
            return
        if self._stats_changed or self._new_parses:
            stats = {k: v for k, v in {**self._read("stats"), **self.stats}.items() if k in live}
            self._write("stats", stats)
            self._stats_changed = False
        if self._new_parses:
            wanted = {digest for _stat, digest in self.stats.values()}
            merged = {**self._read("parses"), **self._new_parses}
            self._write("parses", {d: p for d, p in merged.items() if d in wanted})
            self._new_parses = {}
            self._drop_other_versions("parses")

    def result(self, key: str) -> dict[str, Any] | None:
        return self._read("results").get(key)

    def store_result(self, key: str, entry: dict[str, Any]) -> None:
        if self.directory is None:
            return
        results = self._read("results")
        results.pop(key, None)
        results[key] = entry
        self._write("results", dict(list(results.items())[-RESULTS_KEPT:]))

    def _path(self, store: str) -> Path:
        assert self.directory is not None
        version = f"-{code_version()[:16]}" if store == "parses" else ""
        return self.directory / f"imports-{store}-{_PY}-v{FORMAT}{version}.marshal"

    def _drop_other_versions(self, store: str) -> None:
        """Remove this Python's stores made by other code (another Python's are its own)."""
        assert self.directory is not None
        own = self._path(store)
        for path in self.directory.glob(f"imports-{store}-{_PY}-*.marshal"):
            if path != own:
                with contextlib.suppress(OSError):
                    path.unlink()

    def _read(self, store: str) -> dict[str, Any]:
        if self.directory is None:
            return {}
        try:
            data = marshal.loads(self._path(store).read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, store: str, data: dict[str, Any]) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._path(store).parent.mkdir(parents=True, exist_ok=True)
            blob = marshal.dumps(data)
            handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed before the rename
                dir=self.directory, prefix=".tmp-", suffix=".marshal", delete=False
            )
            temp = Path(handle.name)
            try:
                with handle:
                    handle.write(blob)
                temp.replace(self._path(store))
            finally:
                temp.unlink(missing_ok=True)


@cache
def code_version() -> str:
    """A hash of the code that reads files and computes reports (this package, the lane
    config and the globs): a change to it invalidates cached parses and results."""
    package = Path(__file__).parent
    sources = [
        *sorted(package.glob("*.py")),
        package.parent / "lanes.py",
        package.parent / "globs.py",
    ]
    return hashlib.blake2b(b"".join(p.read_bytes() for p in sources), digest_size=16).hexdigest()
