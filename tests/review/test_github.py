"""Creating or updating the one PR comment, offline on recorded GitHub payloads."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest

from pytest_lukhas.bundle import comment, github
from pytest_lukhas.cli import main
from pytest_lukhas.review_cli import post_comment
from tests.review.conftest import HEAD_SHA

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "github"
REPO = "/repos/lukhas-ai/lukhas"
RUN_URL = "https://github.com/lukhas-ai/lukhas/actions/runs/11223344556"


def payload(name: str):
    return json.loads((PAYLOADS / name).read_text())


class FakeGitHub:
    """GitHub's REST API over the recorded payloads, keeping the PR's comments as state.

    Comments are served two per page with a ``Link: rel="next"`` header, as GitHub pages.
    """

    def __init__(self, comments: str, pulls: str = "pulls_by_head.json") -> None:
        self.comments = payload(comments)
        self.pulls = payload(pulls)
        self.calls: list[tuple[str, str]] = []

    def __call__(self, method, url, headers, body):
        assert headers["Authorization"] == "Bearer t0ken"
        parsed = urllib.parse.urlsplit(url)
        assert parsed.netloc == "api.github.com"
        query = dict(urllib.parse.parse_qsl(parsed.query))
        path = parsed.path
        self.calls.append((method, path))
        if (method, path) == ("GET", f"{REPO}/pulls"):
            found = [p for p in self.pulls if p["head"]["label"] == query["head"]]
            return self.answer(200, found)
        if (method, path) == ("GET", f"{REPO}/actions/runs/11223344556/artifacts"):
            return self.answer(200, payload("run_artifacts.json"))
        if (method, path) in (("GET", f"{REPO}/issues/17/comments"),
                              ("GET", f"{REPO}/issues/42/comments")):  # fmt: skip
            page = int(query.get("page", 1))
            link = {}
            if page * 2 < len(self.comments):
                following = urllib.parse.urlencode({**query, "page": page + 1})
                link = {"Link": f'<https://api.github.com{path}?{following}>; rel="next"'}
            return self.answer(200, self.comments[(page - 1) * 2 : page * 2], link)
        if method == "POST" and path.endswith("/comments"):
            new = {"id": 1900000099, "body": json.loads(body)["body"],
                   "user": {"login": "github-actions[bot]", "type": "Bot"},
                   "html_url": "https://github.com/lukhas-ai/lukhas/pull/17#issuecomment-1900000099"}  # fmt: skip
            self.comments.append(new)
            return self.answer(201, new)
        if method == "PATCH" and path.startswith(f"{REPO}/issues/comments/"):
            target = next(c for c in self.comments if str(c["id"]) == path.rsplit("/", 1)[1])
            target["body"] = json.loads(body)["body"]
            return self.answer(200, target)
        return self.answer(404, {"message": "Not Found"})

    @staticmethod
    def answer(status, data, headers=None):
        return github.Response(status, json.dumps(data).encode(), headers or {})

    def writes(self):
        return [call for call in self.calls if call[0] in ("POST", "PATCH")]

    def marked(self):
        return [c for c in self.comments if comment.MARKER in c["body"]
                and c["user"]["login"] == "github-actions[bot]"]  # fmt: skip


@pytest.fixture
def artifacts(copy_bundle, green_bundle, red_bundle):
    """The PR run's downloaded artifacts: ``<artifact name>/lukhas-gate-<sha>/``."""

    def download(gate: str = "green") -> Path:
        bundle = green_bundle if gate == "green" else red_bundle
        return copy_bundle(bundle, f"lukhas-gate-{HEAD_SHA}-py3.11").parent.parent

    return download


def post(fake, folder, event="workflow_run_fork_pr.json", bases=()):
    client = github.Client("t0ken", transport=fake)
    return post_comment([folder / f"lukhas-gate-{HEAD_SHA}-py3.11" / f"lukhas-gate-{HEAD_SHA}"],
                        list(bases), payload(event), client)  # fmt: skip


def test_a_fork_pr_is_found_by_its_head_branch_and_commit():
    fake = FakeGitHub("issue_comments_without_marker.json")
    run = payload("workflow_run_fork_pr.json")["workflow_run"]
    assert run["pull_requests"] == []
    pr = github.find_pull_request(github.Client("t0ken", fake), "lukhas-ai/lukhas", run)
    assert pr == github.PullRequest(17, "main", HEAD_SHA)
    assert fake.calls == [("GET", f"{REPO}/pulls")]


def test_a_same_repository_pr_comes_from_the_event_without_a_request():
    fake = FakeGitHub("issue_comments_without_marker.json")
    run = payload("workflow_run_same_repo_pr.json")["workflow_run"]
    pr = github.find_pull_request(github.Client("t0ken", fake), "lukhas-ai/lukhas", run)
    assert pr == github.PullRequest(42, "main", HEAD_SHA)
    assert fake.calls == []


def test_creates_the_comment_when_none_is_marked(artifacts):
    fake = FakeGitHub("issue_comments_without_marker.json")
    said = post(fake, artifacts("green"))
    assert said.startswith("created the lukhas-gate comment on PR #17")
    assert fake.writes() == [("POST", f"{REPO}/issues/17/comments")]
    (posted,) = fake.marked()
    assert posted["body"].count("- [x] ✅") == 7  # the artifact is linked: every item ticked
    link = f"({RUN_URL}/artifacts/4455667701)"
    assert link in posted["body"] and f"[CI run]({RUN_URL})" in posted["body"]
    assert "No bundle of `main` to compare with." in posted["body"]


def test_updates_the_marked_comment_on_a_later_push(artifacts):
    fake = FakeGitHub("issue_comments_with_marker.json")
    said = post(fake, artifacts("red"))
    assert said.startswith("updated the lukhas-gate comment on PR #17")
    assert fake.writes() == [("PATCH", f"{REPO}/issues/comments/1900000004")]
    assert [c["id"] for c in fake.marked()] == [1900000004]  # found on the second page
    assert "## LUKHAS gate: ❌ RED" in fake.marked()[0]["body"]


def test_never_duplicates_over_several_pushes(artifacts):
    fake = FakeGitHub("issue_comments_without_marker.json")
    for gate in ("red", "green", "green"):
        post(fake, artifacts(gate))
    assert fake.writes() == [("POST", f"{REPO}/issues/17/comments"),
                             ("PATCH", f"{REPO}/issues/comments/1900000099")]  # fmt: skip
    assert len(fake.marked()) == 1
    assert "## LUKHAS gate: ✅ GREEN" in fake.marked()[0]["body"]


def test_the_base_bundle_is_compared_when_given(artifacts, green_bundle):
    fake = FakeGitHub("issue_comments_without_marker.json")
    base = json.loads((green_bundle / "gate.json").read_text())
    post(fake, artifacts("red"), bases=[base])
    body = fake.marked()[0]["body"]
    assert "### Compared with `main`" in body and "regression(s)" in body


def test_a_failed_run_crosses_the_gate_even_if_its_bundle_says_green(artifacts):
    fake = FakeGitHub("issue_comments_without_marker.json")
    event = payload("workflow_run_fork_pr.json")
    event["workflow_run"]["conclusion"] = "failure"
    folder = artifacts("green")
    client = github.Client("t0ken", transport=fake)
    post_comment([next(folder.glob("*/lukhas-gate-*"))], [], event, client)
    body = fake.marked()[0]["body"]
    assert (
        "- [ ] ❌ **Acceptance gate:** PASS\n  - the CI run that wrote the bundle concluded `failure`"
        in body
    )


@pytest.mark.parametrize(
    ("event", "pulls", "said"),
    [
        ("workflow_run_push.json", "pulls_by_head.json",
         "not commenting: the run was triggered by 'push', not a pull request"),
        ("workflow_run_fork_pr.json", None,
         "not commenting: PR #17 has moved on to 0123456789ab; this run of c0ffee0ddc1c is stale"),
    ],
)  # fmt: skip
def test_no_comment_for_a_push_or_a_stale_run(artifacts, tmp_path, event, pulls, said):
    fake = FakeGitHub("issue_comments_without_marker.json")
    if pulls is None:
        fake.pulls[0]["head"]["sha"] = "0123456789ab" + "0" * 28
    assert post(fake, artifacts("green"), event=event) == said
    assert fake.writes() == []


def test_an_api_error_is_a_message_not_a_traceback():
    fake = FakeGitHub("issue_comments_without_marker.json")
    client = github.Client("t0ken", transport=fake)
    with pytest.raises(github.GitHubError, match=r"GET .*/nowhere: HTTP 404: Not Found"):
        client.get(f"{REPO}/nowhere")


def test_the_command_posts_with_the_token_from_the_environment(artifacts, monkeypatch, capsys):
    fake = FakeGitHub("issue_comments_with_marker.json")
    monkeypatch.setattr(github, "urllib_transport", fake)
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    code = main(["comment", str(artifacts("green")), "--post",
                 "--event", str(PAYLOADS / "workflow_run_fork_pr.json")])  # fmt: skip
    assert code == 0
    assert "updated the lukhas-gate comment on PR #17" in capsys.readouterr().out
    assert len(fake.marked()) == 1


def test_the_command_reports_api_failures_and_a_missing_token(artifacts, monkeypatch, capsys):
    event = str(PAYLOADS / "workflow_run_fork_pr.json")
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    assert main(["comment", str(artifacts("green")), "--post", "--event", event]) == 2
    assert "no GitHub token" in capsys.readouterr().err
    monkeypatch.setenv("GH_TOKEN", "t0ken")
    monkeypatch.setattr(github, "urllib_transport",
                        lambda *a: github.Response(403, b'{"message": "Resource not accessible"}', {}))  # fmt: skip
    assert main(["comment", str(artifacts("green")), "--post", "--event", event]) == 1
    assert "HTTP 403: Resource not accessible" in capsys.readouterr().err


def test_find_pr_prints_github_outputs(monkeypatch, capsys):
    monkeypatch.setattr(
        github, "urllib_transport", FakeGitHub("issue_comments_without_marker.json")
    )
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    assert main(["find-pr", "--event", str(PAYLOADS / "workflow_run_fork_pr.json")]) == 0
    assert capsys.readouterr().out == (
        f"found=true\nnumber=17\nbase_ref=main\nhead_sha={HEAD_SHA}\n"
    )
    assert main(["find-pr", "--event", str(PAYLOADS / "workflow_run_push.json")]) == 0
    assert capsys.readouterr().out == "found=false\n"


def test_an_event_that_is_not_a_workflow_run_is_a_usage_error(tmp_path, artifacts, capsys):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"repository": {"full_name": "a/b"}, "pull_request": {}}))
    assert main(["find-pr", "--event", str(event)]) == 2
    assert "at /workflow_run/head_sha" in capsys.readouterr().err
