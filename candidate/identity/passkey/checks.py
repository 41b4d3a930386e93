"""The checks py_webauthn leaves to the relying party, shared by both ceremonies."""

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from webauthn.helpers.structs import AuthenticatorData

from candidate.identity.passkey.config import PasskeyConfig
from candidate.identity.passkey.refusals import Reason, Refusal, kind
from candidate.identity.passkey.store import Challenge, ChallengeState, Store
from candidate.identity.passkey.wire_format import (
    MAX_CHALLENGE,
    MIN_CHALLENGE,
    ClientData,
    b64decode,
)

REGISTRATION, AUTHENTICATION = "registration", "authentication"
CLIENT_DATA_TYPES = {REGISTRATION: "webauthn.create", AUTHENTICATION: "webauthn.get"}
MAX_USER_ID = 256  # characters

_CHALLENGE_REFUSALS = {
    ChallengeState.UNKNOWN: (Reason.UNKNOWN_CHALLENGE, "the challenge was not issued here"),
    ChallengeState.USED: (Reason.CHALLENGE_REPLAYED, "the challenge was already used"),
    ChallengeState.EXPIRED: (Reason.CHALLENGE_EXPIRED, "the challenge expired"),
}


@dataclass(frozen=True)
class Context:
    """What both ceremonies share: configuration, storage and the clock."""

    config: PasskeyConfig
    store: Store
    clock: Callable[[], float]

    @cached_property
    def rp_id_hash(self) -> bytes:
        return hashlib.sha256(self.config.rp_id.encode()).digest()

    @cached_property
    def origins(self) -> list[str]:
        return sorted(self.config.origins)

    def tier(self, value: object) -> str:
        tier = self.config.default_tier if value is None else value
        if not isinstance(tier, str) or tier not in self.config.tiers:
            raise Refusal(
                Reason.UNKNOWN_TIER, f"tier must be one of {sorted(self.config.tiers)}", "tier"
            )
        return tier

    def issue(
        self,
        ceremony: str,
        tier: str,
        explicit: object,
        *,
        owner: str | None = None,
        user_handle: bytes | None = None,
        allowed: frozenset[bytes] | None = None,
    ) -> bytes:
        """A single-use challenge, recorded with what the ceremony is bound to.

        ``explicit`` is a challenge the caller's session chose (bytes or base64url), else
        None for a fresh random one.
        """
        challenge = secrets.token_bytes(32) if explicit is None else _explicit(explicit)
        now = self.clock()
        record = Challenge(challenge, ceremony, owner, user_handle, allowed, tier)
        if not self.store.add_challenge(record, now, now + self.config.challenge_ttl_s):
            raise Refusal(
                Reason.CHALLENGE_REUSED, "this challenge is still on record: use a fresh one",
                "challenge",
            )  # fmt: skip
        return challenge

    def take(self, client: ClientData, ceremony: str, expected: object) -> Challenge:
        """Check the response's challenge and use it up, whatever the outcome after."""
        if client.type != CLIENT_DATA_TYPES[ceremony]:
            raise Refusal(
                Reason.WRONG_CEREMONY,
                f"clientDataJSON.type must be {CLIENT_DATA_TYPES[ceremony]!r}",
                "response.clientDataJSON",
            )
        if expected is not None and not hmac.compare_digest(_explicit(expected), client.challenge):
            raise Refusal(Reason.CHALLENGE_MISMATCH, "not the challenge this session was given")
        found = self.store.use_challenge(client.challenge, self.clock())
        if isinstance(found, str):
            reason, message = _CHALLENGE_REFUSALS[found]
            raise Refusal(reason, message)
        if found.ceremony != ceremony:
            raise Refusal(Reason.WRONG_CEREMONY, f"the challenge was issued for {found.ceremony}")
        return found

    def check_client(self, client: ClientData) -> None:
        """Origin, cross-origin embedding and token binding."""
        field = "response.clientDataJSON"
        if client.origin not in self.config.origins:
            raise Refusal(Reason.ORIGIN_NOT_ALLOWED, "the origin is not an allowed origin", field)
        embedded = client.cross_origin or client.top_origin is not None
        if embedded and client.top_origin not in self.config.top_origins:
            raise Refusal(
                Reason.CROSS_ORIGIN_NOT_ALLOWED,
                "cross-origin use (crossOrigin/topOrigin) is not allowed for this top origin",
                field,
            )
        binding = client.token_binding
        if isinstance(binding, dict) and binding.get("status") != "supported":
            raise Refusal(
                Reason.TOKEN_BINDING_UNSUPPORTED, "token binding cannot be checked here", field
            )

    def check_flags(self, data: AuthenticatorData, tier: str, field: str) -> None:
        """rpIdHash, user presence, user verification per tier, backup flags."""
        if not hmac.compare_digest(data.rp_id_hash, self.rp_id_hash):
            raise Refusal(Reason.RP_ID_MISMATCH, "signed for another relying party id", field)
        if not data.flags.up:
            raise Refusal(Reason.USER_NOT_PRESENT, "the user was not present", field)
        if self.config.requires_uv(tier) and not data.flags.uv:
            raise Refusal(
                Reason.USER_VERIFICATION_REQUIRED, f"tier {tier!r} requires user verification",
                field,
            )  # fmt: skip
        if data.flags.bs and not data.flags.be:
            raise Refusal(
                Reason.INVALID_BACKUP_FLAGS, "backed up (BS) but not backup eligible (BE)", field
            )


def text(field: str, value: object, max_length: int = MAX_USER_ID) -> str:
    """A non-blank string of at most ``max_length`` characters, else a Refusal."""
    if not isinstance(value, str) or not value.strip():
        raise Refusal(
            Reason.INVALID_INPUT, f"{field} must be a non-empty string, got {kind(value)}", field
        )
    if len(value) > max_length:
        raise Refusal(Reason.TOO_LARGE, f"{field} is longer than {max_length} characters", field)
    return encodable(field, value)


def encodable(field: str, value: str) -> str:
    """``value`` if UTF-8 can encode it (no lone surrogates), else a Refusal."""
    try:
        value.encode()
    except UnicodeEncodeError:
        raise Refusal(Reason.INVALID_INPUT, f"{field} is not valid Unicode text", field) from None
    return value


def _explicit(value: object) -> bytes:
    raw = value if isinstance(value, bytes) else b64decode("challenge", value, MAX_CHALLENGE)
    if not MIN_CHALLENGE <= len(raw) <= MAX_CHALLENGE:
        raise Refusal(
            Reason.INVALID_INPUT,
            f"challenge must be {MIN_CHALLENGE} to {MAX_CHALLENGE} bytes",
            "challenge",
        )
    return raw
