"""WebAuthnProvider: the real provider behind ``lukhas.identity.passkey``.

Every public method answers with a dict and never raises: a refusal carries a reason
code (:class:`~candidate.identity.passkey.refusals.Reason`). One log record per call
(logger ``candidate.identity.passkey``) names the operation, the outcome and the user's
pseudonym; never a user id, credential id, challenge or client data.
"""

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from candidate.identity.passkey import authentication, registration
from candidate.identity.passkey.checks import Context
from candidate.identity.passkey.config import PasskeyConfig
from candidate.identity.passkey.password import PasswordFallback
from candidate.identity.passkey.refusals import PROVIDER_NAME, Answer, Reason, Refusal
from candidate.identity.passkey.store import Store, StoreError

log = logging.getLogger("candidate.identity.passkey")


class WebAuthnProvider:
    """Passkeys (WebAuthn, on py_webauthn) with a SQLite credential store."""

    name = PROVIDER_NAME

    def __init__(self, config: PasskeyConfig, *, clock: Callable[[], float] = time.time) -> None:
        """Opens (or creates) the database at ``config.db_path``; raises StoreError if it
        cannot be used: a start-up error, not a caller's."""
        self.config = config
        self._ctx = Context(config, Store(config.db_path, config.pseudonym_key), clock)
        self._passwords = PasswordFallback(self._ctx)

    def close(self) -> None:
        self._ctx.store.close()

    def pseudonym(self, user_id: str) -> str:
        """The pseudonym answers and logs use for ``user_id`` (a caller's helper: a
        ``user_id`` that is not a string raises TypeError)."""
        if not isinstance(user_id, str):
            raise TypeError(f"user_id must be a string, got {type(user_id).__name__}")
        return self._ctx.store.pseudonym(user_id)

    # The slice's API --------------------------------------------------------------------

    def verify(self, assertion: Mapping[str, Any]) -> Answer:
        """Authenticate: verify an assertion against the challenge it carries."""
        return self.authenticate(assertion)

    def registration_options(
        self,
        user_id: str,
        user_name: str,
        *,
        display_name: str | None = None,
        tier: str | None = None,
        challenge: str | bytes | None = None,
    ) -> Answer:
        return self._answer(
            "registration_options",
            lambda: registration.options(
                self._ctx,
                user_id,
                user_name,
                display_name=display_name,
                tier=tier,
                challenge=challenge,
            ),
        )

    def register(
        self, credential: Mapping[str, Any], *, expected_challenge: str | bytes | None = None
    ) -> Answer:
        """Verify a registration response and store its credential.

        ``expected_challenge``: the challenge a caller's session holds; the response must
        carry it (and it must still be unused here).
        """
        return self._answer(
            "register", lambda: registration.verify(self._ctx, credential, expected_challenge)
        )

    def authentication_options(
        self,
        user_id: str | None = None,
        *,
        tier: str | None = None,
        challenge: str | bytes | None = None,
    ) -> Answer:
        return self._answer(
            "authentication_options",
            lambda: authentication.options(self._ctx, user_id, tier, challenge),
        )

    def authenticate(
        self, assertion: Mapping[str, Any], *, expected_challenge: str | bytes | None = None
    ) -> Answer:
        return self._answer(
            "authenticate", lambda: authentication.verify(self._ctx, assertion, expected_challenge)
        )

    # Password fallback ------------------------------------------------------------------

    def set_password(self, user_id: str, password: str) -> Answer:
        return self._answer("set_password", lambda: self._passwords.set_password(user_id, password))

    def verify_password(
        self, user_id: str, password: str, *, passkey_declined: bool = False
    ) -> Answer:
        """Accepted only when the policy allows a fallback and the user has no passkey or
        ``passkey_declined`` (they asked for the password)."""
        return self._answer(
            "verify_password",
            lambda: self._passwords.verify_password(user_id, password, passkey_declined is True),
        )

    # The boundary -----------------------------------------------------------------------

    def _answer(self, operation: str, call: Callable[[], Answer]) -> Answer:
        user = None
        try:
            answer = call()
            user = answer.get("user")
            outcome = "accepted"
        except Refusal as refusal:
            answer, outcome, user = refusal.answer(), refusal.reason.value, refusal.user
        except StoreError as exc:
            answer = Refusal(Reason.UNAVAILABLE, "the credential store is unavailable").answer()
            outcome = f"{Reason.UNAVAILABLE.value} ({exc})"
        except Exception as exc:  # a bug: the caller still gets an answer, the log the type
            answer = Refusal(Reason.INTERNAL_ERROR, "internal error").answer()
            outcome = f"{Reason.INTERNAL_ERROR.value} ({type(exc).__name__})"
        log.log(
            logging.INFO if answer["ok"] else logging.WARNING,
            "passkey %s: %s (user %s)",
            operation,
            outcome,
            user or "-",
        )
        return answer
