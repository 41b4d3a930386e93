"""The PR comment's trip to GitHub: find the pull request of a workflow run, then create
its one comment or update it.

Plain ``urllib`` against the REST API, with the transport injectable so the logic runs
offline on recorded payloads. A run of a pull request from a fork lists no pull request
in its ``workflow_run`` payload, so the PR is looked up by its head branch and commit.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

API = "https://api.github.com"
BOT = "github-actions[bot]"  # the author of comments made with the workflow's GITHUB_TOKEN
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: Mapping[str, str]


Transport = Callable[[str, str, Mapping[str, str], bytes | None], Response]


class GitHubError(Exception):
    """A request GitHub refused or that did not reach it; the message says which."""


class NoPullRequest(Exception):
    """The run has no open pull request to comment on (the message says why)."""


def urllib_transport(
    method: str, url: str, headers: Mapping[str, str], body: bytes | None
) -> Response:
    # Imported here: urllib.request loads http.client and email, and every lukhas-gate
    # command, `imports` too, loads this module to build its parser.
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=body, headers=dict(headers), method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Response(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as exc:
        return Response(exc.code, exc.read(), dict(exc.headers or {}))
    except (urllib.error.URLError, OSError) as exc:
        raise GitHubError(f"{method} {url}: {exc}") from None


class Client:
    def __init__(self, token: str, transport: Transport | None = None, api: str = API) -> None:
        self.api = api.rstrip("/")
        self.transport = transport or urllib_transport
        self.headers = {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {token}",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "lukhas-gate",
        }

    def request(
        self, method: str, url: str, payload: dict[str, Any] | None = None
    ) -> tuple[Any, Response]:
        url = url if url.startswith(self.api + "/") else self.api + url
        body = None if payload is None else json.dumps(payload).encode()
        headers = {**self.headers, **({"Content-Type": "application/json"} if body else {})}
        response = self.transport(method, url, headers, body)
        try:
            data = json.loads(response.body) if response.body else None
        except ValueError:
            data = None
        if response.status >= 400:
            message = data.get("message") if isinstance(data, dict) else response.body[:200]
            raise GitHubError(f"{method} {url}: HTTP {response.status}: {message}")
        return data, response

    def get(self, path: str, **params: object) -> Any:
        return self.request("GET", _with_query(path, params))[0]

    def pages(self, path: str, key: str | None = None, **params: object) -> Iterator[Any]:
        """Every item of a paginated list (``key``: the list's field in an object answer)."""
        url: str | None = _with_query(path, {"per_page": 100, **params})
        while url:
            data, response = self.request("GET", url)
            yield from (data or {}).get(key, []) if key else data or []
            found = _NEXT.search(_header(response.headers, "Link"))
            url = found.group(1) if found and found.group(1).startswith(self.api + "/") else None


@dataclass(frozen=True)
class PullRequest:
    number: int
    base_ref: str
    head_sha: str


def find_pull_request(client: Client, repo: str, run: dict[str, Any]) -> PullRequest:
    """The open pull request whose head is the run's commit; :class:`NoPullRequest` if none."""
    if run.get("event") not in ("pull_request", "pull_request_target"):
        raise NoPullRequest(f"the run was triggered by {run.get('event')!r}, not a pull request")
    head_sha = run["head_sha"]
    listed = run.get("pull_requests") or []
    candidates = [pr for pr in listed if pr["head"]["sha"] == head_sha]
    if not candidates:  # a fork's run lists none: look the PR up by its head branch
        owner = run["head_repository"]["owner"]["login"]
        branch = run["head_branch"]
        pulls = list(client.pages(f"/repos/{repo}/pulls", state="open", head=f"{owner}:{branch}"))
        candidates = [pr for pr in pulls if pr["head"]["sha"] == head_sha]
        if not candidates and pulls:
            raise NoPullRequest(
                f"PR #{pulls[0]['number']} has moved on to {pulls[0]['head']['sha'][:12]}; "
                f"this run of {head_sha[:12]} is stale"
            )
    if not candidates:
        raise NoPullRequest(f"no open pull request has head {head_sha[:12]}")
    pr = candidates[0]
    return PullRequest(int(pr["number"]), str(pr["base"]["ref"]), head_sha)


def artifact_links(client: Client, repo: str, run: dict[str, Any]) -> dict[str, str]:
    """Artifact name -> the page that downloads it, for the run's unexpired artifacts."""
    artifacts = client.pages(f"/repos/{repo}/actions/runs/{run['id']}/artifacts", "artifacts")
    return {
        a["name"]: f"{run['html_url']}/artifacts/{a['id']}"
        for a in artifacts
        if not a.get("expired")
    }


def upsert_comment(
    client: Client, repo: str, number: int, body: str, author: str = BOT
) -> tuple[str, dict[str, Any]]:
    """Update the PR's marked comment by ``author``, or create it when there is none.

    Returns ("created" | "updated" | "unchanged", the comment). Only ``author``'s comments
    count: anyone can write the marker in a comment of their own.
    """
    from .comment import MARKER  # here: comment loads the report modules

    comments = client.pages(f"/repos/{repo}/issues/{number}/comments")
    mine = next(
        (
            c
            for c in comments
            if MARKER in (c.get("body") or "") and (c.get("user") or {}).get("login") == author
        ),
        None,
    )
    if mine is None:
        return "created", client.request(
            "POST", f"/repos/{repo}/issues/{number}/comments", {"body": body}
        )[0]
    if mine.get("body") == body:
        return "unchanged", mine
    return "updated", client.request(
        "PATCH", f"/repos/{repo}/issues/comments/{mine['id']}", {"body": body}
    )[0]


def _with_query(path: str, params: Mapping[str, object]) -> str:
    return f"{path}?{urllib.parse.urlencode(params)}" if params else path


def _header(headers: Mapping[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), "")
