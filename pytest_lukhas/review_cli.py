"""``lukhas-gate comment``, ``find-pr`` and ``status --write``: what a reviewer reads."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .bundle.github import BOT
from .problems import ConfigError, Problem

if TYPE_CHECKING:
    from .bundle import comment, github

# Each command imports the bundle modules it uses: every lukhas-gate command builds this
# parser, and `lukhas-gate imports` should not pay for loading the report renderers.

EXIT_OK, EXIT_FINDINGS = 0, 1
TOKEN_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN")
STATUS_FILE = "LUKHAS_SYSTEM_STATUS.md"  # where `status --write` writes, below the root


def add_commands(commands: Any) -> None:
    """Register the subcommands on ``lukhas-gate``'s subparsers."""
    post = commands.add_parser(
        "comment",
        help="the PR comment made from bundles: checklist, test counts, p95, compare",
        description="Print the comment, or with --post create or update it on the PR of a "
        "workflow_run event (token in GITHUB_TOKEN or GH_TOKEN).",
    )
    post.add_argument(
        "bundles",
        nargs="+",
        metavar="BUNDLE",
        help="bundle folders, or folders holding them (downloaded artifacts)",
    )
    post.add_argument("--base", metavar="BASE_BUNDLE", help="the base branch's latest bundle(s)")
    post.add_argument("--artifact-url", metavar="URL", help="where the bundle was uploaded")
    post.add_argument("--head-sha", metavar="SHA", help="the PR's head commit")
    post.add_argument("--post", action="store_true", help="create or update the PR comment")
    post.add_argument("--event", metavar="FILE", help="the workflow_run event (GITHUB_EVENT_PATH)")
    post.add_argument(
        "--author",
        default=BOT,
        help=f"whose marked comment to update (default: {BOT})",
    )
    post.set_defaults(handler=_comment)
    find = commands.add_parser(
        "find-pr",
        help="the pull request of a workflow_run event, as KEY=VALUE lines for GITHUB_OUTPUT",
    )
    find.add_argument("--event", required=True, metavar="FILE", help="the workflow_run event")
    find.set_defaults(handler=_find_pr)


def add_status_options(status: argparse.ArgumentParser) -> None:
    status.add_argument(
        "--write",
        action="store_true",
        help=f"regenerate {STATUS_FILE} from the bundle for HEAD",
    )
    status.add_argument(
        "--previous",
        metavar="BUNDLE",
        help="the bundle to say what changed since (default: the newest older "
        "bundle in the bundle dir)",
    )
    status.add_argument(
        "--output", metavar="PATH", help=f"where to write (default: ROOT/{STATUS_FILE})"
    )


def no_bundle_message(sha: str, bundle_dir: str) -> str:
    """No bundle for ``sha``: the command that writes one (any repository, Makefile or not)."""
    return (
        f"no gate bundle for HEAD {sha[:12]} in {bundle_dir}/: write one with "
        f"`pytest --lukhas-gate --lukhas-bundle {bundle_dir}` from the repository root"
    )


def write_status(args: argparse.Namespace) -> int:
    from .bundle import status_page, verify
    from .bundle.writer import bundle_name, resolve_commit

    root = Path(args.root)
    commit = resolve_commit(root)
    bundle_dir = root / args.bundle_dir
    bundle = bundle_dir / bundle_name(commit.sha)
    if not (bundle / "gate.json").is_file():
        print(no_bundle_message(commit.sha, args.bundle_dir))
        return EXIT_FINDINGS
    gate = verify.load_valid_gate(bundle)
    if args.previous:
        previous_path: Path | None = verify.find_bundle(Path(args.previous))
    else:
        previous_path = status_page.previous_bundle(bundle_dir, gate)
    previous = verify.load_valid_gate(previous_path) if previous_path else None
    output = Path(args.output) if args.output else root / STATUS_FILE
    output.write_bytes(status_page.render(gate, previous).encode("utf-8"))
    since = f", changes since {previous_path.name}" if previous_path else ""
    print(f"wrote {output} from {bundle.name}{since}")
    return EXIT_OK


def _bundles(paths: list[str], option: str) -> list[Path]:
    from .bundle import verify

    found = [b for p in paths for b in verify.find_bundles(Path(p))]
    if not found:
        where = ", ".join(paths)
        raise ConfigError(
            [Problem(where, f"no gate bundle (a folder with gate.json) here or below ({option})")]
        )
    return found


def _comment(args: argparse.Namespace) -> int:
    from .bundle import comment, github, verify

    paths = _bundles(args.bundles, "BUNDLE")
    bases = (
        [verify.load_valid_gate(p) for p in _bundles([args.base], "--base")] if args.base else []
    )
    if not args.post:
        bundles = [_pr_bundle(p, bases, {}, args.artifact_url) for p in paths]
        print(comment.render(bundles, comment.Run(head_sha=args.head_sha)), end="")
        return EXIT_OK
    event = _event(args.event)
    client = github.Client(_token())
    try:
        said = post_comment(
            paths, bases, event, client, author=args.author, artifact_url=args.artifact_url
        )
    except github.GitHubError as exc:
        print(f"cannot post the comment: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    print(said)
    return EXIT_OK


def post_comment(
    paths: list[Path],
    bases: list[dict[str, Any]],
    event: dict[str, Any],
    client: github.Client,
    *,
    author: str = BOT,
    artifact_url: str | None = None,
) -> str:
    """Create or update the comment on the PR of a workflow_run ``event``; say what was done."""
    from .bundle import comment, github

    repo, run = event["repository"]["full_name"], event["workflow_run"]
    try:
        pr = github.find_pull_request(client, repo, run)
    except github.NoPullRequest as exc:
        return f"not commenting: {exc}"
    links = github.artifact_links(client, repo, run)
    bundles = [_pr_bundle(p, bases, links, artifact_url) for p in paths]
    body = comment.render(
        bundles,
        comment.Run(
            head_sha=pr.head_sha,
            conclusion=run.get("conclusion"),
            url=run.get("html_url"),
            base_ref=pr.base_ref,
        ),
    )
    action, posted = github.upsert_comment(client, repo, pr.number, body, author)
    return f"{action} the lukhas-gate comment on PR #{pr.number}: {posted.get('html_url', '')}"


def _pr_bundle(
    path: Path, bases: list[dict[str, Any]], links: dict[str, str], default_url: str | None
) -> comment.PrBundle:
    from .bundle import comment, verify

    gate = verify.load_valid_gate(path)
    key = comment.python_key(gate)
    same = [b for b in bases if comment.python_key(b) == key]
    base = same[0] if same else (bases[0] if len(bases) == 1 else None)
    name = next((n for n in (path.parent.name, path.name) if n in links), None)
    return comment.PrBundle(
        gate,
        artifact_name=name or path.name,
        artifact_url=links.get(name, default_url) if name else default_url,
        problems=tuple(verify.verify(path)),
        base=base,
    )


def _find_pr(args: argparse.Namespace) -> int:
    from .bundle import github

    event = _event(args.event)
    repo, run = event["repository"]["full_name"], event["workflow_run"]
    try:
        pr = github.find_pull_request(github.Client(_token()), repo, run)
    except github.NoPullRequest as exc:
        print(f"no pull request: {exc}", file=sys.stderr)
        print("found=false")
        return EXIT_OK
    except github.GitHubError as exc:
        print(f"cannot look the pull request up: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    print(f"found=true\nnumber={pr.number}\nbase_ref={pr.base_ref}\nhead_sha={pr.head_sha}")
    return EXIT_OK


def _event(path: str | None) -> dict[str, Any]:
    """A workflow_run event payload, checked for the fields the commands read."""
    if not path:
        raise ConfigError(
            [
                Problem(
                    "--event",
                    "--post needs the workflow_run event file",
                    hint='pass --event "$GITHUB_EVENT_PATH"',
                )
            ]
        )
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError([Problem(path, f"cannot read the event: {exc}")]) from None
    for pointer in ("/repository/full_name", "/workflow_run/head_sha", "/workflow_run/id"):
        node: Any = event
        for key in pointer.strip("/").split("/"):
            node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            raise ConfigError(
                [
                    Problem(
                        path,
                        "expected a workflow_run event payload, missing a field",
                        pointer=pointer,
                    )
                ]
            )
    return event


def _token() -> str:
    for name in TOKEN_VARIABLES:
        if os.environ.get(name):
            return os.environ[name]
    raise ConfigError(
        [
            Problem(
                "environment", "no GitHub token", hint="set GITHUB_TOKEN (or GH_TOKEN) for the step"
            )
        ]
    )
