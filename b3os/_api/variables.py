"""``client.variables``: a workflow's variable definitions (``/v1/workflows/{id}/variables``).

``PUT …/variables/{name}`` is an upsert (create or replace the definition), so it is retried like
any PUT; DELETE likewise. The list answer may come bare (``{items}``, as the OAS annotates it) or
in the usual envelope; both read the same.
"""

from __future__ import annotations

import builtins
from typing import Any

from b3os._transport import Transport, drop_none, seg
from b3os.models import WireModel
from b3os.models_kinds import VariableDef, WorkflowVariable

__all__ = ["VariablesAPI"]


class _VariableList(WireModel):
    items: builtins.list[WorkflowVariable] = []


class VariablesAPI:
    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def list(self, workflow_id: str) -> builtins.list[WorkflowVariable]:
        raw = self._t.request("GET", f"/v1/workflows/{seg(workflow_id)}/variables")
        if raw is None:
            return []
        return self._t.model(_VariableList, raw).items

    def put(
        self,
        workflow_id: str,
        name: str,
        *,
        type: str,
        lifetime: str,
        default: Any = None,
        description: str | None = None,
    ) -> VariableDef:
        """Create or replace the definition of variable ``name`` (an upsert)."""
        body = drop_none(
            {"name": name, "type": type, "lifetime": lifetime, "default": default, "description": description}
        )
        path = f"/v1/workflows/{seg(workflow_id)}/variables/{seg(name)}"
        raw = self._t.request("PUT", path, json=body)
        return self._t.model(VariableDef, raw)

    def delete(self, workflow_id: str, name: str) -> None:
        self._t.request(
            "DELETE", f"/v1/workflows/{seg(workflow_id)}/variables/{seg(name)}", gone_ok_on_retry=True
        )
