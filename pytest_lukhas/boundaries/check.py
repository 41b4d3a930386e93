"""The import check end to end: options, scan, graph, rules, baseline -> :class:`ImportReport`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..lanes import LaneConfig
from ..problems import Severity
from . import baseline as baselines
from . import findings as kinds
from . import results
from .cache import ParseCache
from .findings import Finding
from .graph import Builder, ImportGraph
from .resolve import Resolver
from .results import Computed
from .rules import Checker, LaneIndex, Rule, merge, rules_of
from .scan import MAX_FILE_BYTES, Found, Listing, ScannedFile, scan, scan_paths, walk
from .vacuous import rule_warnings

CACHE_DIR = ".lukhas-cache"
DEFAULT_BASELINE = "ops/imports-baseline.json"


@dataclass(frozen=True)
class ImportOptions:
    """Knobs of the check; the ``imports:`` section of ops/matriz.yaml sets them per repo."""

    type_checking: str = "count"  # count | ignore: imports under `if TYPE_CHECKING:`
    unverifiable_dynamic: str = "error"  # error | warning | ignore
    import_roots: tuple[str, ...] = ()  # extra sys.path entries, repo-relative
    baseline: str = DEFAULT_BASELINE
    max_file_bytes: int = MAX_FILE_BYTES
    cache_dir: Path | None = None  # None: no cache
    workers: int | None = None  # None: decide by the amount of work

    @property
    def key(self) -> tuple[Any, ...]:
        """The options a report depends on (the baseline is applied afterwards)."""
        return (self.type_checking, self.unverifiable_dynamic, self.import_roots,
                self.max_file_bytes)  # fmt: skip

    @classmethod
    def from_config(cls, config: LaneConfig, **overrides: Any) -> ImportOptions:
        section = config.imports
        values: dict[str, Any] = {
            "type_checking": section.get("type_checking_imports", cls.type_checking),
            "unverifiable_dynamic": section.get("unverifiable_dynamic", cls.unverifiable_dynamic),
            "import_roots": tuple(section.get("import_roots", ())),
            "baseline": section.get("baseline", cls.baseline),
            "max_file_bytes": section.get("max_file_bytes", cls.max_file_bytes),
            "cache_dir": config.repo_root / CACHE_DIR,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


@dataclass
class ImportReport:
    config: LaneConfig
    options: ImportOptions
    rules: list[Rule]
    computed: Computed
    baseline: Any = None  # the loaded baseline counts
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)  # with the baseline applied
    by_rule: dict[str, list[Finding]] = field(default_factory=dict)
    runtime: list[Finding] = field(default_factory=list)
    config_warnings: list[Finding] = field(default_factory=list)  # rules that check nothing
    rebuild: Callable[[], Computed] | None = None  # the graph of a report restored from cache

    @property
    def graph(self) -> ImportGraph:
        if self.computed.graph is None and self.rebuild is not None:
            self.computed.graph = self.rebuild().graph
        assert self.computed.graph is not None
        return self.computed.graph

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.all_findings if f.blocking]

    @property
    def all_findings(self) -> list[Finding]:
        return self.config_warnings + self.findings + self.runtime

    def add_runtime(self, found: list[Finding]) -> None:
        """The runtime guard's findings, each told whether the static scan sees a route.
        The baseline is applied again to all findings: an entry only a runtime finding
        matches is not stale."""
        explained = [replace(f, message=f"{f.message}; {self.static_route(f)}") for f in found]
        runtime = merge(explained, self.config.accepted.name)
        marked = _apply_baseline(self, self.computed.findings + runtime)
        self.findings = [f for f in marked if f.kind != kinds.RUNTIME_IMPORT]
        self.runtime = [f for f in marked if f.kind == kinds.RUNTIME_IMPORT]

    def static_route(self, finding: Finding) -> str:
        """grimp's shortest chain from the importing file to the loaded one, if any."""
        graph = self.graph
        if finding.target is None or not {finding.file, finding.target} <= set(graph.files):
            return "the static scan does not see the files involved"
        chain = graph.grimp.find_shortest_chain(importer=finding.file, imported=finding.target)
        if chain is None:
            return "no static import leads there: a dynamic route"
        return f"the static scan sees it too: {' -> '.join(graph.name(m) for m in chain)}"

    def for_rule(self, rule: Rule) -> list[Finding]:
        """The rule's chains, and for a lane rule the lane's own file findings."""
        own = list(self.by_rule.get(rule.id, []))
        if rule.lane is not None:
            own += [f for f in self.all_findings if not f.chain and f.lane == rule.lane.name
                    and f.kind != kinds.STALE_BASELINE]  # fmt: skip
            own += [f for f in self.runtime if f.lane == rule.lane.name]
        return own

    def for_slice(self, relpath: str) -> list[Finding]:
        """Findings that start in the slice: every denied file its code reaches, with the
        shortest chain from the slice, plus its own file and runtime findings."""
        checker = Checker(self.config, self.graph)
        chains = [f for rule in self.rules for f in checker.crossings(rule, within=relpath)]
        local = [f for f in self.all_findings if _below(f.file, relpath) and f not in chains]
        found = merge(chains, self.config.accepted.name) + [
            f for f in local if not f.chain or f.kind == kinds.RUNTIME_IMPORT
        ]
        return _apply_baseline(self, found, stale=False)

    def to_json(self) -> dict[str, Any]:
        found = self.all_findings
        return {
            "version": 1,
            "config": self.config.relpath(self.config.path),
            "accepted_lane": self.config.accepted.name,
            "ok": not self.blocking,
            "counts": {
                "files": self.computed.files,
                "imports": self.computed.imports,
                "errors": sum(1 for f in found if f.blocking),
                "warnings": sum(1 for f in found if f.severity is Severity.WARNING),
                "baselined": sum(1 for f in found if f.baselined),
                "parsed": self.computed.parsed,
            },
            "findings": [f.to_json() for f in found],
        }


def check_imports(
    config: LaneConfig, options: ImportOptions | None = None, *, use_baseline: bool = True
) -> ImportReport:
    """Scan, resolve, judge (or reuse the cached result of the same inputs); raises
    ConfigError only for a broken baseline file."""
    started = time.perf_counter()
    options = options or ImportOptions.from_config(config)
    store = ParseCache.load(options.cache_dir)
    listings: dict[str, Listing] = {}
    found = list(walk(config, listings))
    result_key = None
    computed = None
    if store.directory is not None and store.stats:  # a cold cache holds no result
        result_key = results.key(config, options.key, found, store)
        resolver = Resolver(config, options.import_roots, listings)
        computed = results.restore(store, result_key, config, resolver)
    if computed is None:
        computed, resolver = _compute(config, options, store, found, listings)
        if store.directory is not None:
            result_key = result_key or results.key(config, options.key, found, store)
            store.store_result(result_key, results.entry(computed, resolver, found))
    report = ImportReport(config, options, rules_of(config), computed)
    report.config_warnings = rule_warnings(config)  # not cached: any file may match a glob
    report.rebuild = lambda: _compute(config, options, ParseCache.load(options.cache_dir), found)[0]
    if use_baseline:
        report.baseline = baselines.load(config.repo_root / options.baseline, options.baseline)
    report.findings = _apply_baseline(report, computed.findings)
    report.by_rule = {
        k: _apply_baseline(report, v, stale=False) for k, v in computed.by_rule.items()
    }
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class Built:
    """The import graph of the lane roots, the resolver that built it, and scan figures."""

    graph: ImportGraph
    resolver: Resolver
    lanes: LaneIndex
    parsed: int


def build_graph(
    config: LaneConfig,
    options: ImportOptions,
    store: ParseCache,
    found: list[Found] | None = None,
    listings: dict[str, Listing] | None = None,
) -> Built:
    """Scan and resolve, without judging (the caller saves ``store`` if it wants to);
    ``listings`` are directories :func:`.scan.walk` listed while finding ``found``."""
    resolver = Resolver(config, options.import_roots, listings)
    lanes = LaneIndex(config)

    def scan_more(relpaths: list[str]) -> dict[str, ScannedFile]:
        return scan_paths(config, store, relpaths, max_file_bytes=options.max_file_bytes)

    builder = Builder(
        resolver,
        lambda relpath: own_root(lanes, relpath),
        count_type_checking=options.type_checking == "count",
        scan_more=scan_more,
    )
    scanned = scan(
        config,
        store,
        workers=options.workers,
        max_file_bytes=options.max_file_bytes,
        found=found,
        on_file=builder.add,
    )
    return Built(builder.finish(), resolver, lanes, scanned.parsed)


def own_root(lanes: LaneIndex, relpath: str) -> str | None:
    """The root of the lane holding ``relpath``: where its alias imports are looked up."""
    lane = lanes(relpath)
    return lane.root if lane else None


def _compute(
    config: LaneConfig,
    options: ImportOptions,
    store: ParseCache,
    found: list[Found],
    listings: dict[str, Listing] | None = None,
) -> tuple[Computed, Resolver]:
    built = build_graph(config, options, store, found, listings)
    graph, lanes = built.graph, built.lanes
    store.save(set(graph.files))
    checker = Checker(config, graph, lanes)
    rules = rules_of(config)
    by_rule = {rule.id: checker.crossings(rule) for rule in rules}
    found_all = merge((f for rule in rules for f in by_rule[rule.id]), config.accepted.name)
    found_all += file_findings(config, graph, options, lanes)
    imports = sum(len(edges) for targets in graph.edges.values() for edges in targets.values())
    computed = Computed(found_all, by_rule, len(graph.files), imports, built.parsed, graph)
    return computed, built.resolver


def _apply_baseline(
    report: ImportReport, found: list[Finding], stale: bool = True
) -> list[Finding]:
    if not report.baseline:
        return found
    marked = baselines.apply(found, report.baseline, report.options.baseline)
    return marked if stale else [f for f in marked if f.kind != kinds.STALE_BASELINE]


def file_findings(
    config: LaneConfig, graph: ImportGraph, options: ImportOptions, lanes: LaneIndex
) -> list[Finding]:
    """Findings about single files: unparseable files everywhere (errors in the accepted
    lane, warnings elsewhere), pragmas without a reason, and in the accepted lane the
    dynamic imports that cannot be checked and changes of the import path."""
    found: list[Finding] = []
    accepted = config.accepted
    for relpath, scanned in sorted(graph.files.items()):
        lane = lanes(scanned.lives_at)
        lane_name = lane.name if lane else None
        in_accepted = accepted.holds(scanned.lives_at)
        error, _imports, dynamic, changes, pragmas = scanned.parse
        if error is not None:
            kind, message, line = error
            found.append(Finding(
                kind, Severity.ERROR if in_accepted else Severity.WARNING, lane_name, relpath,
                line, f"{message}; its imports are unknown to the gate",
                "fix the file (or move it out of the lane roots); until then the gate cannot "
                "see what it imports",
            ))  # fmt: skip
            continue
        for line, reason in pragmas:
            if not reason:
                found.append(Finding(
                    kinds.PRAGMA_WITHOUT_REASON, Severity.ERROR, lane_name, relpath, line,
                    "allow-import pragma without a reason; it allows nothing",
                    "write why the import is allowed: # lukhas: allow-import(reason)",
                ))  # fmt: skip
        if not in_accepted:
            continue
        reasons = dict(pragmas)
        for line, end, function, _kind, target, text in dynamic:
            if target is not None or _allowed(reasons, line, end):
                continue
            if options.unverifiable_dynamic == "ignore":
                continue
            severity = Severity(options.unverifiable_dynamic)
            found.append(Finding(
                kinds.UNVERIFIABLE, severity, lane_name, relpath, line,
                f"{function}() with a target computed at run time: the gate cannot tell "
                f"which lane it loads ({text})",
                "import the module statically, or pass a string literal; if it must stay "
                "dynamic, mark it '# lukhas: allow-import(reason)'",
            ))  # fmt: skip
        for line, end, what, text in changes:
            if _allowed(reasons, line, end):
                continue
            found.append(Finding(
                kinds.SYS_PATH, Severity.ERROR, lane_name, relpath, line,
                f"{graph.name(relpath)} changes the import path ({what}): after it, imports "
                f"can load any lane ({text})",
                "remove it: install the package, or import by the path under the "
                "repository root; accepted-lane code must not rewrite sys.path",
            ))  # fmt: skip
    return found


def _allowed(reasons: dict[int, str], line: int, end: int) -> bool:
    return any(reasons.get(n) for n in range(line - 1, end + 1))


def _below(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory + "/")
