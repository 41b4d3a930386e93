"""Orchestration slices of the accepted lane."""
