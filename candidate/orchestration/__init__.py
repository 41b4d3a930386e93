"""Orchestration providers of the candidate lane."""
