"""The built-in consent provider: validates, records nothing, answers deterministically."""

from collections.abc import Callable, Mapping
from typing import Any

from lukhas.dry_run import InvalidInput, Result, ok
from lukhas.governance.consent_ledger.validation import (
    EXPORT_FORMAT,
    consent_entry,
    subject,
    subject_scope,
)


class NullConsentProvider:
    """Safe in dry runs: no I/O, no state, the same answer for the same input.

    Its answers carry ``mode: "dry_run"``: trust them as decisions only when ``mode`` is
    ``"live"``. ``verify_consent`` allows any well-formed request, so dry runs proceed.
    """

    name = "null"

    def record(self, entry: Mapping[str, Any]) -> Result:
        try:
            return ok(entry=consent_entry(entry).given())
        except InvalidInput as problem:
            return problem.result()

    def verify_consent(self, user_id: str, scope: str) -> Result:
        check = lambda: subject_scope(user_id, scope)  # noqa: E731
        return _checked(check, allowed=True, reason=None, scope=scope)

    def withdraw_consent(self, user_id: str, scope: str) -> Result:
        check = lambda: subject_scope(user_id, scope)  # noqa: E731
        return _checked(check, entry={"user_id": user_id, "scope": scope}, withdrawn=False)

    def export_subject(self, user_id: str) -> Result:
        export = {"format": EXPORT_FORMAT, "subject": None, "events": [], "consents": []}
        return _checked(lambda: subject(user_id), export=export)

    def erase_subject(self, user_id: str) -> Result:
        return _checked(lambda: subject(user_id), erased=False)

    def verify_chain(self) -> Result:
        return ok(valid=True, length=0, head=None, first_bad=None, problem=None)


def _checked(check: Callable[[], object], **fields: Any) -> Result:
    """``ok(**fields)`` when ``check`` passes, else its input error."""
    try:
        check()
    except InvalidInput as problem:
        return problem.result()
    return ok(**fields)
