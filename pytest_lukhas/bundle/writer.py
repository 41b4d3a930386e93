"""Write ``DIR/lukhas-gate-<sha>/``: the gate run's files, their digests, the attestation.

Files are written into a staging folder first (pytest writes junit.xml and
benchmarks.json there as the session ends); the folder takes its final name only when
complete, so a reader never sees half a bundle.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

from . import attestation, digests, html_report
from .gitinfo import Commit, current_commit
from .parts import SLA

JUNIT = "junit.xml"
BENCHMARKS = "benchmarks.json"
GATE_JSON = "gate.json"
SUMMARY = "summary.md"
REPORT_HTML = "report.html"
SHA_OVERRIDE = "LUKHAS_SHA"  # set by CI when the commit is known better than git knows it
_SHA = re.compile(r"^[0-9a-f]{40}$")


def resolve_commit(repo_root: Path, env: Mapping[str, str] | None = None) -> Commit:
    env = os.environ if env is None else env
    commit = current_commit(repo_root, env)
    override = env.get(SHA_OVERRIDE, "").strip().lower()
    if _SHA.match(override) and override != commit.sha:
        return Commit(override, commit.ref, commit.dirty, "environment")
    return commit


def bundle_name(sha: str) -> str:
    return f"lukhas-gate-{sha}"


class BundleWriter:
    def __init__(self, out_dir: Path, commit: Commit) -> None:
        self.commit = commit
        self.final = out_dir / bundle_name(commit.sha)
        self.staging = out_dir / f".{bundle_name(commit.sha)}.partial"
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir(parents=True)

    @property
    def junit_path(self) -> Path:
        return self.staging / JUNIT

    @property
    def benchmarks_path(self) -> Path:
        return self.staging / BENCHMARKS

    def finish(
        self,
        gate: dict,
        summary: str,
        parts: Mapping[str, bytes],
        tests: tuple[list[str], list[str], list[str]],
    ) -> Path:
        """Write every file; ``tests`` holds the (passed, failed, warned) test ids."""
        self._write(GATE_JSON, json.dumps(gate, indent=2, sort_keys=True).encode() + b"\n")
        self._write(SUMMARY, summary.encode("utf-8"))
        for name, data in parts.items():
            self._write(name, data)
        sla = json.loads(parts[SLA]) if SLA in parts else None
        self._write(REPORT_HTML, html_report.render(gate, sla).encode("utf-8"))
        if not self.benchmarks_path.exists():
            note = {"benchmarks": [], "note": "no benchmark ran in this gate run"}
            self._write(BENCHMARKS, json.dumps(note, indent=2).encode() + b"\n")
        files = digests.bundle_files(self.staging)
        sums = {p.relative_to(self.staging).as_posix(): digests.sha256_file(p) for p in files}
        passed, failed, warned = tests
        statement = attestation.statement(
            self.commit.sha,
            sums,
            result="PASSED" if gate["green"] else "FAILED",
            configuration=[{"name": gate["config"]["path"]}],
            passed=passed,
            failed=failed,
            warned=warned,
            url=_run_url(),
        )
        self._write(attestation.STATEMENT_NAME, json.dumps(statement, indent=2).encode() + b"\n")
        digests.write_sums(self.staging, digests.bundle_files(self.staging))
        shutil.rmtree(self.final, ignore_errors=True)
        self.staging.rename(self.final)
        return self.final

    def _write(self, name: str, data: bytes) -> None:
        path = self.staging / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _run_url() -> str | None:
    server, repo, run = (os.environ.get(k) for k in
                         ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))  # fmt: skip
    return f"{server}/{repo}/actions/runs/{run}" if server and repo and run else None
