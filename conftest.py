"""Repository-wide pytest plugins: fixtures that wire candidate providers into slice tests.

Bootstrap code outside ``lukhas/``: the accepted lane's tests get real-provider inputs
through these fixtures and never import ``candidate/`` themselves.
"""

pytest_plugins = [
    "candidate.governance.consent_ledger.testing",
    "candidate.identity.passkey.testing",
    "candidate.orchestration.context.testing",
]
