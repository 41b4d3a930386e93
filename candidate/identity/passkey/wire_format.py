"""PublicKeyCredential JSON in: strict decoding with size limits, into py_webauthn's structs.

py_webauthn decodes base64url leniently (characters outside the alphabet are dropped) and
does not read ``topOrigin``. Here every field is checked before the library sees it, so a
bad input gets a precise reason code and the library only verifies well-formed data.
"""

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from webauthn.helpers import parse_attestation_object, parse_authenticator_data
from webauthn.helpers.structs import (
    AttestationObject,
    AuthenticationCredential,
    AuthenticatorAssertionResponse,
    AuthenticatorAttachment,
    AuthenticatorAttestationResponse,
    AuthenticatorData,
    AuthenticatorTransport,
    PublicKeyCredentialType,
    RegistrationCredential,
)

from candidate.identity.passkey.refusals import Reason, Refusal, kind

# Size limits in bytes (decoded). Spec limits where the spec has one, else generous
# bounds well above real authenticators (ML-DSA-87 signatures are 4627 bytes).
MAX_CREDENTIAL_ID = 1023  # WebAuthn: credential ids are at most 1023 bytes
MAX_USER_HANDLE = 64  # WebAuthn: user handles are at most 64 bytes
MAX_CLIENT_DATA = 8 * 1024
MAX_AUTHENTICATOR_DATA = 16 * 1024
MAX_SIGNATURE = 8 * 1024
MAX_ATTESTATION_OBJECT = 64 * 1024
MAX_CHALLENGE = 1024
MIN_CHALLENGE = 16  # WebAuthn: challenges SHOULD be at least 16 bytes
MAX_ORIGIN = 2048  # characters


def b64encode(data: bytes) -> str:
    """Unpadded base64url, as PublicKeyCredential JSON uses."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(field: str, value: object, max_bytes: int) -> bytes:
    """Canonical base64url (padding optional) of at most ``max_bytes``, else a Refusal."""
    if not isinstance(value, str):
        raise Refusal(Reason.INVALID_INPUT, f"{field} must be a base64url string", field)
    if len(value) > (max_bytes + 2) // 3 * 4:
        raise Refusal(Reason.TOO_LARGE, f"{field} is longer than {max_bytes} bytes", field)
    body = value.rstrip("=")
    try:
        if body != value and len(value) % 4:  # padding, but not to a multiple of 4
            raise ValueError
        raw = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):  # outside the alphabet, or a length no encoding has
        raw = None
    # Re-encoding rejects the standard alphabet's "+" and "/" (which altchars lets through)
    # and non-zero trailing bits (two spellings of one value).
    if raw is None or b64encode(raw) != body:
        raise Refusal(Reason.MALFORMED_BASE64, f"{field} is not canonical base64url", field)
    if len(raw) > max_bytes:
        raise Refusal(Reason.TOO_LARGE, f"{field} is longer than {max_bytes} bytes", field)
    return raw


def mapping(field: str, value: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise Refusal(Reason.INVALID_INPUT, f"{field} must be an object, got {kind(value)}", field)
    return value


@dataclass(frozen=True)
class ClientData:
    """The parts of clientDataJSON the checks read."""

    type: str
    challenge: bytes
    origin: str
    cross_origin: bool
    top_origin: str | None
    token_binding: object  # the raw value: only "absent" or status "supported" pass


def parse_client_data(raw: bytes) -> ClientData:
    field = "response.clientDataJSON"
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refusal(Reason.MALFORMED_JSON, f"{field} is not UTF-8 JSON", field) from None
    if not isinstance(data, dict):
        raise Refusal(Reason.MALFORMED_JSON, f"{field} is not a JSON object", field)
    for name in ("type", "challenge", "origin"):
        if not isinstance(data.get(name), str):
            raise Refusal(Reason.INVALID_INPUT, f"{field}.{name} must be a string", field)
    if len(data["origin"]) > MAX_ORIGIN:
        raise Refusal(Reason.TOO_LARGE, f"{field}.origin is too long", field)
    cross_origin = data.get("crossOrigin", False)
    top_origin = data.get("topOrigin")
    if not isinstance(cross_origin, bool):
        raise Refusal(Reason.INVALID_INPUT, f"{field}.crossOrigin must be a boolean", field)
    if top_origin is not None and not isinstance(top_origin, str):
        raise Refusal(Reason.INVALID_INPUT, f"{field}.topOrigin must be a string", field)
    return ClientData(
        type=data["type"],
        challenge=b64decode(f"{field}.challenge", data["challenge"], MAX_CHALLENGE),
        origin=data["origin"],
        cross_origin=cross_origin,
        top_origin=top_origin,
        token_binding=data.get("tokenBinding"),
    )


def _envelope(name: str, value: object) -> tuple[Mapping[str, Any], bytes, Mapping[str, Any]]:
    """The credential, its decoded rawId and its response: what both kinds share.

    ``id`` must spell rawId's bytes (py_webauthn requires it too) and ``type`` be
    "public-key".
    """
    credential = mapping(name, value)
    raw_id = b64decode("rawId", credential.get("rawId"), MAX_CREDENTIAL_ID)
    if not raw_id:
        raise Refusal(Reason.INVALID_INPUT, "rawId must not be empty", "rawId")
    if credential.get("id") != b64encode(raw_id):
        raise Refusal(Reason.INVALID_INPUT, "id must be rawId in unpadded base64url", "id")
    if credential.get("type") != PublicKeyCredentialType.PUBLIC_KEY.value:
        raise Refusal(Reason.INVALID_INPUT, 'type must be "public-key"', "type")
    return credential, raw_id, mapping("response", credential.get("response"))


def _field(response: Mapping[str, Any], name: str, max_bytes: int) -> bytes:
    return b64decode(f"response.{name}", response.get(name), max_bytes)


def _attachment(credential: Mapping[str, Any]) -> AuthenticatorAttachment | None:
    value = credential.get("authenticatorAttachment")
    try:
        return None if value is None else AuthenticatorAttachment(value)
    except ValueError:
        field = "authenticatorAttachment"
        raise Refusal(Reason.INVALID_INPUT, f"{field} is not a known attachment", field) from None


@dataclass(frozen=True)
class Assertion:
    """An authentication response, decoded and parsed."""

    credential: AuthenticationCredential
    client_data: ClientData
    authenticator_data: AuthenticatorData


def parse_assertion(value: object) -> Assertion:
    """An AuthenticationResponseJSON (navigator.credentials.get(), ``toJSON()``)."""
    credential, raw_id, response = _envelope("assertion", value)
    client_data_json = _field(response, "clientDataJSON", MAX_CLIENT_DATA)
    authenticator_data = _field(response, "authenticatorData", MAX_AUTHENTICATOR_DATA)
    signature = _field(response, "signature", MAX_SIGNATURE)
    user_handle = None
    if response.get("userHandle") is not None:
        user_handle = _field(response, "userHandle", MAX_USER_HANDLE)
    parsed = AuthenticationCredential(
        id=credential["id"],
        raw_id=raw_id,
        response=AuthenticatorAssertionResponse(
            client_data_json=client_data_json,
            authenticator_data=authenticator_data,
            signature=signature,
            user_handle=user_handle or None,
        ),
        authenticator_attachment=_attachment(credential),
    )
    return Assertion(parsed, parse_client_data(client_data_json), _auth_data(authenticator_data))


def _auth_data(raw: bytes) -> AuthenticatorData:
    try:
        return parse_authenticator_data(raw)
    except Exception:  # py_webauthn raises several types, and CBOR errors for extensions
        field = "response.authenticatorData"
        raise Refusal(
            Reason.MALFORMED_AUTHENTICATOR_DATA, f"{field} could not be parsed", field
        ) from None


@dataclass(frozen=True)
class Attestation:
    """A registration response, decoded and parsed."""

    credential: RegistrationCredential
    client_data: ClientData
    attestation_object: AttestationObject


def parse_attestation(value: object) -> Attestation:
    """A RegistrationResponseJSON (navigator.credentials.create(), ``toJSON()``)."""
    credential, raw_id, response = _envelope("credential", value)
    client_data_json = _field(response, "clientDataJSON", MAX_CLIENT_DATA)
    attestation_object = _field(response, "attestationObject", MAX_ATTESTATION_OBJECT)
    parsed = RegistrationCredential(
        id=credential["id"],
        raw_id=raw_id,
        response=AuthenticatorAttestationResponse(
            client_data_json=client_data_json,
            attestation_object=attestation_object,
            transports=_transports(response.get("transports")),
        ),
        authenticator_attachment=_attachment(credential),
    )
    return Attestation(
        parsed, parse_client_data(client_data_json), _attestation_object(attestation_object)
    )


def _transports(value: object) -> list[AuthenticatorTransport] | None:
    """Known transports; unknown names are skipped, as the spec asks of relying parties."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > 16:
        field = "response.transports"
        raise Refusal(Reason.INVALID_INPUT, f"{field} must be a short list of strings", field)
    known = {t.value: t for t in AuthenticatorTransport}
    return [known[name] for name in value if isinstance(name, str) and name in known]


def _attestation_object(raw: bytes) -> AttestationObject:
    try:
        parsed = parse_attestation_object(raw)
    except Exception:  # CBOR, structure and authenticator data errors alike
        field = "response.attestationObject"
        raise Refusal(Reason.MALFORMED_CBOR, f"{field} could not be parsed", field) from None
    if not isinstance(parsed.fmt, str):
        field = "response.attestationObject"
        raise Refusal(Reason.MALFORMED_CBOR, f"{field} has no format name", field)
    return parsed
