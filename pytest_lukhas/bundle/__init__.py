"""The PR artifact bundle: writing it, verifying it, comparing two of them."""
