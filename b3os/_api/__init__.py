"""The sub-APIs of ``b3os.client.Client``, one module per concern, all on one ``Transport``.

``client.workflows``, ``client.runs``, ``client.connectors``, ``client.execution_webhooks`` and
``client.variables`` (modules ``b3os._api.<name>``). Each method is a short domain verb over
:meth:`Transport.request`. This package imports nothing itself, so each sub-API loads on use.
"""

__all__: list[str] = []
