"""The ``lukhas-gate`` console script: the gate's checks outside pytest."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .lanes import DEFAULT_CONFIG, load_lanes
from .manifests import discover_slices
from .problems import ConfigError
from .sla import calibration

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _lanes(args: argparse.Namespace) -> int:
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
        print(f"  slice {slice_.name} [{slice_.relpath}/] {state}")
        for problem in slice_.problems:
            print(f"    {problem}")
    return EXIT_FINDINGS if any(s.problems for s in slices) else EXIT_OK


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lukhas-gate", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    lanes = commands.add_parser("lanes", help="check ops/matriz.yaml and list lanes and slices")
    lanes.add_argument("--root", default=".", help="repository root (default: .)")
    lanes.add_argument(
        "--config", default=None, help=f"lanes config (default: ROOT/{DEFAULT_CONFIG})"
    )
    lanes.set_defaults(handler=_lanes)
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
