"""Governance providers of the candidate lane."""
