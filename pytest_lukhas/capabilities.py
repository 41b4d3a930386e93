"""Resolve a manifest capability to the object it names, importing the slice's code."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .manifests import Capability, Manifest


class ResolveError(Exception):
    """The capability names nothing importable; the message says what was tried."""


def target(manifest: Manifest, capability: Capability) -> str:
    """``package.module:attribute``: the entry point, else the name in the slice's package."""
    return capability.entry_point or f"{manifest.module}:{capability.name}"


def resolve(manifest: Manifest, capability: Capability, repo_root: Path) -> object:
    module_name, _, attribute = target(manifest, capability).partition(":")
    with _importable(repo_root):
        try:
            obj: object = importlib.import_module(module_name)
        except Exception as exc:
            raise ResolveError(
                f"cannot import {module_name}: {type(exc).__name__}: {exc}"
            ) from None
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ResolveError(f"{module_name} has no attribute {attribute!r}") from None
    return obj


@contextmanager
def _importable(repo_root: Path) -> Iterator[None]:
    """Let the repository's packages import, as they do in its tests."""
    root = str(repo_root)
    added = root not in sys.path
    if added:
        sys.path.insert(0, root)
    try:
        yield
    finally:
        if added and root in sys.path:
            sys.path.remove(root)
