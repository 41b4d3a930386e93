"""What the dry-run guard and the flag defaults cost, against baselines measured in one run.

Per audited event: ``sys._getframe()`` raises an audit event and costs little itself, so a
round of 1000 calls shows what the guard's audit hook adds to every audited operation of
the process. Audit hooks cannot be removed, so the row without the hook must run first,
in a fresh process (``-p no:randomly`` keeps the file's order) without the plugin, which
installs the hook at the first test call (``-p no:lukhas``).

Per test: the flag defaults (declared flags removed, dry-run variable set, all restored),
the flag states recorded, the guard decided, set up and torn down, against the same
three variables handled by ``monkeypatch``, as the slices' conftests did by hand.

    .venv/bin/pytest benchmarks/test_dry_run_guard.py --benchmark-only -p no:randomly -p no:lukhas
"""

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from pytest_lukhas import flags, sideeffects
from pytest_lukhas.flags import FlagEnvironment, FlagSettings

CALLS = 1000
EVENTS = "audited event: round = 1000 sys._getframe() calls, so us per round = ns per call"
PER_TEST = "per test: flag defaults and guard set-up/tear-down for 3 declared flags"
FLAGS = ("FEATURE_A", "FEATURE_B", "FEATURE_C")


def frames() -> None:
    for _ in range(CALLS):
        sys._getframe()


def fake_item(settings: FlagSettings | None = None) -> SimpleNamespace:
    """What the plugin reads of a test item: its path, markers, config and stash."""
    config = SimpleNamespace(
        rootpath=Path.cwd(), stash=pytest.Stash(), getini=lambda name: list(sideeffects.TOOLS)
    )
    if settings is not None:
        config.stash[flags.SETTINGS] = settings
    return SimpleNamespace(
        config=config,
        stash=pytest.Stash(),
        funcargs={},
        path=Path.cwd() / "prod" / FLAGS[0] / "tests" / "test_api.py",
        get_closest_marker=lambda name: None,
    )


@pytest.mark.benchmark(group=EVENTS)
def test_event_without_the_hook(benchmark):
    if sideeffects._installed:
        pytest.skip("the audit hook is already installed in this process: run this file alone")
    benchmark(frames)


@pytest.mark.benchmark(group=EVENTS)
def test_event_with_the_hook_and_no_guard(benchmark):
    sideeffects.install()
    benchmark(frames)


@pytest.mark.benchmark(group=EVENTS)
def test_event_while_guarded(benchmark):
    with sideeffects.guard_call(fake_item(), active=True):
        benchmark(frames)


@pytest.mark.benchmark(group=PER_TEST)
def test_per_test_monkeypatch_baseline(benchmark):
    def one_test() -> None:
        with pytest.MonkeyPatch.context() as mp:
            for flag in FLAGS:
                mp.delenv(flag, raising=False)
            mp.setenv("LUKHAS_DRY_RUN_MODE", "true")

    benchmark(one_test)


@pytest.mark.benchmark(group=PER_TEST)
def test_per_test_flag_defaults_and_guard(benchmark):
    settings = FlagSettings(Path.cwd(), declared=tuple((f"prod/{f}", f) for f in FLAGS))
    item = fake_item(settings)

    def one_test() -> None:
        env = FlagEnvironment(settings)
        env.apply({})
        active = flags.before_call(item)
        with sideeffects.guard_call(item, active, flags.env_listener(item)):
            pass
        env.restore()

    benchmark(one_test)
