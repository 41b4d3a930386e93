"""The built-in context bus: validates the handoff, delivers nothing."""

from collections.abc import Mapping
from typing import Any

from lukhas.dry_run import InvalidInput, Result, mapping, ok, text


class NullContextBus:
    """Safe in dry runs: no I/O, no state, the same answer for the same handoff."""

    name = "null"

    def handoff(self, ctx: Mapping[str, Any], target: str) -> Result:
        try:
            entries = len(mapping("ctx", ctx))
            target = text("target", target)
        except InvalidInput as problem:
            return problem.result()
        return ok(target=target, context_size=entries)

    async def ahandoff(self, ctx: Mapping[str, Any], target: str) -> Result:
        return self.handoff(ctx, target)
