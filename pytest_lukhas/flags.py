"""Feature flags in tests: which flags the manifests declare, safe defaults, per-test states.

Every test starts from safe defaults: each declared flag removed from the environment
(so the code's own default, off, applies) and the dry-run variable set to true. A test
opts into other states with ``@pytest.mark.feature_matrix`` or the ``feature_flags``
fixture; turning a flag on also turns dry-run mode off. The environment is restored
after every test. With no lanes config the plugin leaves the environment alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import pytest

from . import sideeffects
from .evidence import item_data
from .lanes import LaneConfig, load_lanes
from .manifests import Slice, discover_slices
from .matrix import Matrix, MatrixError, parse_marker, state_id
from .problems import ConfigError

DEFAULT_DRY_RUN_ENV = "LUKHAS_DRY_RUN_MODE"
AUTOUSE_FIXTURE = "lukhas_flags"  # parametrized by the matrix, so each run gets its state
_ON = frozenset({"true", "1", "yes", "on"})
_OFF = frozenset({"false", "0", "no", "off"})


def is_on(raw: str | None) -> bool:
    """Whether an environment value turns a flag on (anything unrecognized is off)."""
    return raw is not None and raw.strip().lower() in _ON


class UnknownFlagError(ValueError):
    """A test names a flag that no manifest declares."""


@dataclass(frozen=True)
class FlagSettings:
    """The flags a run knows: each slice's ``feature_flag``, and the dry-run variable."""

    repo_root: Path
    dry_run_env: str = DEFAULT_DRY_RUN_ENV
    declared: tuple[tuple[str, str], ...] = ()  # (slice folder, its flag), sorted by folder
    unavailable: str | None = None  # why no flag is known; None once a lanes config loaded
    warning: str | None = None  # a problem to show the user (a lanes config that is invalid)

    @cached_property
    def known(self) -> tuple[str, ...]:
        return tuple(sorted({flag for _, flag in self.declared}))

    def flag_of(self, relpath: str | None) -> str | None:
        """The flag of the slice whose folder most specifically holds ``relpath``."""
        best: tuple[str, str] | None = None
        for folder, flag in self.declared:
            inside = relpath is not None and (relpath == folder or relpath.startswith(folder + "/"))
            if inside and (best is None or len(folder) > len(best[0])):
                best = (folder, flag)
        return best[1] if best else None

    def check_known(self, names: Iterable[str]) -> None:
        """Raise :class:`UnknownFlagError` naming every flag no manifest declares."""
        __tracebackhide__ = True  # the error is the test's: show its line, not ours
        unknown = [name for name in names if name not in self.known]
        if not unknown:
            return
        if self.unavailable:
            raise UnknownFlagError(f"cannot set {', '.join(unknown)}: {self.unavailable}")
        raise UnknownFlagError(
            f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not declared by any "
            f"MODULE_MANIFEST.json; known flags: {', '.join(self.known) or '(none)'}"
        )

    def relpath(self, path: Path) -> str | None:
        """``path`` relative to the repository root; None outside it (string work: cheap)."""
        text, root = str(path), str(self.repo_root).rstrip(os.sep) + os.sep
        if text.startswith(root):
            return text[len(root) :].replace(os.sep, "/")
        return _resolved_relpath(path, self.repo_root)


@cache
def _resolved_relpath(path: Path, repo_root: Path) -> str | None:
    """The slow way, through symbolic links, once per path."""
    try:
        return path.resolve().relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        return None


def settings_for(config: LaneConfig, slices: list[Slice], dry_run_env: str) -> FlagSettings:
    declared = tuple((s.relpath, s.manifest.feature_flag) for s in slices if s.manifest)
    return FlagSettings(config.repo_root, dry_run_env, declared)


def load_settings(
    repo_root: Path, config_path: Path, accepted_lane: str | None, dry_run_env: str
) -> FlagSettings:
    """The flag settings of a repository; never raises (problems become ``warning``)."""
    if not config_path.is_file():
        shown = os.path.relpath(config_path, repo_root)
        why = f"no lanes config at {shown}, so no MODULE_MANIFEST.json declares a feature flag"
        return FlagSettings(repo_root, dry_run_env, unavailable=why)
    try:
        config = load_lanes(
            config_path, repo_root, accepted_lane=accepted_lane, require_python_files=False
        )
    except ConfigError as exc:
        why = f"the lanes config is invalid:\n{exc}"
        return FlagSettings(repo_root, dry_run_env, unavailable=why, warning=why)
    return settings_for(config, discover_slices(config), dry_run_env)


class FlagEnvironment:
    """The declared flags and the dry-run variable for one test, restored afterwards."""

    def __init__(self, settings: FlagSettings) -> None:
        self.settings = settings
        names = (*settings.known, settings.dry_run_env)
        self._saved = {name: os.environ.get(name) for name in names}

    def apply(self, states: Mapping[str, bool]) -> None:
        """Exactly ``states``: other declared flags removed, dry-run mode off iff one is on."""
        for flag in self.settings.known:
            os.environ.pop(flag, None)
        self.update(states)

    def update(self, states: Mapping[str, bool]) -> None:
        for flag, on in states.items():
            os.environ[flag] = "true" if on else "false"
        os.environ[self.settings.dry_run_env] = "false" if any(self.states().values()) else "true"

    def states(self) -> dict[str, bool]:
        return {flag: is_on(os.environ.get(flag)) for flag in self.settings.known}

    def restore(self) -> None:
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class FeatureFlags:
    """The ``feature_flags`` fixture: ``feature_flags.set(FEATURE_X=True)`` for this test."""

    def __init__(
        self, settings: FlagSettings, env: FlagEnvironment | None, item: pytest.Item
    ) -> None:
        self._settings = settings
        self._env = env
        self._item = item

    def set(self, **flags: bool) -> None:
        """Turn flags on or off; a flag turned on also turns dry-run mode off."""
        __tracebackhide__ = True
        self._settings.check_known(flags)
        for name, value in flags.items():
            if not isinstance(value, bool):
                raise TypeError(f"{name} must be set to True or False, got {value!r}")
        if self._env is None:  # no flags known, and none asked for
            return
        self._env.update(flags)
        record_states(self._item, self._settings)
        sideeffects.switch(dry_run_applies(self._item, self._settings))

    @property
    def states(self) -> dict[str, bool]:
        return self._env.states() if self._env else {}


SETTINGS = pytest.StashKey[FlagSettings]()


def settings_of(config: pytest.Config) -> FlagSettings:
    unconfigured = FlagSettings(config.rootpath, unavailable="the lukhas plugin is not configured")
    return config.stash.get(SETTINGS, unconfigured)


def environment_for(request: pytest.FixtureRequest) -> FlagEnvironment | None:
    """Set the test's flag states (safe defaults, or its matrix run's); None when inert."""
    settings = settings_of(request.config)
    if settings.unavailable:
        return None
    env = FlagEnvironment(settings)
    env.apply(getattr(request, "param", {}))
    return env


def parametrize(metafunc: pytest.Metafunc) -> None:
    """Give a ``feature_matrix`` test one run per flag state, with readable ids."""
    marker = metafunc.definition.get_closest_marker("feature_matrix")
    if marker is None:
        return
    matrix = _matrix(marker, settings_of(metafunc.config))
    if isinstance(matrix, str):  # failed outside an except block: no chained traceback
        pytest.fail(
            f"{metafunc.definition.nodeid}: @pytest.mark.feature_matrix: {matrix}", pytrace=False
        )
    states = matrix.states()
    metafunc.parametrize(AUTOUSE_FIXTURE, states, ids=[state_id(s) for s in states], indirect=True)


def _matrix(marker: pytest.Mark, settings: FlagSettings) -> Matrix | str:
    """The flag states ``marker`` asks for, or what is wrong with it."""
    try:
        matrix = parse_marker(marker.args, marker.kwargs)
        settings.check_known(matrix.flags)
    except (MatrixError, UnknownFlagError) as exc:
        return str(exc)
    return matrix


def dry_run_applies(item: pytest.Item, settings: FlagSettings) -> bool:
    """Marked ``dry_run``, or in a slice folder while that slice is not live.

    A slice is live when its flag is on and dry-run mode is off; an unreadable value
    counts as the safe one (flag off, dry-run mode on).
    """
    if item.get_closest_marker("dry_run") is not None:
        return True
    flag = settings.flag_of(settings.relpath(item.path))
    if flag is None:
        return False
    dry_run_raw = os.environ.get(settings.dry_run_env)
    dry_run_off = dry_run_raw is not None and dry_run_raw.strip().lower() in _OFF
    return not (is_on(os.environ.get(flag)) and dry_run_off)


def before_call(item: pytest.Item) -> bool | None:
    """Record the test's flag states; whether the dry-run guard applies (None: inert)."""
    settings = settings_of(item.config)
    if settings.unavailable:
        return True if item.get_closest_marker("dry_run") is not None else None
    record_states(item, settings)
    return dry_run_applies(item, settings)


def record_states(item: pytest.Item, settings: FlagSettings) -> None:
    """Evidence: each declared flag's state, which flags were left to their default, and
    which were on at some time in the call (``flags_seen_on``, see :func:`env_listener`)."""
    data = item_data(item)
    data["flags"] = {flag: is_on(os.environ.get(flag)) for flag in settings.known}
    data["flag_defaults"] = [f for f in settings.known if not os.environ.get(f, "").strip()]
    seen = data.setdefault("flags_seen_on", [])
    seen += [flag for flag, on in data["flags"].items() if on and flag not in seen]


def env_listener(item: pytest.Item) -> sideeffects.EnvListener | None:
    """Adds each declared flag the call turns on, by any means (``monkeypatch.setenv``
    too), to the test's ``flags_seen_on``: a test that turned its flag on for a while did
    not run with it off, whatever its state at the start or the end."""
    settings = settings_of(item.config)
    if settings.unavailable:
        return None
    known = frozenset(settings.known)
    seen: list[str] = item_data(item).setdefault("flags_seen_on", [])

    def changed(name: str, value: str | None) -> None:
        if name in known and is_on(value) and name not in seen:
            seen.append(name)

    return changed
