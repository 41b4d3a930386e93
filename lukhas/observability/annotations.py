"""``annotate``: add labels to the node of the innermost instrumented call in progress.

Labels are namespaced facts without personal data, such as ``provider:null`` or
``consent:refused``. With no sink active no node is built, and annotating costs nothing.
"""

from contextvars import ContextVar

labels_var: ContextVar[list[str] | None] = ContextVar("lukhas_matriz_labels", default=None)


def annotate(*labels: str) -> None:
    """Add ``labels`` to the node the innermost instrumented call in progress will emit."""
    pending = labels_var.get()
    if pending is not None:
        pending.extend(labels)
