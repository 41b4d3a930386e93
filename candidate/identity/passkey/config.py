"""The provider's configuration: relying party, origins, storage and policy.

Built from keyword arguments (``bootstrap.wire(**config)``); a bad value raises
ValueError or TypeError naming the key, what was expected and what was found, at start-up
rather than on a user's sign-in.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from argon2 import Parameters, profiles
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AttestationFormat,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

SignCountPolicy = Literal["reject", "flag"]

# A policy tier names how strongly a ceremony wants user verification (UV): with
# "required" an assertion without UV is refused; the other two only ask the browser.
DEFAULT_TIERS = {"low": "discouraged", "medium": "preferred", "high": "required"}

# ES256, EdDSA, RS256: what platform authenticators, synced passkeys and security keys use.
DEFAULT_ALGORITHMS = (
    COSEAlgorithmIdentifier.EDDSA,
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
)

ARGON2_PROFILES = {
    "RFC_9106_LOW_MEMORY": profiles.RFC_9106_LOW_MEMORY,
    "RFC_9106_HIGH_MEMORY": profiles.RFC_9106_HIGH_MEMORY,
    "CHEAPEST": profiles.CHEAPEST,  # tests only
}

_DOMAIN = re.compile(
    r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*"
)
_WEB_ORIGIN = re.compile(r"(?P<scheme>https?)://(?P<host>[a-z0-9.-]+)(:(?P<port>[0-9]{1,5}))?")
_ANDROID_ORIGIN = re.compile(r"android:apk-key-hash:[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class PasskeyConfig:
    rp_id: str
    origins: frozenset[str]
    db_path: Path
    rp_name: str = "LUKHAS"
    top_origins: frozenset[str] = frozenset()
    challenge_ttl_s: float = 300.0
    tiers: Mapping[str, UserVerificationRequirement] = field(
        default_factory=lambda: {
            k: UserVerificationRequirement(v) for k, v in DEFAULT_TIERS.items()
        }
    )
    default_tier: str = "high"
    sign_count_policy: SignCountPolicy = "reject"
    resident_key: ResidentKeyRequirement = ResidentKeyRequirement.PREFERRED
    algorithms: tuple[COSEAlgorithmIdentifier, ...] = DEFAULT_ALGORITHMS
    attestation: AttestationConveyancePreference = AttestationConveyancePreference.NONE
    attestation_roots: Mapping[AttestationFormat, list[bytes]] = field(default_factory=dict)
    password_fallback: bool = False
    password_min_length: int = 8
    argon2: Parameters = field(default_factory=lambda: profiles.RFC_9106_LOW_MEMORY)
    pseudonym_key: bytes | None = None  # None: a random key kept in the database

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> "PasskeyConfig":
        """Validate and convert ``config`` (plain values, as a bootstrap passes them)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(config) - known)
        if unknown:
            raise TypeError(f"unknown passkey config keys {unknown}; known: {sorted(known)}")
        for name in ("rp_id", "origins", "db_path"):
            if name not in config:
                raise TypeError(f"passkey config needs {name!r}")
        values = dict(config)
        rp_id = _rp_id(values.pop("rp_id"))
        converted: dict[str, Any] = {
            "rp_id": rp_id,
            "origins": _origins("origins", values.pop("origins"), rp_id),
            "db_path": Path(values.pop("db_path")),
        }
        for name, value in values.items():
            converted[name] = _CONVERTERS[name](name, value)
        made = cls(**converted)
        if made.default_tier not in made.tiers:
            raise ValueError(
                f"default_tier {made.default_tier!r} is not one of {sorted(made.tiers)}"
            )
        return made

    def requires_uv(self, tier: str) -> bool:
        return self.tiers[tier] is UserVerificationRequirement.REQUIRED


def _text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TypeError(f"{name} must be a non-empty string, got {value!r}")
    return value


def _rp_id(value: object) -> str:
    if not isinstance(value, str) or not _DOMAIN.fullmatch(value):
        raise ValueError(f"rp_id must be a lower-case domain such as 'example.com', got {value!r}")
    return value


def _origins(name: str, value: object, rp_id: str | None) -> frozenset[str]:
    """Exact origins: https://host[:port] (http only for localhost), or android:apk-key-hash:."""
    if isinstance(value, str) or not isinstance(value, Sequence | frozenset | set):
        raise TypeError(f"{name} must be a list of origins, got {type(value).__name__}")
    for origin in value:
        if not isinstance(origin, str):
            raise TypeError(f"{name} must hold strings, got {type(origin).__name__}")
        if _ANDROID_ORIGIN.fullmatch(origin) and rp_id is not None:
            continue
        match = _WEB_ORIGIN.fullmatch(origin)
        host = match and match["host"]
        if not match or (match["scheme"] == "http" and host != "localhost"):
            raise ValueError(
                f"{name}: {origin!r} is not an origin: expected 'https://host[:port]' without a "
                "path ('http://' only for localhost)"
                + (" or 'android:apk-key-hash:<base64url SHA-256>'" if rp_id else "")
            )
        if rp_id is not None and host != rp_id and not host.endswith("." + rp_id):
            raise ValueError(f"{name}: {origin!r} is not on rp_id {rp_id!r} or a subdomain")
    if rp_id is not None and not value:
        raise ValueError(f"{name} must list at least one origin")
    return frozenset(value)


def _tiers(name: str, value: object) -> dict[str, UserVerificationRequirement]:
    if not isinstance(value, Mapping) or not value:
        raise TypeError(f"{name} must map tier names to a user verification requirement")
    try:
        return {str(k): UserVerificationRequirement(v) for k, v in value.items()}
    except ValueError:
        allowed = [r.value for r in UserVerificationRequirement]
        raise ValueError(f"{name}: each tier's requirement must be one of {allowed}") from None


def _choice(enum: type, name: str, value: object) -> Any:
    try:
        return enum(value)
    except ValueError:
        raise ValueError(
            f"{name} must be one of {[e.value for e in enum]}, got {value!r}"
        ) from None


def _argon2(name: str, value: object) -> Parameters:
    if isinstance(value, Parameters):
        return value
    if value not in ARGON2_PROFILES:
        raise ValueError(f"{name} must be one of {sorted(ARGON2_PROFILES)}, got {value!r}")
    return ARGON2_PROFILES[value]


def _policy(name: str, value: object) -> str:
    if value not in ("reject", "flag"):
        raise ValueError(f"{name} must be 'reject' or 'flag', got {value!r}")
    return value


def _positive(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return value


def _key(name: str, value: object) -> bytes | None:
    if value is None:
        return None
    raw = value.encode() if isinstance(value, str) else value
    if not isinstance(raw, bytes) or len(raw) < 16:
        raise ValueError(f"{name} must be at least 16 bytes (or a string of 16+ characters)")
    return raw


def _algorithms(name: str, value: object) -> tuple[COSEAlgorithmIdentifier, ...]:
    try:
        return tuple(COSEAlgorithmIdentifier(v) for v in value)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a list of COSE algorithm numbers, e.g. [-8, -7, -257]"
        ) from None


def _roots(name: str, value: object) -> dict[AttestationFormat, list[bytes]]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must map attestation formats to PEM root certificates")
    return {
        _choice(AttestationFormat, name, fmt): [
            pem.encode() if isinstance(pem, str) else bytes(pem) for pem in pems
        ]
        for fmt, pems in value.items()
    }


def _flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be true or false, got {value!r}")
    return value


_CONVERTERS: dict[str, Any] = {
    "rp_name": _text,
    "default_tier": _text,
    "top_origins": lambda name, value: _origins(name, value, None),
    "challenge_ttl_s": _positive,
    "tiers": _tiers,
    "sign_count_policy": _policy,
    "resident_key": lambda name, value: _choice(ResidentKeyRequirement, name, value),
    "algorithms": _algorithms,
    "attestation": lambda name, value: _choice(AttestationConveyancePreference, name, value),
    "attestation_roots": _roots,
    "password_fallback": _flag,
    "password_min_length": lambda name, value: int(_positive(name, value)),
    "argon2": _argon2,
    "pseudonym_key": _key,
}
