"""Configuration: bad values fail at start-up, naming the key and what was expected."""

import pytest

from candidate.identity.passkey import PasskeyConfig

BASE = {"rp_id": "example.com", "origins": ["https://example.com"], "db_path": "p.sqlite3"}


def test_defaults():
    config = PasskeyConfig.from_mapping(BASE)
    assert config.default_tier == "high" and config.requires_uv("high")
    assert not config.requires_uv("medium") and not config.requires_uv("low")
    assert config.sign_count_policy == "reject"
    assert config.password_fallback is False
    assert config.top_origins == frozenset()
    assert [int(a) for a in config.algorithms] == [-8, -7, -257]


def test_android_origins_and_subdomains():
    origins = [
        "https://example.com",
        "https://login.example.com:8443",
        "android:apk-key-hash:" + "x" * 43,
    ]
    assert PasskeyConfig.from_mapping({**BASE, "origins": origins}).origins == frozenset(origins)


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"rp_id": "Example.COM"}, ValueError, "rp_id"),
        ({"rp_id": "https://example.com"}, ValueError, "rp_id"),
        ({"origins": "https://example.com"}, TypeError, "origins must be a list"),
        ({"origins": []}, ValueError, "at least one origin"),
        ({"origins": ["https://example.com/"]}, ValueError, "without a path"),
        ({"origins": ["http://example.com"]}, ValueError, "only for localhost"),
        ({"origins": ["https://evil.example"]}, ValueError, "not on rp_id"),
        ({"origins": ["https://notexample.com"]}, ValueError, "not on rp_id"),
        ({"origins": ["android:apk-key-hash:short"]}, ValueError, "android:apk-key-hash"),
        ({"top_origins": ["android:apk-key-hash:" + "x" * 43]}, ValueError, "top_origins"),
        ({"tiers": {"x": "sometimes"}}, ValueError, "tiers"),
        ({"default_tier": "ultra"}, ValueError, "default_tier"),
        ({"sign_count_policy": "ignore"}, ValueError, "sign_count_policy"),
        ({"challenge_ttl_s": 0}, ValueError, "challenge_ttl_s"),
        ({"password_fallback": "yes"}, TypeError, "password_fallback"),
        ({"argon2": "FAST"}, ValueError, "argon2"),
        ({"pseudonym_key": "short"}, ValueError, "pseudonym_key"),
        ({"algorithms": [-7, 12345]}, ValueError, "algorithms"),
        ({"attestation": "always"}, ValueError, "attestation"),
        ({"attestation_roots": {"bogus": []}}, ValueError, "attestation_roots"),
        ({"resident_key": "maybe"}, ValueError, "resident_key"),
        ({"rp_nmae": "typo"}, TypeError, "unknown passkey config keys"),
    ],
)
def test_bad_values_name_the_key(changes, error, match):
    with pytest.raises(error, match=match):
        PasskeyConfig.from_mapping({**BASE, **changes})


@pytest.mark.parametrize("missing", ["rp_id", "origins", "db_path"])
def test_required_keys(missing):
    config = dict(BASE)
    del config[missing]
    with pytest.raises(TypeError, match=missing):
        PasskeyConfig.from_mapping(config)


def test_localhost_is_allowed_over_http_for_development():
    config = PasskeyConfig.from_mapping(
        {**BASE, "rp_id": "localhost", "origins": ["http://localhost:8000"]}
    )
    assert config.origins == {"http://localhost:8000"}
