"""Identity slices of the accepted lane."""
