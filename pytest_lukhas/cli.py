"""The ``lukhas-gate`` console script: the gate's checks outside pytest."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from .boundaries import baseline as import_baseline
from .boundaries.check import CACHE_DIR, ImportOptions, check_imports
from .boundaries.formats import FORMATS, render
from .lanes import DEFAULT_CONFIG, load_lanes
from .problems import ConfigError, Problem
from .promotion.cli import add_commands as add_promotion_commands
from .review_cli import add_commands, add_status_options, no_bundle_message, write_status
from .schemas.remembered import ValidDocuments
from .sla import calibration

# Commands import what only they use (the bundle and report modules): every command builds
# the whole parser, and a warm `lukhas-gate imports` is meant to take a fraction of a second.

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
DEFAULT_BUNDLE_DIR = "lukhas-gate-bundle"


def _lanes(args: argparse.Namespace) -> int:
    from .manifests import discover_slices

    root = Path(args.root)
    config = load_lanes(Path(args.config) if args.config else root / DEFAULT_CONFIG, root)
    for problem in config.warnings:
        print(problem, file=sys.stderr)
    for lane in config.lanes:
        mark = " (accepted)" if lane is config.accepted else ""
        print(f"{lane.name}{mark}: {lane.root or '.'}/")
    slices = discover_slices(config)
    for slice_ in slices:
        state = "ok" if not slice_.problems else f"{len(slice_.problems)} problem(s)"
        print(f"  slice {slice_.name} [{slice_.display}] {state}")
        for problem in slice_.problems:
            print(f"    {problem}")
    return EXIT_FINDINGS if any(s.problems for s in slices) else EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    from .bundle import verify

    bundle = verify.find_bundle(Path(args.bundle))
    problems = verify.verify(bundle)
    for problem in problems:
        print(f"{bundle}: {problem}")
    if not problems:
        print(f"{bundle}: ok: every digest, the attestation and gate.json check out")
    return EXIT_FINDINGS if problems else EXIT_OK


def _load_gate(path: str) -> dict:
    from .bundle import verify

    bundle = verify.find_bundle(Path(path))
    try:
        return verify.load_gate(bundle)
    except (OSError, ValueError) as exc:
        raise ConfigError([Problem(str(bundle), f"cannot read gate.json: {exc}")]) from None


def _compare(args: argparse.Namespace) -> int:
    from .bundle import compare

    result = compare.compare(_load_gate(args.base), _load_gate(args.pr))
    print(result.markdown(), end="")
    return EXIT_FINDINGS if result.regressed else EXIT_OK


def _status(args: argparse.Namespace) -> int:
    from .bundle.writer import SUMMARY, bundle_name, resolve_commit

    if args.write:
        return write_status(args)
    commit = resolve_commit(Path(args.root))
    bundle = Path(args.root) / args.bundle_dir / bundle_name(commit.sha)
    if not (bundle / SUMMARY).is_file():
        print(no_bundle_message(commit.sha, args.bundle_dir))
        return EXIT_FINDINGS
    print((bundle / SUMMARY).read_text(encoding="utf-8"), end="")
    return EXIT_OK


def _calibrate(args: argparse.Namespace) -> int:
    path = Path(args.output)
    result = calibration.calibrate()
    calibration.save(result, path, args.output)
    machine = result.machine
    print(
        f"machine factor {result.factor:.3f} (reference workload {result.seconds * 1e3:.2f} ms "
        f"here, {result.reference_seconds * 1e3:.2f} ms on the reference machine; "
        f"spread {result.spread:.1%} over {result.runs} runs)"
    )
    print(
        f"machine: {machine['cpu']}, {machine['logical_cpus']} logical cpus, "
        f"{machine['python_implementation']} {machine['python']}, {machine['platform']}"
    )
    print(f"wrote {path}")
    return EXIT_OK


def _imports(args: argparse.Namespace) -> int:
    root = Path(args.root)
    config_path = Path(args.config) if args.config else root / DEFAULT_CONFIG
    # A valid config is remembered with the cached reports: a warm run then skips loading
    # jsonschema, about a third of its time.
    remembered = None if args.no_cache else ValidDocuments(root / CACHE_DIR / "valid-configs")
    config = load_lanes(
        config_path, root, accepted_lane=args.accepted_lane, valid_before=remembered
    )
    options = ImportOptions.from_config(config, baseline=args.baseline)
    if args.no_cache:
        options = replace(options, cache_dir=None)
    report = check_imports(config, options, use_baseline=not args.write_baseline)
    if args.write_baseline:
        count = import_baseline.write(root / options.baseline, report.findings)
        print(f"wrote {count} finding(s) to {options.baseline}", file=sys.stderr)
        return EXIT_OK
    with contextlib.suppress(BrokenPipeError):  # `| head` is not an error
        print(render(report, args.format))
    return EXIT_FINDINGS if report.blocking else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lukhas-gate", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    lanes = commands.add_parser("lanes", help="check ops/matriz.yaml and list lanes and slices")
    lanes.add_argument("--root", default=".", help="repository root (default: .)")
    lanes.add_argument(
        "--config", default=None, help=f"lanes config (default: ROOT/{DEFAULT_CONFIG})"
    )
    lanes.set_defaults(handler=_lanes)
    check = commands.add_parser("verify", help="check a bundle's digests, attestation and schema")
    check.add_argument("bundle", help="a lukhas-gate-<sha> folder, or a folder holding one")
    check.set_defaults(handler=_verify)
    diff = commands.add_parser("compare", help="markdown of what changed between two bundles")
    diff.add_argument("base", help="the base branch's bundle")
    diff.add_argument("pr", help="the pull request's bundle")
    diff.set_defaults(handler=_compare)
    status = commands.add_parser("status", help="the summary of the bundle for HEAD")
    status.add_argument("--root", default=".", help="repository root (default: .)")
    status.add_argument("--bundle-dir", default=DEFAULT_BUNDLE_DIR, help="where bundles are")
    add_status_options(status)
    status.set_defaults(handler=_status)
    calibrate = commands.add_parser(
        "calibrate",
        help="time the reference workload and record this machine's factor for SLA budgets",
    )
    calibrate.add_argument(
        "--output",
        default=calibration.DEFAULT_PATH,
        help=f"where to write the calibration (default: {calibration.DEFAULT_PATH})",
    )
    calibrate.set_defaults(handler=_calibrate)
    imports = commands.add_parser(
        "imports",
        help="check import boundaries: static, dynamic and alias imports across lanes",
        description="Exit 0 when clean, 1 on violations, 2 on a usage or configuration error.",
    )
    imports.add_argument("--root", default=".", help="repository root (default: .)")
    imports.add_argument(
        "--config", default=None, help=f"lanes config (default: ROOT/{DEFAULT_CONFIG})"
    )
    imports.add_argument("--format", choices=FORMATS, default="text", help="output format")
    imports.add_argument(
        "--accepted-lane", default=None, help="the production lane when none is called 'accepted'"
    )
    imports.add_argument(
        "--baseline",
        default=None,
        metavar="FILE",
        help="baseline of accepted findings, relative to ROOT (default: the config's "
        "imports.baseline, else ops/imports-baseline.json)",
    )
    imports.add_argument(
        "--write-baseline",
        action="store_true",
        help="record every current error finding in the baseline and exit 0",
    )
    imports.add_argument("--no-cache", action="store_true", help="parse every file afresh")
    imports.set_defaults(handler=_imports)
    add_commands(commands)
    add_promotion_commands(commands)
    return parser


def _check_root(root: str | None) -> None:
    """A --root that is not a folder is named, not hidden behind its missing config file."""
    if root is not None and not Path(root).is_dir():
        hint = "pass the repository's root folder, the one holding ops/matriz.yaml"
        raise ConfigError([Problem(f"--root {root}", "not a directory", hint=hint)])


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        _check_root(getattr(args, "root", None))
        return args.handler(args)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
