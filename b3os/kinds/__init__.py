"""The registered resource kinds. A new kind is one module in this package plus a line here."""

from __future__ import annotations

from b3os.kinds.connector import ConnectorKind
from b3os.kinds.execution_webhook import ExecutionWebhookKind
from b3os.kinds.workflow import WorkflowKind
from b3os.kinds.workflow_variable import WorkflowVariableKind
from b3os.resource.kind import Kind

__all__ = ["KINDS", "get"]

# Registry order is apply order: what others refer to comes first (connectors and webhooks before
# the workflows that use them; variables after their workflow).
KINDS: tuple[Kind, ...] = (ConnectorKind(), ExecutionWebhookKind(), WorkflowKind(), WorkflowVariableKind())

_BY_NAME = {kind.name: kind for kind in KINDS}


def get(name: str) -> Kind:
    """The kind called ``name`` (``workflow``, …); ``KeyError`` naming the known kinds otherwise."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown kind {name!r}; known kinds: {', '.join(_BY_NAME)}") from None
