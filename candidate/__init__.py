"""The candidate (experimental) lane: real providers, registered at run time."""
