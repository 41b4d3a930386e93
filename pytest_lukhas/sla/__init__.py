"""Criterion 5: latency budgets judged on the p95/p99 with stated confidence.

Modules, one job each: ``order_stats`` (binomial ranks and p-values), ``verdict`` (one
look at the samples, the two-look plan), ``spec`` (where a test's budget comes from),
``settings`` (run-wide options), ``sampling`` (taking timed samples in blocks),
``measure`` (the ``sla_benchmark`` fixture's work), ``calibration`` (the reference
machine), ``results`` (records, Holm, sla.json), ``reporting`` (messages and summary),
``plugin`` (pytest hooks only).
"""
