"""Trace id and tenant of the current call, carried by ``contextvars``.

Each thread has its own context and each asyncio task runs in a copy of its creator's, so
a trace opened in one thread or task never leaks into another.
"""

import itertools
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

DEFAULT_TENANT = "default"
MAX_ID_LENGTH = 64  # of trace ids and tenants: keeps node ids ("LT-<trace>#N<n>") within 128

# The innermost trace or instrumented call in progress: its trace id, and the labels of the
# node being built (None when no node is: in a trace() outside any call, or in a call that
# began with no sink active). One variable for both, so an instrumented call pays for one
# ContextVar.set; a trace() opened inside a call keeps labelling that call's node.
Frame = tuple[str, list[str] | None]
frame_var: ContextVar[Frame | None] = ContextVar("lukhas_matriz_frame", default=None)
tenant_var: ContextVar[str] = ContextVar("lukhas_matriz_tenant", default=DEFAULT_TENANT)

# Generated ids are a per-process random prefix plus a counter: unique, and far cheaper
# than uuid4. A forked child draws a new prefix so it never repeats its parent's ids.
_prefix = secrets.token_hex(4) + "-"
_counter = itertools.count(1)


def _reseed() -> None:
    global _prefix, _counter  # noqa: PLW0603 - process-wide by design
    _prefix = secrets.token_hex(4) + "-"
    _counter = itertools.count(1)


os.register_at_fork(after_in_child=_reseed)


def new_trace_id() -> str:
    """A fresh trace id, unique across processes of this host in practice."""
    return f"{_prefix}{next(_counter)}"


def current_trace_id() -> str | None:
    """The active trace id, or None outside any trace.

    Inside an instrumented call with no enclosing trace the call's own trace id is active,
    but only while a sink is active: without one nothing is recorded and no id is made.
    """
    frame = frame_var.get()
    return None if frame is None else frame[0]


def current_tenant() -> str:
    """The active tenant (``"default"`` outside any trace that names one)."""
    return tenant_var.get()


@contextmanager
def trace(trace_id: str | None = None, *, tenant: str | None = None) -> Iterator[str]:
    """Run the block under ``trace_id`` (a fresh one when None), yielding it.

    ``tenant=None`` keeps the enclosing tenant.
    """
    trace_id = new_trace_id() if trace_id is None else _checked("trace_id", trace_id)
    tenant = None if tenant is None else _checked("tenant", tenant)
    frame = frame_var.get()
    trace_token = frame_var.set((trace_id, None if frame is None else frame[1]))
    tenant_token = None if tenant is None else tenant_var.set(tenant)
    try:
        yield trace_id
    finally:
        if tenant_token is not None:
            tenant_var.reset(tenant_token)
        frame_var.reset(trace_token)


def _checked(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    if len(value) > MAX_ID_LENGTH:
        raise ValueError(f"{name} must be at most {MAX_ID_LENGTH} characters, got {len(value)}")
    return value
