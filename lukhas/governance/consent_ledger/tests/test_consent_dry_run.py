"""Flag off (the default): every operation answers from the null provider, touching nothing.

Also the MATRIZ nodes of each operation, in both flag states."""

import json

import pytest

from lukhas.governance.consent_ledger import (
    erase_subject,
    export_subject,
    record_consent,
    verify_chain,
    verify_consent,
    withdraw_consent,
)
from lukhas.observability import capture

NULL = {"ok": True, "provider": "null", "mode": "dry_run"}


def test_each_operation_answers_deterministically_from_the_null_provider(consent_ledger):
    answers = [
        verify_consent("usr_1", "gmail.read"),
        withdraw_consent("usr_1", "gmail.read"),
        export_subject("usr_1"),
        erase_subject("usr_1"),
        verify_chain(),
    ]
    assert answers == [
        NULL | {"allowed": True, "reason": None, "scope": "gmail.read"},
        NULL | {"entry": {"user_id": "usr_1", "scope": "gmail.read"}, "withdrawn": False},
        NULL
        | {
            "export": {
                "format": "lukhas-consent-export/1",
                "subject": None,
                "events": [],
                "consents": [],
            }
        },
        NULL | {"erased": False},
        NULL | {"valid": True, "length": 0, "head": None, "first_bad": None, "problem": None},
    ]
    assert not consent_ledger.path.exists()  # the real ledger was registered, never opened


def test_record_echoes_the_optional_terms_it_was_given():
    out = record_consent(
        "usr_1",
        "gmail.read",
        purpose="inbox summaries",
        lawful_basis="consent",
        notice_version="2024-06",
        notice_hash="sha256:" + "AB" * 32,
        expires_at=1_900_000_000,
    )
    assert out["entry"] == {
        "user_id": "usr_1",
        "scope": "gmail.read",
        "metadata": {},
        "purpose": "inbox summaries",
        "lawful_basis": "consent",
        "notice_version": "2024-06",
        "notice_hash": "ab" * 32,
        "expires_at": 1_900_000_000.0,
    }


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: verify_consent("", "s"), "user_id"),
        (lambda: verify_consent("u", None), "scope"),
        (lambda: withdraw_consent("u", " "), "scope"),
        (lambda: export_subject(42), "user_id"),
        (lambda: erase_subject(None), "user_id"),
        (lambda: verify_consent("u" * 1025, "s"), "user_id"),
        (lambda: record_consent("u", "s", lawful_basis="because"), "lawful_basis"),
        (lambda: record_consent("u", "s", notice_hash="md5:abc"), "notice_hash"),
        (lambda: record_consent("u", "s", expires_at="tomorrow"), "expires_at"),
        (lambda: record_consent("u", "s", expires_at=True), "expires_at"),
        (lambda: record_consent("u", "s", expires_at=float("nan")), "expires_at"),
        (lambda: record_consent("u", "s", purpose=""), "purpose"),
        (lambda: record_consent("u", "s", {"when": object()}), "metadata"),
        (lambda: record_consent("u", "s", {"big": "x" * 70_000}), "metadata"),
        (lambda: record_consent("u\ud800", "s"), "user_id"),
    ],
)
def test_bad_input_is_a_structured_error_naming_the_field(call, field):
    out = call()
    assert (out["ok"], out["mode"], out["error"]["code"]) == (False, "dry_run", "invalid_input")
    assert out["error"]["field"] == field


@pytest.mark.parametrize("live", [False, True], ids=["flag-off", "live"])
def test_every_operation_emits_its_declared_point_without_personal_data(request, live):
    if live:
        request.getfixturevalue("live_env")
    with capture() as nodes:
        record_consent("usr_secret_42", "gmail.read", {"email": "a@example.com"})
        verify_consent("usr_secret_42", "gmail.read")
        withdraw_consent("usr_secret_42", "gmail.read")
        export_subject("usr_secret_42")
        erase_subject("usr_secret_42")
        verify_chain()
    assert [f"{n['type']}:{n['labels'][0]}" for n in nodes] == [
        "CONSENT:governance:record",
        "CONSENT:governance:verify",
        "CONSENT:governance:withdraw",
        "CONSENT:governance:export",
        "CONSENT:governance:erase",
        "VALIDATION:governance:verify_chain",
    ]
    assert all(n["outcome"] == "ok" for n in nodes)
    assert "usr_secret_42" not in json.dumps(nodes)
    assert "a@example.com" not in json.dumps(nodes)
