"""Handlers and helpers shared by the context bus tests."""

import asyncio
from collections.abc import Mapping
from typing import Any


class Gate:
    """A handler that holds every context until opened, recording what happens to each.

    ``started``: contexts whose handler ran; ``delivered``: those it acknowledged (with
    ``{"ack": id}``); ``cancelled``: those cancelled while held.
    """

    def __init__(self, *, opened: bool = False) -> None:
        self.started: list[Any] = []
        self.delivered: list[Any] = []
        self.cancelled: list[Any] = []
        self._open = asyncio.Event()
        if opened:
            self._open.set()

    def open(self) -> None:
        self._open.set()

    async def __call__(self, ctx: Mapping[str, Any]) -> dict[str, Any]:
        self.started.append(ctx["id"])
        try:
            await self._open.wait()
        except asyncio.CancelledError:
            self.cancelled.append(ctx["id"])
            raise
        self.delivered.append(ctx["id"])
        return {"ack": ctx["id"]}


async def settle(rounds: int = 10) -> None:
    """Let every ready task run until it blocks."""
    for _ in range(rounds):
        await asyncio.sleep(0)


def sender(bus, ident: Any, target: str = "t", **kwargs: Any) -> "asyncio.Task":
    """Start a handoff of ``{"id": ident}`` as its own task."""
    return asyncio.ensure_future(bus.handoff({"id": ident}, target, **kwargs))
