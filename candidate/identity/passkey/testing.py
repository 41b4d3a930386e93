"""pytest plugin: the real passkey provider in the passkey slice's tests.

Listed in the repository's root ``conftest.py`` (``pytest_plugins``). For tests under the
slice's folder, an autouse fixture wires a :class:`WebAuthnProvider` over a database in
``tmp_path`` whenever the slice is live (``FEATURE_IDENTITY_PASSKEY`` on, dry-run mode off)
at set-up, and unregisters it afterwards. Tests in ``lukhas/`` never import this package:
they get what they need through these fixtures.

- ``passkey_provider``: the provider (wired when live);
- ``passkey_ceremony``: a user with a registered credential on a software authenticator
  (profile ``passkey_profile``, default ``synced-passkey``; parametrize it to change);
  ``.assertion(breakage=None)`` gives a fresh assertion, ``.create(options)`` and
  ``.get(options)`` answer options from the slice's API;
- ``passkey_credential``: the registration answer of that credential;
- ``passkey_assertion``: a fresh, valid assertion for it.

In flag-off runs the fixtures work the same (the provider is then not wired, and the null
provider accepts the well-formed responses). Request flag fixtures before these, so the
flags are set when they wire.
"""

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import lukhas.identity.passkey as slice_
from candidate.identity.passkey.config import PasskeyConfig
from candidate.identity.passkey.provider import WebAuthnProvider
from candidate.identity.passkey.soft_authenticator import BREAKAGES, PROFILES, SoftwareAuthenticator
from lukhas.flags import FlagError, live

RP_ID = "id.lukhas.test"
ORIGIN = "https://id.lukhas.test"
TEST_USER = "ada.lovelace@example.com"  # looks like personal data on purpose: it must not leak
TEST_USER_NAME = "Ada Lovelace"
SLICE_DIR = Path(slice_.__file__).parent

__all__ = ["BREAKAGES", "PROFILES", "PasskeyCeremony", "provider_config"]


def provider_config(tmp_path: Path, **changes: Any) -> dict[str, Any]:
    """Provider config for tests: a database in ``tmp_path``, the cheapest argon2."""
    return {
        "rp_id": RP_ID,
        "origins": [ORIGIN],
        "db_path": tmp_path / "passkeys.sqlite3",
        "argon2": "CHEAPEST",
        "password_fallback": True,
        **changes,
    }


class PasskeyCeremony:
    """One user and their software authenticator, against one provider."""

    def __init__(
        self,
        provider: WebAuthnProvider,
        profile: str = "synced-passkey",
        user_id: str = TEST_USER,
        **changes: Any,
    ) -> None:
        """``changes`` alter the profile (e.g. ``algorithm=-7``, ``attestation="none"``)."""
        self.provider = provider
        self.user_id = user_id
        self.authenticator = SoftwareAuthenticator.named(profile, ORIGIN, **changes)
        self.credential: dict[str, Any] | None = None  # the last successful registration

    def create(self, options: Mapping[str, Any], **overrides: Any) -> dict[str, Any]:
        """The authenticator's RegistrationResponseJSON for creation ``options``."""
        return self.authenticator.create(options, **overrides)

    def get(
        self, options: Mapping[str, Any], breakage: str | None = None, **overrides: Any
    ) -> dict[str, Any]:
        """The authenticator's AuthenticationResponseJSON for request ``options``; see
        ``soft_authenticator.BREAKAGES`` for ``breakage``."""
        return self.authenticator.get(options, breakage, **overrides)

    def enroll(self, **options: Any) -> dict[str, Any]:
        """Register a new credential for the user, directly with the provider."""
        answer = self.provider.registration_options(self.user_id, TEST_USER_NAME, **options)
        registered = self.provider.register(self.create(answer["options"]))
        if registered["ok"]:
            self.credential = registered
        return registered

    def assertion(self, breakage: str | None = None, **overrides: Any) -> dict[str, Any]:
        """A fresh assertion: new options from the provider, answered by the authenticator."""
        answer = self.provider.authentication_options(self.user_id)
        return self.get(answer["options"], breakage, **overrides)


def _wire_if_live(provider: WebAuthnProvider) -> None:
    """Register ``provider`` in the slice when the slice is live (again, if reset since)."""
    try:
        on = live(slice_.FEATURE_FLAG)
    except FlagError:  # the test is about the bad value: let the API call report it
        return
    if on and slice_.get_provider(enabled=True) is not provider:
        slice_.register(provider)


@pytest.fixture
def passkey_provider(tmp_path: Path) -> Iterator[WebAuthnProvider]:
    provider = WebAuthnProvider(PasskeyConfig.from_mapping(provider_config(tmp_path)))
    _wire_if_live(provider)
    yield provider
    if slice_.get_provider(enabled=True) is provider:
        slice_.reset()
    provider.close()


@pytest.fixture(autouse=True)
def passkey_live_provider(request: pytest.FixtureRequest) -> WebAuthnProvider | None:
    """The real provider, wired for tests of the passkey slice when it is live."""
    if not request.node.path.is_relative_to(SLICE_DIR):
        return None
    try:
        on = live(slice_.FEATURE_FLAG)
    except FlagError:
        return None
    return request.getfixturevalue("passkey_provider") if on else None


@pytest.fixture
def passkey_profile() -> str:
    """The software authenticator's profile: synced-passkey, windows-hello, security-key."""
    return "synced-passkey"


@pytest.fixture
def passkey_ceremony(passkey_provider: WebAuthnProvider, passkey_profile: str) -> PasskeyCeremony:
    _wire_if_live(passkey_provider)  # the flags may have been set after the autouse fixture
    ceremony = PasskeyCeremony(passkey_provider, passkey_profile)
    enrolled = ceremony.enroll()
    assert enrolled["ok"], enrolled
    return ceremony


@pytest.fixture
def passkey_credential(passkey_ceremony: PasskeyCeremony) -> dict[str, Any]:
    """The registration answer of the ceremony's credential (credential_id, user, ...)."""
    assert passkey_ceremony.credential is not None
    return passkey_ceremony.credential


@pytest.fixture
def passkey_assertion(passkey_ceremony: PasskeyCeremony) -> dict[str, Any]:
    """A fresh, valid assertion (PublicKeyCredential JSON) for the registered credential."""
    return passkey_ceremony.assertion()
