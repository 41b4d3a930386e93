"""One module per acceptance criterion; each turns the run's evidence into a Verdict."""
