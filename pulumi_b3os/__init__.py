"""pulumi_b3os: B3OS workflows as Pulumi resources (a dynamic provider on the shared resource layer).

    import pulumi_b3os as b3os
    wf = b3os.Workflow("quickstart", b3os.WorkflowArgs(name="API quickstart logger", definition="workflow.json"))
    pulumi.export("workflow_id", wf.id)

Credentials: ``pulumi config set --secret b3os:apiKey …`` and ``pulumi config set b3os:apiUrl …``,
or B3OS_API_KEY / B3OS_API_URL in the environment of ``pulumi``.
"""

from pulumi_b3os.folder import WorkflowFolder
from pulumi_b3os.kinds import (
    Connector,
    ConnectorProvider,
    ExecutionWebhook,
    ExecutionWebhookProvider,
    WorkflowVariable,
    WorkflowVariableProvider,
)
from pulumi_b3os.provider import WorkflowProvider
from pulumi_b3os.resource import Workflow, WorkflowArgs

__all__ = [
    "Connector",
    "ConnectorProvider",
    "ExecutionWebhook",
    "ExecutionWebhookProvider",
    "Workflow",
    "WorkflowArgs",
    "WorkflowFolder",
    "WorkflowProvider",
    "WorkflowVariable",
    "WorkflowVariableProvider",
]
