"""Password fallback: an argon2id hash per user, used only when policy allows it and the
user has no passkey or declined to use it."""

import secrets
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from candidate.identity.passkey.checks import Context, encodable, text
from candidate.identity.passkey.refusals import Answer, Reason, Refusal, accepted

MAX_PASSWORD = 1024  # characters: argon2 hashes any length, an attacker should not pick it


class PasswordFallback:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._hasher = PasswordHasher.from_parameters(ctx.config.argon2)

    def set_password(self, user_id: object, password: object) -> Answer:
        owner = self._owner(user_id)
        password = self._password(password)
        if len(password) < self._ctx.config.password_min_length:
            raise Refusal(
                Reason.PASSWORD_TOO_SHORT,
                f"password must have at least {self._ctx.config.password_min_length} characters",
                "password",
            )
        self._ctx.store.set_password_hash(owner, self._hasher.hash(password), self._ctx.clock())
        return accepted(stored=True, user=owner)

    def verify_password(self, user_id: object, password: object, passkey_declined: bool) -> Answer:
        owner = self._owner(user_id)
        password = self._password(password)
        store = self._ctx.store
        if not passkey_declined and store.has_credentials(owner):
            refusal = Refusal(
                Reason.PASSKEY_REQUIRED, "the user has a passkey; a password is accepted only "
                "when they decline it (passkey_declined=True)",
            )  # fmt: skip
            refusal.user = owner
            raise refusal
        stored = store.password_hash(owner)
        try:
            # An unknown user costs one hash too, so timing does not tell users apart.
            self._hasher.verify(self._dummy_hash if stored is None else stored, password)
        except (VerificationError, InvalidHashError):
            stored = None
        if stored is None:
            refusal = Refusal(Reason.INVALID_CREDENTIALS, "unknown user or wrong password")
            refusal.user = owner
            raise refusal
        if self._hasher.check_needs_rehash(stored):
            store.set_password_hash(owner, self._hasher.hash(password), self._ctx.clock())
        return accepted(verified=True, method="password", user=owner)

    def _owner(self, user_id: object) -> str:
        if not self._ctx.config.password_fallback:
            raise Refusal(Reason.PASSWORD_FALLBACK_DISABLED, "password fallback is not allowed")
        return self._ctx.store.pseudonym(text("user_id", user_id))

    def _password(self, password: object) -> str:
        if not isinstance(password, str):
            raise Refusal(Reason.INVALID_INPUT, "password must be a string", "password")
        if len(password) > MAX_PASSWORD:
            raise Refusal(Reason.TOO_LARGE, f"password is longer than {MAX_PASSWORD}", "password")
        return encodable("password", password)

    @cached_property
    def _dummy_hash(self) -> str:
        return self._hasher.hash(secrets.token_urlsafe(16))
