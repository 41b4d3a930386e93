"""Feature flags, read from the environment on every call.

Flags are never cached and never read at import, so one process can run both flag states
(a test can flip a flag with ``monkeypatch.setenv`` and the next call sees it).

The one rule every slice uses to pick its provider is :func:`live`: a slice uses its real
provider only when its feature flag is on *and* dry-run mode is off. ``LUKHAS_DRY_RUN_MODE``
defaults to on and is a master switch: production must turn it off as well as the
slice's flag, and turning it back on puts every slice back on its safe built-in provider.
"""

import os

DRY_RUN_MODE = "LUKHAS_DRY_RUN_MODE"
OFFLINE = "LUKHAS_OFFLINE"

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
SPELLINGS = "true/false, 1/0, yes/no, on/off (any case), or unset/empty for the default"


class FlagError(ValueError):
    """An environment variable holds a value that is not a boolean spelling."""

    def __init__(self, name: str, value: str) -> None:
        super().__init__(f"{name}={value!r} is not a boolean flag; accepted: {SPELLINGS}")
        self.name = name
        self.value = value

    def __reduce__(self) -> tuple[type["FlagError"], tuple[str, str]]:
        # Rebuild from (name, value): the default would call FlagError(message).
        return type(self), (self.name, self.value)


def flag(name: str, default: bool = False) -> bool:
    """The boolean value of environment variable ``name``; raises FlagError if malformed."""
    raw = os.environ.get(name)
    value = "" if raw is None else raw.strip().lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise FlagError(name, raw)


def dry_run() -> bool:
    """Whether dry-run mode is on (``LUKHAS_DRY_RUN_MODE``, default on)."""
    return flag(DRY_RUN_MODE, default=True)


def offline() -> bool:
    """Whether the process must stay off the network (``LUKHAS_OFFLINE``, default on)."""
    return flag(OFFLINE, default=True)


def live(feature_flag: str) -> bool:
    """Whether a slice may use its real provider: ``feature_flag`` on and dry-run mode off.

    Both variables are read (and validated) on every call, so a malformed dry-run value is
    reported even while the feature flag is off.
    """
    enabled = flag(feature_flag)
    return not dry_run() and enabled
