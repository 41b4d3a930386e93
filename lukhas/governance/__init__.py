"""Governance slices of the accepted lane."""
