"""Labels of the node being built: the emit label first, then facts added by ``annotate``.

An instrumented call with a sink active opens a label list in its frame (a
``contextvar``, see ``tracing``); the code it runs adds facts to it (``provider:null``,
``mode:dry_run``) with :func:`annotate`, and the node emitted when the call ends carries
them. With no sink active no list is opened, so ``annotate`` costs one ``ContextVar.get``.
"""

import threading

from lukhas.observability.sinks import warn
from lukhas.observability.tracing import frame_var

MAX_LABELS = 12  # the node schema's limit on labels per node
MAX_LABEL_LENGTH = 64  # and on each label's length

# Guards check-then-append: a thread started with a copy of the call's context
# (asyncio.to_thread) may annotate the same call concurrently.
_lock = threading.Lock()


def annotate(*labels: str) -> None:
    """Add ``labels`` to the node of the innermost instrumented call in progress.

    Labels are namespaced facts about the call, never personal data: ``provider:<name>``,
    ``mode:live``. A label already on the node is not added twice. Outside an instrumented
    call, or with no sink active, nothing happens. A label the node schema would refuse
    (not a string of 1 to 64 characters, or past the 12th) is dropped with one
    ``RuntimeWarning`` per call of ``annotate``: instrumentation never breaks the call.
    """
    frame = frame_var.get()
    node_labels = None if frame is None else frame[1]
    if node_labels is None:
        return
    malformed: list[object] = []
    over: list[str] = []
    with _lock:
        for label in labels:
            if not isinstance(label, str) or not 0 < len(label) <= MAX_LABEL_LENGTH:
                malformed.append(label)
            elif label in node_labels:
                continue
            elif len(node_labels) >= MAX_LABELS:
                over.append(label)
            else:
                node_labels.append(label)
    if malformed or over:
        warn(_dropped_message(node_labels[0], malformed, over), stacklevel=3)


def _dropped_message(emit_label: str, malformed: list[object], over: list[str]) -> str:
    parts = []
    if malformed:
        shown = ", ".join(_short(label) for label in malformed)
        parts.append(f"not a string of 1 to {MAX_LABEL_LENGTH} characters: {shown}")
    if over:
        shown = ", ".join(_short(label) for label in over)
        parts.append(f"past the schema's {MAX_LABELS} labels per node: {shown}")
    return f"MATRIZ labels dropped from the node of {emit_label!r}: {'; '.join(parts)}"


def _short(label: object) -> str:
    text = repr(label)
    return text if len(text) <= 80 else text[:77] + "..."
