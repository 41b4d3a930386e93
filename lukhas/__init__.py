"""The accepted (production) lane."""
