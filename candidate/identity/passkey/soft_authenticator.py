"""A software WebAuthn authenticator for tests, built with ``cryptography``.

It answers the options the provider issues with standard PublicKeyCredential JSON, as a
browser would pass it on: valid responses, and deliberately broken ones (see
:data:`BREAKAGES`). Three profiles mimic real authenticators:

- ``synced-passkey``: ES256, backup eligible and backed up, counter always 0;
- ``windows-hello``: RS256, single-device, counter increments;
- ``security-key``: EdDSA, single-device, counter increments, cross-platform.

Never use it outside tests: its keys live in memory, unprotected.
"""

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import NameOID
from webauthn.helpers import encode_cbor

from candidate.identity.passkey.wire_format import b64decode, b64encode

ES256, EDDSA, RS256 = -7, -8, -257
ATTESTATIONS = ("none", "packed", "packed-x5c", "fido-u2f")  # "packed" is self attestation

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40


@dataclass(frozen=True)
class Profile:
    name: str
    algorithm: int
    backup_eligible: bool
    backed_up: bool
    counter_step: int  # 0: the signature counter stays 0, as synced passkeys do
    attachment: str
    transports: tuple[str, ...]
    attestation: str = "none"
    user_verifying: bool = True
    aaguid: bytes = bytes(16)


SYNCED_PASSKEY = Profile("synced-passkey", ES256, True, True, 0, "platform", ("hybrid", "internal"))
WINDOWS_HELLO = Profile(
    "windows-hello", RS256, False, False, 1, "platform", ("internal",), attestation="packed"
)
SECURITY_KEY = Profile(
    "security-key", EDDSA, False, False, 1, "cross-platform", ("nfc", "usb"), attestation="packed"
)
PROFILES = {p.name: p for p in (SYNCED_PASSKEY, WINDOWS_HELLO, SECURITY_KEY)}

# Named ways to break an assertion (``get(..., breakage=name)``): each should be refused.
BREAKAGES = (
    "wrong_origin",
    "wrong_rp_id",
    "bad_signature",
    "replayed_challenge",
    "counter_rollback",
    "uv_missing",
)


@dataclass
class _Credential:
    id: bytes
    key: Any  # a cryptography private key
    algorithm: int
    rp_id: str
    user_handle: bytes
    counter: int = 0


@dataclass
class SoftwareAuthenticator:
    """One authenticator holding credentials for any number of relying parties."""

    profile: Profile
    origin: str
    credentials: dict[bytes, _Credential] = field(default_factory=dict)
    last_challenge: bytes | None = None
    attestation_ca: "AttestationCA | None" = None

    @classmethod
    def named(cls, profile: str, origin: str, **changes: Any) -> "SoftwareAuthenticator":
        """An authenticator of profile ``profile`` with ``changes`` to it (e.g. algorithm)."""
        return cls(replace(PROFILES[profile], **changes), origin)

    # Registration -------------------------------------------------------------------

    def create(self, options: Mapping[str, Any], **overrides: Any) -> dict[str, Any]:
        """A RegistrationResponseJSON answering PublicKeyCredentialCreationOptionsJSON."""
        profile = self.profile
        algorithm = overrides.get("algorithm", profile.algorithm)
        offered = [p["alg"] for p in options["pubKeyCredParams"]]
        if algorithm not in offered:
            raise ValueError(f"the options do not offer algorithm {algorithm}: {offered}")
        rp_id = overrides.get("rp_id", options["rp"]["id"])
        credential = _Credential(
            id=overrides.get("credential_id", secrets.token_bytes(32)),
            key=_generate(algorithm),
            algorithm=algorithm,
            rp_id=rp_id,
            user_handle=b64decode("user.id", options["user"]["id"], 64),
        )
        self.credentials[credential.id] = credential
        client_data = self._client_data("webauthn.create", options["challenge"], overrides)
        public_key = _cose_key(credential.key, algorithm)
        attested = (
            profile.aaguid + len(credential.id).to_bytes(2, "big") + credential.id + public_key
        )
        auth_data = self._auth_data(rp_id, credential.counter, overrides, AT) + attested
        fmt = overrides.get("attestation", profile.attestation)
        statement = self._statement(fmt, credential, auth_data, client_data, public_key)
        attestation_object = encode_cbor(
            {"fmt": fmt.removesuffix("-x5c"), "attStmt": statement, "authData": auth_data}
        )
        return {
            "id": b64encode(credential.id),
            "rawId": b64encode(credential.id),
            "type": "public-key",
            "authenticatorAttachment": profile.attachment,
            "response": {
                "clientDataJSON": b64encode(client_data),
                "attestationObject": b64encode(attestation_object),
                "transports": list(profile.transports),
            },
            "clientExtensionResults": {},
        }

    def _statement(
        self, fmt: str, credential: _Credential, auth_data: bytes, client_data: bytes, cose: bytes
    ) -> dict[str, Any]:
        signed = auth_data + hashlib.sha256(client_data).digest()
        if fmt == "none":
            return {}
        if fmt == "packed":  # self attestation: signed with the credential's own key
            return {
                "alg": credential.algorithm,
                "sig": _sign(credential.key, credential.algorithm, signed),
            }
        ca = self.attestation_ca = self.attestation_ca or AttestationCA.create()
        if fmt == "packed-x5c":
            return {"alg": ES256, "sig": _sign(ca.leaf_key, ES256, signed), "x5c": [ca.leaf_der]}
        if fmt == "fido-u2f":
            point = credential.key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
            u2f = (
                b"\x00"
                + hashlib.sha256(credential.rp_id.encode()).digest()
                + hashlib.sha256(client_data).digest()
                + credential.id
                + point
            )
            return {"sig": _sign(ca.leaf_key, ES256, u2f), "x5c": [ca.leaf_der]}
        raise ValueError(f"unknown attestation format {fmt!r}; known: {ATTESTATIONS}")

    # Authentication -----------------------------------------------------------------

    def get(
        self, options: Mapping[str, Any], breakage: str | None = None, **overrides: Any
    ) -> dict[str, Any]:
        """An AuthenticationResponseJSON answering PublicKeyCredentialRequestOptionsJSON.

        ``breakage`` names one of :data:`BREAKAGES`; ``overrides`` set single fields
        (origin, rp_id, challenge, cross_origin, top_origin, user_verified, user_present,
        backup_eligible, backed_up, counter, user_handle, tamper_signature; client_data:
        members added to clientDataJSON).
        """
        credential = self._pick(options)
        overrides = {**self._broken(breakage, credential), **overrides}
        challenge = overrides.pop("challenge", options["challenge"])
        if "counter" not in overrides:
            credential.counter += self.profile.counter_step
        counter = overrides.get("counter", credential.counter)
        self.last_challenge = b64decode("challenge", challenge, 1024)
        client_data = self._client_data("webauthn.get", challenge, overrides)
        rp_id = overrides.get("rp_id", credential.rp_id)
        auth_data = self._auth_data(rp_id, counter, overrides)
        signature = _sign(
            credential.key, credential.algorithm, auth_data + hashlib.sha256(client_data).digest()
        )
        if overrides.get("tamper_signature"):
            signature = signature[:-1] + bytes([signature[-1] ^ 0x01])
        user_handle = overrides.get("user_handle", credential.user_handle)
        return {
            "id": b64encode(credential.id),
            "rawId": b64encode(credential.id),
            "type": "public-key",
            "authenticatorAttachment": self.profile.attachment,
            "response": {
                "clientDataJSON": b64encode(client_data),
                "authenticatorData": b64encode(auth_data),
                "signature": b64encode(signature),
                "userHandle": None if user_handle is None else b64encode(user_handle),
            },
            "clientExtensionResults": {},
        }

    def _pick(self, options: Mapping[str, Any]) -> _Credential:
        allowed = {b64decode("id", c["id"], 1023) for c in options.get("allowCredentials") or []}
        for credential in reversed(self.credentials.values()):  # the newest first
            if not allowed or credential.id in allowed:
                return credential
        raise LookupError("this authenticator holds no credential the options allow")

    def _broken(self, breakage: str | None, credential: _Credential) -> dict[str, Any]:
        if breakage is None:
            return {}
        if breakage == "wrong_origin":
            return {"origin": "https://phishing.example"}
        if breakage == "wrong_rp_id":
            return {"rp_id": "phishing.example"}
        if breakage == "bad_signature":
            return {"tamper_signature": True}
        if breakage == "replayed_challenge":
            if self.last_challenge is None:
                raise ValueError("replayed_challenge needs an earlier assertion to replay")
            return {"challenge": b64encode(self.last_challenge)}
        if breakage == "counter_rollback":
            if self.profile.counter_step == 0:
                raise ValueError(
                    f"{self.profile.name} keeps its counter at 0: nothing to roll back"
                )
            return {"counter": max(credential.counter - 1, 0)}
        if breakage == "uv_missing":
            return {"user_verified": False}
        raise ValueError(f"unknown breakage {breakage!r}; known: {BREAKAGES}")

    # Shared parts -------------------------------------------------------------------

    def _client_data(self, ceremony: str, challenge: str, overrides: Mapping[str, Any]) -> bytes:
        data: dict[str, Any] = {
            "type": ceremony,
            "challenge": challenge,
            "origin": overrides.get("origin", self.origin),
            "crossOrigin": overrides.get("cross_origin", False),
        }
        if "top_origin" in overrides:
            data["topOrigin"] = overrides["top_origin"]
        data.update(overrides.get("client_data", {}))
        return json.dumps(data, separators=(",", ":")).encode()

    def _auth_data(
        self, rp_id: str, counter: int, overrides: Mapping[str, Any], extra_flags: int = 0
    ) -> bytes:
        profile = self.profile
        flags = extra_flags
        for bit, on in (
            (UP, overrides.get("user_present", True)),
            (UV, overrides.get("user_verified", profile.user_verifying)),
            (BE, overrides.get("backup_eligible", profile.backup_eligible)),
            (BS, overrides.get("backed_up", profile.backed_up)),
        ):
            flags |= bit if on else 0
        return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + counter.to_bytes(4, "big")


def _generate(algorithm: int) -> Any:
    if algorithm == ES256:
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == EDDSA:
        return ed25519.Ed25519PrivateKey.generate()
    if algorithm == RS256:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise ValueError(f"unsupported algorithm {algorithm}; supported: ES256, EdDSA, RS256")


def _sign(key: Any, algorithm: int, data: bytes) -> bytes:
    if algorithm == ES256:
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    if algorithm == EDDSA:
        return key.sign(data)
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def _cose_key(key: Any, algorithm: int) -> bytes:
    public = key.public_key()
    if algorithm == ES256:
        numbers = public.public_numbers()
        return encode_cbor(
            {
                1: 2,
                3: ES256,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )
    if algorithm == EDDSA:
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return encode_cbor({1: 1, 3: EDDSA, -1: 6, -2: raw})
    numbers = public.public_numbers()
    n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
    return encode_cbor({1: 3, 3: RS256, -1: n, -2: numbers.e.to_bytes(3, "big")})


@dataclass(frozen=True)
class AttestationCA:
    """A root and one attestation certificate, for packed (x5c) and fido-u2f statements."""

    root_pem: bytes
    leaf_key: ec.EllipticCurvePrivateKey
    leaf_der: bytes

    @classmethod
    def create(cls) -> "AttestationCA":
        root_key = ec.generate_private_key(ec.SECP256R1())
        leaf_key = ec.generate_private_key(ec.SECP256R1())
        root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Attestation Root")])
        leaf_name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Software Authenticator"),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Authenticator Attestation"),
                x509.NameAttribute(NameOID.COMMON_NAME, "Test Attestation"),
            ]
        )
        root = _certificate(root_name, root_name, root_key.public_key(), root_key, ca=True)
        leaf = _certificate(leaf_name, root_name, leaf_key.public_key(), root_key, ca=False)
        return cls(
            root.public_bytes(serialization.Encoding.PEM),
            leaf_key,
            leaf.public_bytes(serialization.Encoding.DER),
        )


def _certificate(
    subject: x509.Name, issuer: x509.Name, public_key: Any, signer: Any, ca: bool
) -> x509.Certificate:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(signer, hashes.SHA256())
    )
