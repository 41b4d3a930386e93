"""p95 of ``verify_passkey`` (authentication) through the accepted API with the real
provider, against the bare py_webauthn ``verify_authentication_response`` call, in one run.

    .venv/bin/pytest benchmarks/test_passkey_verify.py --benchmark-only -p no:randomly

Add ``--benchmark-timer=time.process_time`` for CPU time: on a shared machine wall-time
percentiles are decided by preemption (see BENCHMARKS.md).
Each round is one call. The API rows need a fresh assertion per call (challenges are
single use): it is made in the round's setup, outside the timing. The bare call verifies
the same assertion every round (a counter of 0 never goes stale). The p95 of each row, and
its ratio to the bare call's, are listed after the run ("p95 per round").
"""

import secrets

import pytest
from webauthn import verify_authentication_response, verify_registration_response

from candidate.identity.passkey import PasskeyConfig, WebAuthnProvider
from candidate.identity.passkey.soft_authenticator import EDDSA, ES256, RS256, SoftwareAuthenticator
from candidate.identity.passkey.testing import ORIGIN, RP_ID, PasskeyCeremony, provider_config
from candidate.identity.passkey.wire_format import b64encode
from lukhas.flags import DRY_RUN_MODE
from lukhas.identity.passkey import FEATURE_FLAG, register, reset, verify_passkey
from lukhas.observability import SINK_ENV, capture

ROUNDS = 2000
WARMUP = 100
ALGORITHMS = {"ES256": ES256, "EdDSA": EDDSA, "RS256": RS256}
GROUP = "passkey verify: one call per round"


@pytest.fixture(params=list(ALGORITHMS))
def algorithm(request) -> str:
    return request.param


@pytest.fixture
def ceremony(algorithm, tmp_path, monkeypatch):
    """A registered credential of ``algorithm``; the slice live on the real provider."""
    for name, value in ((FEATURE_FLAG, "true"), (DRY_RUN_MODE, "false")):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(SINK_ENV, raising=False)
    provider = WebAuthnProvider(PasskeyConfig.from_mapping(provider_config(tmp_path)))
    made = PasskeyCeremony(provider, "synced-passkey", algorithm=ALGORITHMS[algorithm])
    assert made.enroll()["ok"]
    register(provider)
    yield made
    reset()
    provider.close()


def fresh(ceremony):
    """A pedantic setup: a new assertion per round, made outside the timing."""
    return lambda: ((ceremony.assertion(),), {})


@pytest.mark.benchmark(group=GROUP)
def test_bare_py_webauthn(benchmark, algorithm, record_p95):
    """The library alone, with a credential registered by the library alone."""
    device = SoftwareAuthenticator.named("synced-passkey", ORIGIN, algorithm=ALGORITHMS[algorithm])
    creation, request = secrets.token_bytes(32), secrets.token_bytes(32)
    registered = verify_registration_response(
        credential=device.create(
            {
                "challenge": b64encode(creation),
                "rp": {"id": RP_ID},
                "user": {"id": b64encode(b"bench-user")},
                "pubKeyCredParams": [{"type": "public-key", "alg": ALGORITHMS[algorithm]}],
            }
        ),
        expected_challenge=creation,
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
    )
    kwargs = {
        "credential": device.get({"challenge": b64encode(request)}),
        "expected_challenge": request,
        "expected_rp_id": RP_ID,
        "expected_origin": ORIGIN,
        "credential_public_key": registered.credential_public_key,
        "credential_current_sign_count": 0,
        "require_user_verification": True,
    }
    benchmark.pedantic(
        verify_authentication_response, kwargs=kwargs, rounds=ROUNDS, warmup_rounds=WARMUP
    )
    record_p95(benchmark, baseline(algorithm))


def baseline(algorithm: str) -> str:
    return f"{algorithm} bare py_webauthn"


@pytest.mark.benchmark(group=GROUP)
def test_verify_passkey_api(benchmark, algorithm, ceremony, record_p95):
    result = benchmark.pedantic(
        verify_passkey, setup=fresh(ceremony), rounds=ROUNDS, warmup_rounds=WARMUP
    )
    assert result["verified"] is True
    record_p95(benchmark, f"{algorithm} verify_passkey", baseline(algorithm))


@pytest.mark.benchmark(group=GROUP)
def test_verify_passkey_api_with_matriz_capture(benchmark, algorithm, ceremony, record_p95):
    """As the gate runs it: a MATRIZ sink active, so each call builds its node."""
    with capture() as nodes:
        benchmark.pedantic(
            verify_passkey, setup=fresh(ceremony), rounds=ROUNDS, warmup_rounds=WARMUP
        )
    assert nodes and {n["labels"][0] for n in nodes} == {"identity:passkey.verify"}
    record_p95(benchmark, f"{algorithm} verify_passkey + capture", baseline(algorithm))


@pytest.mark.benchmark(group=GROUP)
def test_provider_alone(benchmark, algorithm, ceremony, record_p95):
    """The provider's verify without the accepted API around it: the API's own share."""
    benchmark.pedantic(
        ceremony.provider.verify, setup=fresh(ceremony), rounds=ROUNDS, warmup_rounds=WARMUP
    )
    record_p95(benchmark, f"{algorithm} provider.verify", baseline(algorithm))
