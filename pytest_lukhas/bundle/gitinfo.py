"""Which commit a gate run speaks for.

On a pull_request event the checkout is GitHub's merge commit, which no reviewer sees;
the bundle is bound to the PR's head commit instead, read from the event payload.
Elsewhere it is ``git rev-parse HEAD``. Uncommitted changes mark the bundle dirty.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

UNKNOWN_SHA = "0" * 40


@dataclass(frozen=True)
class Commit:
    sha: str
    ref: str | None
    dirty: bool
    source: str  # "pull_request", "git" or "unknown"

    def to_json(self) -> dict[str, object]:
        return {"sha": self.sha, "ref": self.ref, "dirty": self.dirty, "source": self.source}


def _git(repo: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=repo, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _pull_request_head(env: Mapping[str, str]) -> tuple[str, str] | None:
    if env.get("GITHUB_EVENT_NAME") not in ("pull_request", "pull_request_target"):
        return None
    try:
        event = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
        head = event["pull_request"]["head"]
        return head["sha"], "refs/heads/" + head["ref"]
    except (KeyError, OSError, ValueError, TypeError):
        return None


def current_commit(repo: Path, env: Mapping[str, str] | None = None) -> Commit:
    env = os.environ if env is None else env
    status = _git(repo, "status", "--porcelain", "--untracked-files=no")
    dirty = bool(status) if status is not None else False
    head = _pull_request_head(env)
    if head is not None:
        return Commit(head[0], head[1], dirty, "pull_request")
    sha = _git(repo, "rev-parse", "HEAD")
    if sha is None:
        return Commit(UNKNOWN_SHA, None, True, "unknown")
    ref = env.get("GITHUB_REF") or _git(repo, "symbolic-ref", "-q", "HEAD")
    return Commit(sha, ref, dirty, "git")
