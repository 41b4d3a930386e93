"""Input parsing: malformed base64, JSON and CBOR and oversized fields are refused cleanly."""

import base64
import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candidate.identity.passkey.refusals import Reason, Refusal
from candidate.identity.passkey.testing import PasskeyCeremony
from candidate.identity.passkey.tests.helpers import refusal
from candidate.identity.passkey.wire_format import (
    MAX_CLIENT_DATA,
    b64decode,
    b64encode,
    parse_assertion,
    parse_attestation,
)

REASONS = {r.value for r in Reason}
FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def code_of(value, parse=parse_assertion) -> str:
    with pytest.raises(Refusal) as caught:
        parse(value)
    return caught.value.reason.value


class TestBase64url:
    @given(st.binary(max_size=200))
    def test_round_trip(self, data):
        assert b64decode("f", b64encode(data), 200) == data

    @given(st.binary(min_size=1, max_size=200))
    def test_padding_is_optional(self, data):
        padded = base64.urlsafe_b64encode(data).decode()
        assert b64decode("f", padded, 200) == data

    @pytest.mark.parametrize(
        "text",
        [
            "ab$c",
            "ab+c",
            "ab/c",
            "a",
            "abcde",
            "ab=c",
            "ab==c",
            "abd",
            "abd=",
            "AB",
            "ab c",
            "ab\nc",
            "é",
        ],
    )
    def test_anything_but_canonical_base64url_is_malformed(self, text):
        """Includes the standard alphabet, bad padding and non-zero trailing bits ("AB")."""
        with pytest.raises(Refusal) as caught:
            b64decode("field", text, 100)
        assert caught.value.reason is Reason.MALFORMED_BASE64
        assert caught.value.field == "field"

    def test_too_long_is_refused_before_decoding(self):
        with pytest.raises(Refusal) as caught:
            b64decode("field", "A" * 200, 100)
        assert caught.value.reason is Reason.TOO_LARGE

    @pytest.mark.parametrize("value", [None, 42, b"bytes", ["a"]])
    def test_not_a_string(self, value):
        with pytest.raises(Refusal) as caught:
            b64decode("field", value, 100)
        assert caught.value.reason is Reason.INVALID_INPUT


def with_client_data(assertion, raw: bytes):
    changed = copy.deepcopy(assertion)
    changed["response"]["clientDataJSON"] = b64encode(raw)
    return changed


class TestAssertionParsing:
    @pytest.fixture
    def assertion(self, ceremony):
        return ceremony.assertion()

    def test_a_valid_assertion_parses(self, assertion):
        parsed = parse_assertion(assertion)
        assert parsed.client_data.type == "webauthn.get"
        assert parsed.credential.raw_id == b64decode("rawId", assertion["rawId"], 1023)

    @pytest.mark.parametrize(
        ("raw", "reason"),
        [
            (b"\xff\xfe not utf-8", "malformed_json"),
            (b"{not json", "malformed_json"),
            (b"[1, 2]", "malformed_json"),
            (b'"text"', "malformed_json"),
            (b"[" * 5_000, "malformed_json"),  # deep nesting: RecursionError inside json
            (b'{"type": 1, "challenge": "", "origin": ""}', "invalid_input"),
            (b'{"type": "webauthn.get", "origin": "https://x"}', "invalid_input"),
            (b'{"type": "webauthn.get", "challenge": "a+b", "origin": "o"}', "malformed_base64"),
            (
                b'{"type": "t", "challenge": "", "origin": "o", "crossOrigin": "yes"}',
                "invalid_input",
            ),
            (b'{"type": "t", "challenge": "", "origin": "o", "topOrigin": 5}', "invalid_input"),
            (
                json.dumps({"type": "t", "challenge": "", "origin": "o" * 3000}).encode(),
                "too_large",
            ),
            (b" " * (MAX_CLIENT_DATA + 1), "too_large"),
        ],
    )
    def test_malformed_client_data(self, assertion, raw, reason):
        assert code_of(with_client_data(assertion, raw)) == reason

    @pytest.mark.parametrize("size", [0, 36])
    def test_short_authenticator_data(self, assertion, size):
        assertion["response"]["authenticatorData"] = b64encode(b"\x00" * size)
        assert code_of(assertion) == "malformed_authenticator_data"

    def test_authenticator_data_with_bad_extensions_cbor(self, assertion):
        raw = b64decode("a", assertion["response"]["authenticatorData"], 100)
        flagged = raw[:32] + bytes([raw[32] | 0x80]) + raw[33:37] + b"\xff\xff"
        assertion["response"]["authenticatorData"] = b64encode(flagged)
        assert code_of(assertion) == "malformed_authenticator_data"

    @pytest.mark.parametrize(
        ("path", "value", "reason"),
        [
            ("id", "another-id", "invalid_input"),
            ("rawId", "", "invalid_input"),
            ("rawId", "A" * 2000, "too_large"),
            ("type", "password", "invalid_input"),
            ("authenticatorAttachment", "pocket", "invalid_input"),
            ("response", [], "invalid_input"),
            ("response.signature", "A" * 20_000, "too_large"),
            ("response.signature", None, "invalid_input"),
            ("response.userHandle", "A" * 100, "too_large"),
            ("response.userHandle", 7, "invalid_input"),
        ],
    )
    def test_bad_fields(self, assertion, path, value, reason):
        *parents, last = path.split(".")
        target = assertion
        for name in parents:
            target = target[name]
        target[last] = value
        assert code_of(assertion) == reason


class TestAttestationParsing:
    @pytest.fixture
    def response(self, provider):
        ceremony = PasskeyCeremony(provider)
        return ceremony.create(provider.registration_options("u", "u")["options"])

    @pytest.mark.parametrize(
        "raw",
        [
            b"",
            b"\xff",
            b"\xa0",
            b"\x80",
            b"\xa1\x63fmt\x64none",
            b"\xa2\x63fmt\x01\x68authData\x40",
        ],
    )
    def test_malformed_attestation_objects(self, response, raw):
        response["response"]["attestationObject"] = b64encode(raw)
        assert code_of(response, parse_attestation) == "malformed_cbor"

    def test_transports_must_be_a_list(self, response):
        response["response"]["transports"] = "usb"
        assert code_of(response, parse_attestation) == "invalid_input"

    def test_unknown_transports_are_skipped(self, response):
        response["response"]["transports"] = ["usb", "carrier-pigeon", 3]
        assert [t.value for t in parse_attestation(response).credential.response.transports] == [
            "usb"
        ]


# Fuzzing: whatever arrives, the provider answers with a refusal and never raises.

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
b64_fields = st.one_of(st.text(max_size=60), st.binary(max_size=120).map(b64encode), json_values)


@st.composite
def credential_shaped(draw):
    """Mostly well-shaped PublicKeyCredential JSON with arbitrary contents."""
    raw_id = draw(st.binary(min_size=1, max_size=40))
    response = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "clientDataJSON": b64_fields,
                "authenticatorData": b64_fields,
                "signature": b64_fields,
                "userHandle": b64_fields,
                "attestationObject": b64_fields,
                "transports": json_values,
            },
        )
    )
    return {
        "id": draw(st.sampled_from([b64encode(raw_id), "x"])),
        "rawId": b64encode(raw_id),
        "type": draw(st.sampled_from(["public-key", "other"])),
        "response": response,
    }


@FUZZ
@given(value=st.one_of(json_values, credential_shaped()))
def test_fuzzed_input_is_always_a_structured_refusal(provider, value):
    for call in (provider.verify, provider.register):
        answer = call(value)
        assert answer["ok"] is False
        assert answer["error"]["code"] in REASONS - {"internal_error", "unavailable"}


@FUZZ
@given(
    client_data=st.one_of(
        st.binary(max_size=300), json_values.map(lambda v: json.dumps(v).encode())
    )
)
def test_fuzzed_client_data_is_refused(ceremony, client_data):
    assertion = with_client_data(ceremony.assertion(), client_data)
    assert refusal(ceremony.provider.verify(assertion)) in REASONS - {"internal_error"}


@FUZZ
@given(data=st.data())
def test_any_single_byte_change_to_a_valid_assertion_is_refused(ceremony, data):
    assertion = ceremony.assertion()
    field = data.draw(st.sampled_from(["clientDataJSON", "authenticatorData", "signature"]))
    raw = bytearray(b64decode(field, assertion["response"][field], 10_000))
    index = data.draw(st.integers(0, 10_000)) % len(raw)  # lengths vary (DER signatures)
    raw[index] ^= data.draw(st.integers(1, 255))
    assertion["response"][field] = b64encode(bytes(raw))
    assert refusal(ceremony.provider.verify(assertion)) in REASONS - {"internal_error"}


@FUZZ
@given(raw=st.binary(max_size=400))
def test_fuzzed_attestation_objects_are_refused(provider, raw):
    ceremony = PasskeyCeremony(provider)
    response = ceremony.create(provider.registration_options("u", "u")["options"])
    response["response"]["attestationObject"] = b64encode(raw)
    assert refusal(provider.register(response)) in REASONS - {"internal_error"}
