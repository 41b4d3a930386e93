"""Documents found valid before, remembered by digest, so a later run need not load jsonschema.

Importing jsonschema takes about 0.1 s: most of a warm ``lukhas-gate imports``, whose
report comes from its cache. The same text checked against the same schema gives the same
answer, so a digest of both, kept in a small file, stands for the check. A missing,
unreadable or unwritable file only costs the check.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from . import schema_text

KEPT = 32  # digests kept: a few configs per repository, across branches


class ValidDocuments:
    """The digests of (schema, document text) pairs that passed, kept in ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def holds(self, schema: str, text: str) -> bool:
        return _digest(schema, text) in self._read()

    def add(self, schema: str, text: str) -> None:
        digest = _digest(schema, text)
        known = [d for d in self._read() if d != digest]
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-")
            temp = Path(name)
            try:
                with os.fdopen(handle, "w", encoding="ascii") as stream:
                    stream.write("\n".join([*known, digest][-KEPT:]) + "\n")
                temp.replace(self.path)  # whole or not at all, for a concurrent reader
            finally:
                temp.unlink(missing_ok=True)

    def _read(self) -> list[str]:
        try:
            return self.path.read_text(encoding="ascii").split()
        except (OSError, ValueError):
            return []


def _digest(schema: str, text: str) -> str:
    h = hashlib.blake2b(digest_size=20)
    for part in (schema, schema_text(schema), text):
        h.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()
