"""The sub-APIs of ``b3os.client.Client``, one module per concern, all on one ``Transport``.

``client.workflows``, ``client.runs``, ``client.connectors``, ``client.execution_webhooks`` and
``client.variables``. Each method is a short domain verb over :meth:`Transport.request`.
"""

from b3os._api.connectors import ConnectorsAPI
from b3os._api.execution_webhooks import ExecutionWebhooksAPI
from b3os._api.runs import RunsAPI
from b3os._api.variables import VariablesAPI
from b3os._api.workflows import WorkflowsAPI

__all__ = ["ConnectorsAPI", "ExecutionWebhooksAPI", "RunsAPI", "VariablesAPI", "WorkflowsAPI"]
