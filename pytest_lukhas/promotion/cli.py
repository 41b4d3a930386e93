"""``lukhas-gate plan`` and ``lukhas-gate promote``: argument parsing and wiring only."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..lanes import DEFAULT_CONFIG

if TYPE_CHECKING:
    from ..boundaries.check import Built, ImportOptions
    from ..lanes import LaneConfig
    from .pair import LanePair

# The modules doing the work are imported by the command that needs them: promote pulls in
# libcst, and every lukhas-gate command, `imports` too, builds this parser.

EXIT_REFUSED = 1
DEFAULT_IMPORT_TIMEOUT = 10.0
DEFAULT_TEST_TIMEOUT = 120.0


def add_commands(commands: argparse._SubParsersAction) -> None:
    planner = commands.add_parser(
        "plan",
        help="rank the modules of the lane promoted from: dependency roots first",
        description="Exit 0, or 2 on a usage or configuration error.",
    )
    _common(planner)
    planner.add_argument("--format", choices=("text", "json"), default="text")
    planner.add_argument(
        "--depth",
        type=int,
        default=0,
        metavar="N",
        help="rank packages N folders below the lane root instead of single modules",
    )
    planner.add_argument("--top", type=int, default=0, metavar="N", help="show the first N")
    planner.add_argument(
        "--no-smoke", action="store_true", help="skip the smoke imports (they run module code)"
    )
    planner.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_IMPORT_TIMEOUT,
        metavar="SECONDS",
        help=f"per smoke import (default: {DEFAULT_IMPORT_TIMEOUT:g})",
    )
    planner.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="smoke imports at a time (default: cores)",
    )
    planner.set_defaults(handler=_plan)
    promoter = commands.add_parser(
        "promote",
        help="promote one module or package into the accepted lane, step by step",
        description="Exit 0 when promoted, 1 when refused or rolled back, 2 on a usage or "
        "configuration error.",
    )
    promoter.add_argument("path", help="the module or package to promote, e.g. labs/billing")
    _common(promoter)
    promoter.add_argument(
        "--dry-run",
        action="store_true",
        help="print the plan and a diff of every file; write nothing",
    )
    promoter.add_argument(
        "--shim",
        action="store_true",
        help="make each old module forward to its accepted copy, for code that still imports it",
    )
    promoter.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TEST_TIMEOUT,
        metavar="SECONDS",
        help=f"per smoke test run (default: {DEFAULT_TEST_TIMEOUT:g})",
    )
    promoter.set_defaults(handler=_promote)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", default=".", help="repository root (default: .)")
    parser.add_argument(
        "--config", default=None, help=f"lanes config (default: ROOT/{DEFAULT_CONFIG})"
    )
    parser.add_argument(
        "--accepted-lane", default=None, help="the production lane when none is called 'accepted'"
    )
    parser.add_argument(
        "--from",
        dest="source",
        default=None,
        metavar="LANE",
        help="the lane promoted from, when several are promoted into the accepted lane",
    )


def _load(args: argparse.Namespace) -> tuple[LaneConfig, LanePair, ImportOptions]:
    from ..boundaries.check import ImportOptions
    from ..lanes import load_lanes
    from .pair import LanePair

    root = Path(args.root).resolve()
    config_path = Path(args.config).resolve() if args.config else root / DEFAULT_CONFIG
    config = load_lanes(config_path, root, accepted_lane=args.accepted_lane)
    for problem in config.warnings:
        print(problem, file=sys.stderr)
    options = ImportOptions.from_config(config)
    return config, LanePair.of(config, args.source, options.import_roots), options


def _graph(config: LaneConfig, options: ImportOptions, *, save: bool) -> Built:
    from ..boundaries.cache import ParseCache
    from ..boundaries.check import build_graph

    store = ParseCache.load(options.cache_dir)
    built = build_graph(config, options, store)
    if save:
        store.save(set(built.graph.files))
    return built


def _plan(args: argparse.Namespace) -> int:
    from . import plan
    from .smoke import default_jobs

    config, pair, options = _load(args)
    built = _graph(config, options, save=True)
    result = plan.rank(pair, built.graph, depth=args.depth)
    if not args.no_smoke:
        pycache = options.cache_dir / "pycache" if options.cache_dir else None
        plan.smoke(result, timeout=args.timeout, jobs=args.jobs or default_jobs(), pycache=pycache)
    text = plan.to_json(result) if args.format == "json" else plan.render(result, args.top)
    with contextlib.suppress(BrokenPipeError):
        print(text)
    return 0


def _promote(args: argparse.Namespace) -> int:
    from . import perform, promote
    from .unit import find_unit

    config, pair, options = _load(args)
    unit = find_unit(pair, args.path, Path.cwd())
    built = _graph(config, options, save=False)  # promote writes nothing it does not roll back
    promotion = promote.plan(pair, built, unit, shim=args.shim)
    for line in perform.render(promotion):
        print(line)
    if promotion.refusals:
        for line in perform.refusal(promotion):
            print(line)
        return EXIT_REFUSED
    if args.dry_run:
        return perform.dry_run(promotion, args.timeout, print)
    return perform.perform(promotion, args.timeout, print)
