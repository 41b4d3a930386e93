import pytest

from candidate.identity.passkey import PasskeyConfig, WebAuthnProvider
from candidate.identity.passkey.testing import PasskeyCeremony, provider_config
from candidate.identity.passkey.tests.helpers import Clock


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def make_provider(tmp_path, clock):
    """make_provider(**config) -> a WebAuthnProvider over one database in tmp_path."""
    made = []

    def make(**config):
        settings = provider_config(tmp_path, **config)
        provider = WebAuthnProvider(PasskeyConfig.from_mapping(settings), clock=clock)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        provider.close()


@pytest.fixture
def provider(make_provider):
    return make_provider()


@pytest.fixture
def ceremony(provider):
    """A synced passkey, registered for the test user."""
    made = PasskeyCeremony(provider)
    assert made.enroll()["ok"]
    return made
