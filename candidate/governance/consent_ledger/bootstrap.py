"""Wire the SQLite consent ledger into ``lukhas.governance.consent_ledger`` at run time.

The accepted lane never imports this module: the application (or the test plugin in
``testing.py``) calls :func:`wire` at start-up. Configuration comes from keyword arguments,
else from the environment:

- ``path``: the SQLite file (``LUKHAS_CONSENT_LEDGER_PATH``);
- ``key``: the 32-byte master key, raw or base64 (``LUKHAS_CONSENT_LEDGER_KEY``), or
  ``key_file``: a file holding it in base64 (``LUKHAS_CONSENT_LEDGER_KEY_FILE``);
- ``busy_timeout_s``: how long a write waits for another writer's lock (default 5 s);
- ``read_only``: open for reading only (audits); writes are refused;
- ``clock``: the time source, Unix seconds (tests).
"""

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from candidate.governance.consent_ledger.errors import LedgerConfigError
from candidate.governance.consent_ledger.keys import (
    LedgerKeys,
    parse_master_key,
    read_key_file,
)
from candidate.governance.consent_ledger.ledger import SqliteLedger
from lukhas.flags import live
from lukhas.governance.consent_ledger import FEATURE_FLAG, register

PATH_ENV = "LUKHAS_CONSENT_LEDGER_PATH"
KEY_ENV = "LUKHAS_CONSENT_LEDGER_KEY"
KEY_FILE_ENV = "LUKHAS_CONSENT_LEDGER_KEY_FILE"


def wire(**config: Any) -> bool:
    """Register the SQLite ledger as the consent slice's provider when the slice is live
    (``FEATURE_GOVERNANCE_LEDGER`` on, dry-run mode off); return whether it did.

    ``config`` takes the keyword arguments of :func:`build`. Raises LedgerConfigError,
    naming the setting to fix, when the configuration is unusable.
    """
    if not live(FEATURE_FLAG):
        return False
    register(build(**config))
    return True


def build(
    *,
    path: str | os.PathLike[str] | None = None,
    key: bytes | str | None = None,
    key_file: str | os.PathLike[str] | None = None,
    busy_timeout_s: float = 5.0,
    read_only: bool = False,
    clock: Callable[[], float] = time.time,
) -> SqliteLedger:
    """A ledger from the configuration (see the module docstring); opens nothing yet."""
    ledger_path = path if path is not None else os.environ.get(PATH_ENV)
    if not ledger_path:
        raise LedgerConfigError(f"no consent ledger path: pass path= or set {PATH_ENV}")
    if busy_timeout_s < 0:
        raise LedgerConfigError(f"busy_timeout_s must be >= 0 seconds, got {busy_timeout_s}")
    return SqliteLedger(
        ledger_path,
        LedgerKeys.from_master(_master_key(key, key_file)),
        busy_timeout_s=busy_timeout_s,
        read_only=read_only,
        clock=clock,
    )


def _master_key(key: bytes | str | None, key_file: str | os.PathLike[str] | None) -> bytes:
    if key is not None and key_file is not None:
        raise LedgerConfigError("pass either key= or key_file=, not both")
    if key is not None:
        return parse_master_key(key, "key=")
    if key_file is not None:
        return read_key_file(Path(key_file))
    if os.environ.get(KEY_ENV):
        return parse_master_key(os.environ[KEY_ENV], KEY_ENV)
    if os.environ.get(KEY_FILE_ENV):
        return read_key_file(Path(os.environ[KEY_FILE_ENV]))
    raise LedgerConfigError(
        f"no consent ledger master key: pass key= or key_file=, or set {KEY_ENV} or {KEY_FILE_ENV}"
    )
