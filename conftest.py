"""Repository-wide pytest configuration: plugins the tests of several lanes share."""

pytest_plugins = ["candidate.orchestration.context.testing"]
