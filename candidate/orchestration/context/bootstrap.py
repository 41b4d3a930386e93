"""Register the real context bus into ``lukhas.orchestration.context`` at run time.

Bootstrap code lives here, outside ``lukhas/``, so the accepted lane never imports the
candidate lane: a deployment calls :func:`wire` once at start-up.
"""

import atexit
import functools
import threading
from typing import Any

from candidate.orchestration.context.service import ContextBusService
from lukhas.flags import live
from lukhas.orchestration.context import FEATURE_FLAG, register, reset

_lock = threading.Lock()
_installed: ContextBusService | None = None


def wire(**config: Any) -> bool:
    """Register a :class:`ContextBusService` built from ``config`` when the context slice is
    live (``FEATURE_ORCHESTRATION_HANDOFF`` on, ``LUKHAS_DRY_RUN_MODE`` off); return whether
    it did. ``config``: ``targets`` (name -> handler), ``limiter``, ``sla_ms`` and target
    defaults (TargetConfig fields)."""
    if not live(FEATURE_FLAG):
        return False
    install(ContextBusService(**config))
    return True


def install(service: ContextBusService) -> None:
    """Register ``service`` whatever the flags (the slice still uses it only while live),
    closing a service installed earlier; it is closed at interpreter exit."""
    global _installed
    with _lock:
        previous, _installed = _installed, service
        register(service)
    _close_at_exit()
    if previous is not None:
        previous.close()


@functools.cache
def _close_at_exit() -> None:
    atexit.register(unwire)


def unwire(*, drain: bool = True, timeout: float = 5.0) -> None:
    """Forget the installed service and close it (see :meth:`ContextBusService.close`)."""
    global _installed
    with _lock:
        service, _installed = _installed, None
        reset()
    if service is not None:
        service.close(drain=drain, timeout=timeout)
