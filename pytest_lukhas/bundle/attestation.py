"""The in-toto Statement v1 with the test-result predicate for a gate run.

Subjects are the git commit and every bundle file with its sha256, so a verifier can
check that this statement speaks for exactly these files and this commit.
"""

from __future__ import annotations

from typing import Any

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
TEST_RESULT = "https://in-toto.io/attestation/test-result/v0.1"
STATEMENT_NAME = "attestation.intoto.json"


def statement(
    sha: str,
    files: dict[str, str],
    *,
    result: str,
    configuration: list[dict[str, Any]],
    passed: list[str],
    failed: list[str],
    warned: list[str],
    url: str | None = None,
) -> dict[str, Any]:
    """``files``: bundle-relative name -> sha256 hex; ``result``: PASSED, FAILED or WARNED."""
    subjects: list[dict[str, Any]] = [{"name": f"git:{sha}", "digest": {"gitCommit": sha}}]
    subjects += [
        {"name": name, "digest": {"sha256": digest}} for name, digest in sorted(files.items())
    ]
    predicate: dict[str, Any] = {
        "result": result,
        "configuration": configuration,
        "passedTests": passed,
        "warnedTests": warned,
        "failedTests": failed,
    }
    if url:
        predicate["url"] = url
    return {
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": TEST_RESULT,
        "predicate": predicate,
    }
