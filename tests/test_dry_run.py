"""lukhas.dry_run: the null providers' answers and input checks."""

import pytest

from lukhas.dry_run import InvalidInput, mapping, ok, text


def test_ok_marks_the_answer_as_a_dry_run():
    assert ok(n=1) == {"ok": True, "provider": "null", "mode": "dry_run", "n": 1}


def test_invalid_input_becomes_a_structured_error():
    assert InvalidInput("scope", "scope must be set").result() == {
        "ok": False,
        "provider": "null",
        "mode": "dry_run",
        "error": {"code": "invalid_input", "field": "scope", "message": "scope must be set"},
    }


@pytest.mark.parametrize(
    ("value", "kind"),
    [(None, "None"), ("", "an empty string"), (" \t", "a blank string"), (7, "int")],
)
def test_text_names_the_field_and_the_kind_never_the_value(value, kind):
    with pytest.raises(InvalidInput) as info:
        text("user_id", value)
    assert (info.value.field, info.value.message) == (
        "user_id",
        f"user_id must be a non-empty string, got {kind}",
    )


def test_text_and_mapping_return_valid_values():
    assert text("f", "x") == "x"
    assert mapping("f", {"a": 1}) == {"a": 1}
    with pytest.raises(InvalidInput, match="f must be a mapping, got list"):
        mapping("f", ["secret"])
