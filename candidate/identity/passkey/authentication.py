"""The authentication ceremony: options with a single-use challenge, then the assertion."""

import hmac
from collections.abc import Mapping
from typing import Any

from webauthn import generate_authentication_options, verify_authentication_response
from webauthn.helpers import options_to_json_dict
from webauthn.helpers.exceptions import InvalidAuthenticationResponse

from candidate.identity.passkey.checks import AUTHENTICATION, Context, text
from candidate.identity.passkey.refusals import Answer, Reason, Refusal, accepted
from candidate.identity.passkey.registration import descriptors
from candidate.identity.passkey.store import Challenge, Credential
from candidate.identity.passkey.wire_format import Assertion, parse_assertion

SIGNED = "response.authenticatorData"


def options(
    ctx: Context, user_id: object = None, tier: object = None, challenge: object = None
) -> Answer:
    """PublicKeyCredentialRequestOptionsJSON: for ``user_id``'s credentials, or for any
    discoverable credential when ``user_id`` is None."""
    tier = ctx.tier(tier)
    owner = None if user_id is None else ctx.store.pseudonym(text("user_id", user_id))
    credentials = [] if owner is None else ctx.store.credentials_of(owner)
    allowed = None if owner is None else frozenset(c.id for c in credentials)
    issued = ctx.issue(AUTHENTICATION, tier, challenge, owner=owner, allowed=allowed)
    made = generate_authentication_options(
        rp_id=ctx.config.rp_id,
        challenge=issued,
        timeout=int(ctx.config.challenge_ttl_s * 1000),
        allow_credentials=descriptors(credentials),
        user_verification=ctx.config.tiers[tier],
    )
    return accepted(options=options_to_json_dict(made), tier=tier)


def verify(ctx: Context, assertion: Mapping[str, Any], expected_challenge: object = None) -> Answer:
    """Verify an AuthenticationResponseJSON against its stored credential; count the use."""
    parsed = parse_assertion(assertion)
    client = parsed.client_data
    pending = ctx.take(client, AUTHENTICATION, expected_challenge)
    ctx.check_client(client)
    ctx.check_flags(parsed.authenticator_data, pending.tier, SIGNED)
    credential = ctx.store.credential(parsed.credential.raw_id)
    if credential is None:
        raise Refusal(Reason.UNKNOWN_CREDENTIAL, "no such credential is registered", "rawId")
    try:
        _check_owner(parsed, credential, pending)
        _check_signature(ctx, parsed, credential, pending.tier)
        cloned = _count_use(ctx, parsed, credential)
    except Refusal as refusal:
        refusal.user = credential.owner
        raise
    flags = parsed.authenticator_data.flags
    return accepted(
        verified=True,
        credential_id=parsed.credential.id,
        user=credential.owner,
        user_verified=flags.uv,
        backup_eligible=flags.be,
        backed_up=flags.bs,
        sign_count=parsed.authenticator_data.sign_count,
        possibly_cloned=cloned,
        tier=pending.tier,
    )


def _check_owner(parsed: Assertion, credential: Credential, pending: Challenge) -> None:
    """allowCredentials, the user the options were for, userHandle, backup eligibility."""
    if pending.allowed is not None and credential.id not in pending.allowed:
        raise Refusal(Reason.CREDENTIAL_NOT_ALLOWED, "not one of the allowed credentials", "rawId")
    if pending.owner is not None and credential.owner != pending.owner:
        raise Refusal(
            Reason.CREDENTIAL_NOT_ALLOWED, "the credential belongs to another user", "rawId"
        )
    handle = parsed.credential.response.user_handle
    if handle is None:
        if pending.owner is None:
            raise Refusal(
                Reason.USER_HANDLE_MISSING, "userHandle is required when no user was named",
                "response.userHandle",
            )  # fmt: skip
    elif not hmac.compare_digest(handle, credential.user_handle):
        raise Refusal(
            Reason.USER_HANDLE_MISMATCH, "userHandle is not the credential's user",
            "response.userHandle",
        )  # fmt: skip
    if parsed.authenticator_data.flags.be != credential.backup_eligible:
        raise Refusal(
            Reason.BACKUP_ELIGIBILITY_MISMATCH,
            "backup eligibility (BE) differs from the registered credential",
            SIGNED,
        )


def _check_signature(ctx: Context, parsed: Assertion, credential: Credential, tier: str) -> None:
    """py_webauthn's verification; the sign count is judged by :func:`_count_use`."""
    try:
        verify_authentication_response(
            credential=parsed.credential,
            expected_challenge=parsed.client_data.challenge,
            expected_rp_id=ctx.config.rp_id,
            expected_origin=ctx.origins,
            credential_public_key=credential.public_key,
            credential_current_sign_count=0,
            require_user_verification=ctx.config.requires_uv(tier),
        )
    except InvalidAuthenticationResponse as exc:
        # Everything else py_webauthn checks was checked before, with its own reason.
        if "signature" in str(exc):
            raise Refusal(
                Reason.BAD_SIGNATURE, "the signature does not verify", "response.signature"
            ) from None
        raise Refusal(Reason.ASSERTION_INVALID, "py_webauthn refused the assertion") from None
    except Exception:  # an unusable stored key, an unsupported algorithm
        raise Refusal(Reason.UNSUPPORTED_ALGORITHM, "the credential's key cannot verify") from None


def _count_use(ctx: Context, parsed: Assertion, credential: Credential) -> bool:
    """Advance the sign count; on a rollback flag the credential, and refuse unless the
    policy is "flag". Returns whether the credential is flagged as possibly cloned."""
    count = parsed.authenticator_data.sign_count
    backed_up = parsed.authenticator_data.flags.bs
    now = ctx.clock()
    rolled_back = bool(count or credential.sign_count) and count <= credential.sign_count
    if not rolled_back and ctx.store.advance_sign_count(credential.id, count, backed_up, now):
        return credential.possibly_cloned
    ctx.store.flag_cloned(credential.id, backed_up, now)
    if ctx.config.sign_count_policy == "reject":
        raise Refusal(
            Reason.SIGN_COUNT_ROLLBACK, "the signature counter did not increase: possibly cloned",
            SIGNED,
        )  # fmt: skip
    return True
