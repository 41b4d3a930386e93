"""consent_required: no processing of a person's data under a scope they did not consent to.

A guarded call first asks the consent gate, which emits one DECISION node
(``DECISION:governance:consent.check``) labelled ``consent:<verdict>`` and
``scope:<scope>``:

- ``dry_run``: the guarded slice is not live, so no personal data is really processed:
  the call proceeds without asking a ledger;
- ``no_subject``: the call names no person (its subject is None or blank): it proceeds,
  as there is nobody whose consent to ask;
- ``granted``: the real ledger says the subject consented to the scope: it proceeds;
- ``refused``: anything else (no consent, or withdrawn or expired; no real ledger active;
  a ledger error; a subject that is not a string): the guarded function does not run and
  the caller gets ``{"ok": False, "reason": "consent_refused", "scope": ...,
  "consent_reason": ...}``. A live slice that cannot verify consent refuses: fail closed.

The real ledger is active when the consent slice is live and its registered provider
offers ``verify_consent(user_id, scope) -> {"allowed": bool, "reason": str}`` (see
:class:`ConsentVerifier`). Nodes never carry the subject.
"""

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar, runtime_checkable

from lukhas.flags import dry_run, live
from lukhas.governance.consent_ledger.api import FEATURE_FLAG
from lukhas.governance.consent_ledger.registry import registered
from lukhas.observability import annotate, instrument

EMIT_POINT = "DECISION:governance:consent.check"
MAX_SCOPE_LENGTH = 58  # "scope:<scope>" must fit the node schema's 64 characters per label

F = TypeVar("F", bound=Callable[..., Any])
Subject = str | Callable[[Mapping[str, Any]], object]
Decision = tuple[str, str | None]  # (verdict, reason of a refusal)


@runtime_checkable
class ConsentVerifier(Protocol):
    def verify_consent(self, user_id: str, scope: str) -> Mapping[str, Any]:
        """Whether ``user_id`` currently consents to ``scope``: ``{"allowed": bool,
        "reason": str}``, the reason saying why not (``none``, ``withdrawn``, ``expired``)."""
        ...


def consent_required(
    scope: str, *, subject: Subject = "user_id", flag: str | None = None
) -> Callable[[F], F]:
    """Guard a function that processes the personal data of ``subject`` under ``scope``.

    ``subject`` names the parameter holding the person's user id, or is a function of the
    call's arguments (a mapping of parameter name to value) that returns it. ``flag`` is
    the guarded slice's feature flag: consent is enforced only while that slice is live
    (see ``lukhas.flags.live``); without it, whenever dry-run mode is off. The wrapper
    lists its scopes in ``__consent_scopes__``, which the gate checks against the manifest.
    """
    if not isinstance(scope, str) or not scope.strip() or len(scope) > MAX_SCOPE_LENGTH:
        raise ValueError(
            f"consent scope must be a non-blank string of at most {MAX_SCOPE_LENGTH} "
            f"characters, got {scope!r}"
        )

    def decorate(func: F) -> F:
        signature = inspect.signature(func)
        if isinstance(subject, str) and subject not in signature.parameters:
            raise TypeError(
                f"consent_required: {func.__qualname__} has no parameter {subject!r} holding "
                "the subject; pass subject='<parameter>' or a function of the arguments"
            )

        def refusal(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any] | None:
            enforcing = live(flag) if flag else not dry_run()
            person = None
            if enforcing:
                try:
                    bound = signature.bind(*args, **kwargs)
                except TypeError:
                    return None  # calling func raises the TypeError before its body runs
                bound.apply_defaults()
                person = _subject(subject, bound.arguments)
            verdict, reason = _decide(scope, person, enforcing)
            if verdict != "refused":
                return None
            return {
                "ok": False,
                "reason": "consent_refused",
                "scope": scope,
                "consent_reason": reason,
            }

        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def guarded(*args: Any, **kwargs: Any) -> Any:
                return refusal(args, kwargs) or await func(*args, **kwargs)

        else:

            @functools.wraps(func)
            def guarded(*args: Any, **kwargs: Any) -> Any:
                return refusal(args, kwargs) or func(*args, **kwargs)

        guarded.__consent_scopes__ = (*getattr(func, "__consent_scopes__", ()), scope)  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def _subject(subject: Subject, arguments: Mapping[str, Any]) -> object:
    return arguments.get(subject) if isinstance(subject, str) else subject(arguments)


@instrument(
    "DECISION",
    label="governance:consent.check",
    capability="consent_required",
    salience=0.7,
    urgency=0.6,
)
def _decide(scope: str, person: object, enforcing: bool) -> Decision:
    verdict, reason = _verdict(scope, person, enforcing)
    annotate(f"consent:{verdict}", f"scope:{scope}")
    return verdict, reason


def _verdict(scope: str, person: object, enforcing: bool) -> Decision:
    if not enforcing:
        return "dry_run", None
    if person is None or (isinstance(person, str) and not person.strip()):
        return "no_subject", None
    if not isinstance(person, str):
        return "refused", "invalid_subject"
    # Only a real ledger, live, may say yes: the null one answers every question in dry-run.
    ledger = registered() if live(FEATURE_FLAG) else None
    if not isinstance(ledger, ConsentVerifier):
        return "refused", "no_ledger"
    try:
        answer = ledger.verify_consent(person, scope)
    except Exception:  # the ledger's failure is a refusal, never a pass
        return "refused", "ledger_error"
    if isinstance(answer, Mapping) and answer.get("allowed") is True:
        return "granted", None
    reason = answer.get("reason") if isinstance(answer, Mapping) else None
    return "refused", reason if isinstance(reason, str) and reason else "not_allowed"
