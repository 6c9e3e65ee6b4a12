"""pulumi_b3os: B3OS workflows as Pulumi resources (a dynamic provider on the shared resource layer).

    import pulumi_b3os as b3os
    wf = b3os.Workflow("quickstart", b3os.WorkflowArgs(name="API quickstart logger", definition="workflow.json"))
    pulumi.export("workflow_id", wf.id)

Credentials: ``pulumi config set --secret b3os:apiKey …`` and ``pulumi config set b3os:apiUrl …``,
or B3OS_API_KEY / B3OS_API_URL in the environment of ``pulumi``.

The names below are loaded on first use (PEP 562): the native plugin (``pulumi_b3os.native``)
lives in this package too and must not pay for the dynamic provider's modules at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names' types, for type checkers (``X as X``: re-exported)
    from pulumi_b3os.folder import WorkflowFolder as WorkflowFolder
    from pulumi_b3os.kinds import Connector as Connector
    from pulumi_b3os.kinds import ConnectorProvider as ConnectorProvider
    from pulumi_b3os.kinds import ExecutionWebhook as ExecutionWebhook
    from pulumi_b3os.kinds import ExecutionWebhookProvider as ExecutionWebhookProvider
    from pulumi_b3os.kinds import WorkflowVariable as WorkflowVariable
    from pulumi_b3os.kinds import WorkflowVariableProvider as WorkflowVariableProvider
    from pulumi_b3os.provider import WorkflowProvider as WorkflowProvider
    from pulumi_b3os.resource import Workflow as Workflow
    from pulumi_b3os.resource import WorkflowArgs as WorkflowArgs

_LAZY = {
    "Connector": "pulumi_b3os.kinds",
    "ConnectorProvider": "pulumi_b3os.kinds",
    "ExecutionWebhook": "pulumi_b3os.kinds",
    "ExecutionWebhookProvider": "pulumi_b3os.kinds",
    "Workflow": "pulumi_b3os.resource",
    "WorkflowArgs": "pulumi_b3os.resource",
    "WorkflowFolder": "pulumi_b3os.folder",
    "WorkflowProvider": "pulumi_b3os.provider",
    "WorkflowVariable": "pulumi_b3os.kinds",
    "WorkflowVariableProvider": "pulumi_b3os.kinds",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pulumi_b3os' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
