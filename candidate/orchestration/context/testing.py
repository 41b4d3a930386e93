"""pytest plugin: the real context bus for the tests of ``lukhas.orchestration.context``.

Listed in ``pytest_plugins`` of the repository's root ``conftest.py``. For every test in
the context slice's folder, the real bus is registered into the slice (and forgotten
after the test). It is registered whatever the flags: a test may turn the slice live
after the autouse fixtures ran (``monkeypatch.setenv`` in the test), and the slice hands
the bus out only while it is live, so flag-off runs still get the null bus. The bus's
thread starts at its first handoff: a flag-off test never starts it.
"""

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import lukhas.orchestration.context as context_slice
from candidate.orchestration.context.bootstrap import install, unwire
from candidate.orchestration.context.service import ContextBusService

SLICE_DIR = Path(context_slice.__file__).parent


def receipt(ctx: Mapping[str, Any]) -> dict[str, int]:
    """The ``default`` target's handler: acknowledges with the number of entries."""
    return {"received": len(ctx)}


@pytest.fixture
def context_bus() -> Iterator[ContextBusService]:
    """A real context bus service with a ``default`` target that acknowledges every
    context with a receipt; add targets with ``context_bus.add_target(name, handler,
    **options)``. Closed after the test, failing whatever it still holds."""
    service = ContextBusService(targets={"default": receipt})
    yield service
    service.close(drain=False, timeout=1.0)


@pytest.fixture(autouse=True)
def _context_bus_wired(request: pytest.FixtureRequest) -> Iterator[None]:
    if not Path(request.node.path).is_relative_to(SLICE_DIR):
        yield
        return
    install(request.getfixturevalue("context_bus"))
    yield
    unwire(drain=False, timeout=1.0)
