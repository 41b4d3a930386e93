"""Helpers for the provider's tests."""


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def refusal(answer) -> str:
    """The reason code of a live refusal (and that it is one)."""
    assert answer["ok"] is False and answer["verified"] is False, answer
    assert (answer["provider"], answer["mode"]) == ("webauthn", "live")
    assert set(answer["error"]) == {"code", "field", "message"}
    return answer["error"]["code"]
