"""Performance benchmarks (pytest-benchmark) and the synthetic repositories they run on."""
