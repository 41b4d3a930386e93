"""Repository-wide pytest plugins: fixtures that wire candidate providers into slice tests."""

pytest_plugins = ["candidate.identity.passkey.testing"]
