"""The built-in consent provider: validates, records nothing, answers deterministically."""

from collections.abc import Mapping
from typing import Any

from lukhas.dry_run import InvalidInput, Result, mapping, ok, text


class NullConsentProvider:
    """Safe in dry runs: no I/O, no state, the same answer for the same entry."""

    name = "null"

    def record(self, entry: Mapping[str, Any]) -> Result:
        try:
            user_id = text("user_id", entry.get("user_id"))
            scope = text("scope", entry.get("scope"))
            metadata = mapping("metadata", entry.get("metadata"))
        except InvalidInput as problem:
            return problem.result()
        return ok(entry={"user_id": user_id, "scope": scope, "metadata": dict(metadata)})
