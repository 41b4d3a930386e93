"""LUKHAS gate: a pytest plugin that gates promotion from the experimental lane."""
