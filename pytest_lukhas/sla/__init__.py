"""Criterion 5: latency budgets judged on the p95/p99 with stated confidence.

Modules, one job each: ``order_stats`` (binomial ranks and p-values), ``verdict`` (one
look at the samples, the two-look plan), ``settings`` (run-wide options), ``spec`` (where
a test's budget and sampling plan come from), ``declare`` (which tests are SLA tests and
which slice holds each), ``sampling`` (timed samples in blocks), ``measure`` (what the
``sla_benchmark`` fixture does), ``calibration`` (the reference machine), ``results``
(records on the controller, Holm, sla.json), ``reporting`` (messages and the summary),
``plugin`` (pytest hooks only). The gate's evaluator is ``pytest_lukhas.criteria.sla``.
"""
