"""The registration ceremony: options with a single-use challenge, then the response."""

from collections.abc import Mapping
from typing import Any

from webauthn import generate_registration_options, verify_registration_response
from webauthn.helpers import decode_credential_public_key, options_to_json_dict
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
)

from candidate.identity.passkey.checks import REGISTRATION, Context, text
from candidate.identity.passkey.refusals import Answer, Reason, Refusal, accepted
from candidate.identity.passkey.store import Credential
from candidate.identity.passkey.wire_format import b64encode, parse_attestation

MAX_USER_NAME = 64  # characters; authenticators may truncate longer names anyway
ATTESTED = "response.attestationObject"


def descriptors(credentials: list[Credential]) -> list[PublicKeyCredentialDescriptor]:
    known = {t.value for t in AuthenticatorTransport}
    return [
        PublicKeyCredentialDescriptor(
            id=c.id, transports=[AuthenticatorTransport(t) for t in c.transports if t in known]
        )
        for c in credentials
    ]


def options(
    ctx: Context,
    user_id: object,
    user_name: object,
    *,
    display_name: object = None,
    tier: object = None,
    challenge: object = None,
) -> Answer:
    """PublicKeyCredentialCreationOptionsJSON for ``user_id``; excludes their credentials.

    The user handle is a keyed hash of ``user_id``; ``user_name`` and ``display_name`` go
    to the authenticator only and are not stored.
    """
    user_id = text("user_id", user_id)
    user_name = text("user_name", user_name, MAX_USER_NAME)
    display_name = (
        user_name if display_name is None else text("display_name", display_name, MAX_USER_NAME)
    )
    tier = ctx.tier(tier)
    owner, handle = ctx.store.pseudonym(user_id), ctx.store.user_handle(user_id)
    issued = ctx.issue(REGISTRATION, tier, challenge, owner=owner, user_handle=handle)
    made = generate_registration_options(
        rp_id=ctx.config.rp_id,
        rp_name=ctx.config.rp_name,
        user_name=user_name,
        user_id=handle,
        user_display_name=display_name,
        challenge=issued,
        timeout=int(ctx.config.challenge_ttl_s * 1000),
        attestation=ctx.config.attestation,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ctx.config.resident_key, user_verification=ctx.config.tiers[tier]
        ),
        exclude_credentials=descriptors(ctx.store.credentials_of(owner)),
        supported_pub_key_algs=list(ctx.config.algorithms),
    )
    return accepted(options=options_to_json_dict(made), tier=tier, user=owner)


def verify(
    ctx: Context, credential: Mapping[str, Any], expected_challenge: object = None
) -> Answer:
    """Verify a RegistrationResponseJSON and store the credential for the challenge's user."""
    parsed = parse_attestation(credential)
    client = parsed.client_data
    pending = ctx.take(client, REGISTRATION, expected_challenge)
    ctx.check_client(client)
    auth_data = parsed.attestation_object.auth_data
    ctx.check_flags(auth_data, pending.tier, ATTESTED)
    attested = auth_data.attested_credential_data
    if attested is None:
        raise Refusal(Reason.ATTESTATION_INVALID, "no attested credential data", ATTESTED)
    if attested.credential_id != parsed.credential.raw_id:
        raise Refusal(
            Reason.ATTESTATION_INVALID, "rawId is not the attested credential id", "rawId"
        )
    try:
        algorithm = decode_credential_public_key(attested.credential_public_key).alg
    except Exception:
        raise Refusal(
            Reason.MALFORMED_CBOR, "the credential public key is not a COSE key", ATTESTED
        ) from None
    if algorithm not in ctx.config.algorithms:
        raise Refusal(
            Reason.UNSUPPORTED_ALGORITHM, f"algorithm {algorithm} is not accepted", ATTESTED
        )
    try:
        verified = verify_registration_response(
            credential=parsed.credential,
            expected_challenge=client.challenge,
            expected_rp_id=ctx.config.rp_id,
            expected_origin=ctx.origins,
            require_user_verification=ctx.config.requires_uv(pending.tier),
            supported_pub_key_algs=list(ctx.config.algorithms),
            pem_root_certs_bytes_by_fmt=dict(ctx.config.attestation_roots) or None,
        )
    except Exception:  # py_webauthn's own checks failed: the attestation statement, mostly
        raise Refusal(
            Reason.ATTESTATION_INVALID, "the attestation does not verify", ATTESTED
        ) from None
    stored = Credential(
        id=verified.credential_id,
        owner=pending.owner,
        user_handle=pending.user_handle,
        public_key=verified.credential_public_key,
        algorithm=int(algorithm),
        sign_count=verified.sign_count,
        backup_eligible=auth_data.flags.be,
        backed_up=auth_data.flags.bs,
        possibly_cloned=False,
        transports=tuple(t.value for t in parsed.credential.response.transports or ()),
        aaguid=verified.aaguid,
        fmt=getattr(verified.fmt, "value", verified.fmt),  # py_webauthn passes the raw str
    )
    if not ctx.store.add_credential(stored, ctx.clock()):
        raise Refusal(Reason.CREDENTIAL_EXISTS, "this credential is already registered", "rawId")
    return accepted(
        registered=True,
        credential_id=b64encode(stored.id),
        user=stored.owner,
        algorithm=stored.algorithm,
        fmt=stored.fmt,
        aaguid=stored.aaguid,
        user_verified=auth_data.flags.uv,
        backup_eligible=stored.backup_eligible,
        backed_up=stored.backed_up,
        tier=pending.tier,
    )
