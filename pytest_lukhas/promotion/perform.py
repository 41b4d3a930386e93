"""A planned promotion shown (``--dry-run``: the plan and a diff of every file) or carried
out step by step: the smoke test first, then the copy, the shim and ops/matriz.yaml, then
the smoke test again against the accepted copy; when a step fails everything written is
rolled back."""

from __future__ import annotations

from collections.abc import Callable

from ..lanes import load_lanes
from ..manifests import MANIFEST_NAME, discover_slices
from . import smoke
from .changes import FileChange, Transaction
from .pair import is_test_file
from .promote import Promotion

Out = Callable[[str], None]
EXIT_OK, EXIT_REFUSED, EXIT_INTERRUPTED = 0, 1, 130


def render(promotion: Promotion) -> list[str]:
    """The seven steps as they would run."""
    pair, unit, test = promotion.pair, promotion.unit, promotion.smoke
    assert test is not None
    lines = [
        f"promote {unit.display} -> {promotion.target_display} "
        f"(lane {pair.source.name} -> lane {pair.target.name})"
    ]
    verb = "create it" if test.create else "it exists"
    lines.append(
        f"1. smoke test {test.display} ({verb}): imports {test.module}; it must pass before "
        "anything moves"
    )
    copies = promotion.copies
    lines.append(
        f"2. copy {len(copies)} file(s) to {promotion.target_display} ({unit.display} is kept)"
    )
    lines += [f"     {'create' if c.created else 'replace'} {c.display}" for c in copies]
    lines += [f"     unchanged {path}" for path in promotion.unchanged]
    count = sum(len(r) for r in promotion.rewrites.values())
    lines.append(f"3. imports pointed at the {pair.target.name} lane: {count}")
    for path, rewrites in sorted(promotion.rewrites.items()):
        lines += [f"     {path}:{r.line}: {r.before}  ->  {r.after}" for r in rewrites]
    if promotion.leftovers:
        lines.append("   old module names still written (not imports: check them by hand):")
        for path, found in sorted(promotion.leftovers.items()):
            lines += [f"     {path}:{line}: {text}" for line, text in found]
    deps = [r for r in promotion.refusals if r.what.startswith("candidate-only")]
    lines.append(f"4. candidate-only dependencies: {len(deps) or 'none'}")
    if promotion.shim:
        lines.append(f"5. shim: {len(promotion.shims)} old module(s) forward to the copy")
        lines += [f"     {c.display} becomes a shim" for c in promotion.shims]
    else:
        lines.append("5. shim: none asked (--shim makes each old module forward to its copy)")
    lines.append(f"6. {pair.config.relpath(pair.config.path)}:")
    lines += [f"     {note}" for note in promotion.config_notes] or ["     unchanged"]
    pointed = "its imports pointed at" if test.point else "it imports"
    lines.append(
        f"7. smoke test run again, {pointed} {test.new_module}; if it fails, every file "
        "written is rolled back"
    )
    if promotion.warnings:
        lines.append("warnings:")
        lines += [f"     {w}" for w in promotion.warnings]
    return lines


def refusal(promotion: Promotion) -> list[str]:
    lines = [f"refused: {promotion.unit.display} cannot be promoted yet; nothing was written"]
    for found in promotion.refusals:
        lines.append(f"  {found.what}: {found.why}")
        lines += [f"      {s}" for s in found.statements]
    return lines


def dry_run(promotion: Promotion, timeout: float, out: Out) -> int:
    """Print the plan, today's smoke import and a diff of every file; write nothing."""
    test = promotion.smoke
    assert test is not None
    result = smoke.import_modules(promotion.pair, [test.module], timeout=timeout)[test.module]
    if result.ok:
        out(f"smoke import of {test.module} today: ok ({result.seconds:.2f} s)")
    else:
        out(f"smoke import of {test.module} today: {result.status}: {result.error}")
        out("promote would stop at step 1")
    for change in _written(promotion):
        out(change.diff().rstrip("\n"))
    out("dry run: nothing was written")
    return EXIT_OK if result.ok else EXIT_REFUSED


def perform(promotion: Promotion, timeout: float, out: Out) -> int:
    """Carry the promotion out; roll it all back when a step fails."""
    pair, test = promotion.pair, promotion.smoke
    assert test is not None
    done = Transaction()
    done.watch(pair.repo)
    try:
        if test.create is not None:
            done.write(test.create)
        first = smoke.run_test(pair, test.display, timeout)
        if not first.passed:
            why = f"failed at step 1: the smoke test fails ({first.command})"
            return _undo(done, out, why, first.output)
        out(f"1. smoke test passed: {test.display}")
        for change in promotion.changes:
            done.write(change)
        if test.point is not None:
            done.write(test.point)
        out(f"2-6. wrote {len(done.done)} file(s)")
        second = smoke.run_test(pair, test.display, timeout)
        if not second.passed:
            why = f"failed at step 7: the smoke test fails against {test.new_module}"
            why += f" ({second.command})"
            return _undo(done, out, why, second.output)
        broken = _broken_shims(promotion, timeout)
        if broken:
            why = "failed at step 7: a shim does not import"
            return _undo(done, out, why, "\n".join(broken))
        out(f"7. smoke test passed against {test.new_module}")
    except (OSError, ValueError) as exc:
        return _undo(done, out, f"failed: cannot write: {exc}", "")
    except KeyboardInterrupt:
        _undo(done, out, "interrupted", "")
        return EXIT_INTERRUPTED
    except BaseException:
        done.rollback()
        raise
    for line in next_steps(promotion):
        out(line)
    return EXIT_OK


def _written(promotion: Promotion) -> list[FileChange]:
    test = promotion.smoke
    assert test is not None
    first = [test.create] if test.create else []
    last = [test.point] if test.point else []
    return [*first, *promotion.changes, *last]


def _broken_shims(promotion: Promotion, timeout: float) -> list[str]:
    pair = promotion.pair
    modules = [pair.dotted(c.display) for c in promotion.shims]
    results = smoke.import_modules(pair, modules, timeout=timeout)
    return [f"{m}: {r.status}: {r.error}" for m, r in results.items() if not r.ok]


def _undo(done: Transaction, out: Out, why: str, output: str) -> int:
    failed = done.rollback()
    out(why)
    if output:
        out(output)
    if failed:
        out("could not roll back: " + "; ".join(failed))
    else:
        out("rolled back: the repository is as it was before")
    return EXIT_REFUSED


def next_steps(promotion: Promotion) -> list[str]:
    """What the gate asks of the promoted code next (promotion starts the six criteria):
    its lane verdict as the gate will see it, then what the other criteria need, then the
    gate run that judges the slice holding it."""
    pair, unit, target = promotion.pair, promotion.unit, promotion.target_display
    config = load_lanes(pair.config.path, pair.repo, accepted_lane=pair.target.name)
    slice_ = next((s for s in discover_slices(config) if s.holds(promotion.target)), None)
    tests = [c for c in promotion.copies if is_test_file(c.display)]
    lines = [f"promoted {unit.display} to {target}; {unit.display} is kept."]
    if slice_ is None:
        lines.append(
            f"{target} is in no slice yet, so no gate run judges it: write a {MANIFEST_NAME} "
            "in a folder holding it; the gate then holds it to the six criteria:"
        )
    elif slice_.relpath != promotion.target:
        lines.append(
            f"{target} is now part of the slice {slice_.relpath}, which the gate holds to the "
            f"six criteria; for {target} the slice needs:"
        )
    else:
        lines.append(f"the gate now holds {target} to the six criteria; it still needs:")
    if slice_ is not None:
        lines += [f"  lane     {p.message} (fix: {p.hint})" for p in slice_.problems]
    lines += [
        "  matriz   its capabilities instrumented, every declared emit point emitted by tests",
        f"  tests    {len(tests)} test file(s) copied: they must run and pass under the gate"
        if tests
        else "  tests    tests of its own: none were copied",
        "  sla      an SLA test (@pytest.mark.sla) within the manifest's p95 budget",
        "  dry-run  its feature flag off by default, both flag states tested, consent gates",
        f"  (imports: no import of the {pair.source.name} lane is left; every gate run checks)",
        "see each verdict: pytest --lukhas-gate"
        + (f" --lukhas-slice {slice_.relpath}" if slice_ is not None else ""),
        f"commit: chore(promotion): promote {_short(promotion)} from {pair.source.name} -> "
        f"{pair.target.name}",
    ]
    return lines


def _short(promotion: Promotion) -> str:
    root = promotion.pair.target.root
    rest = promotion.target[len(root) + 1 :] if root else promotion.target
    return rest.removesuffix(".py")
