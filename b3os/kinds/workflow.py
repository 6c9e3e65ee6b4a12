"""The Workflow kind: the lifecycle engine in ``b3os.workflow`` behind the generic contract."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from b3os.kinds.workflow_fields import FIELDS
from b3os.resource.kind import Kind

if TYPE_CHECKING:
    from b3os.client import Client

__all__ = ["WorkflowKind"]


class WorkflowKind(Kind):
    name = "workflow"
    token = "Workflow"
    module = "workflow"
    description = (
        "A B3OS workflow: its content (name, description, definition, settings) and lifecycle state."
    )
    fields = FIELDS

    def build(self, values: Mapping[str, Any], *, validate: bool = True) -> Any:
        from b3os.workflow import WorkflowSpec

        keys = {f.name for f in FIELDS if f.is_input}
        return WorkflowSpec.build(**{k: v for k, v in values.items() if k in keys}, validate=validate)

    def read(self, client: Client, spec: Any) -> Any | None:
        from b3os.workflow import read

        return read(client, spec)

    def read_many(self, client: Client, specs: Sequence[Any]) -> list[Any | None]:
        from b3os.workflow import read_many

        return list(read_many(client, specs))

    def plan(self, spec: Any, state: Any | None) -> Any:
        from b3os.workflow import plan

        return plan(spec, state)

    def apply(self, client: Client, plan: Any, *, dry_run: bool = False) -> Any:
        from b3os.workflow import apply

        return apply(client, plan, dry_run=dry_run)

    def outputs(self, state: Any | None, spec: Any | None = None) -> dict[str, Any]:
        from b3os.workflow import outputs_of

        return outputs_of(state, spec)

    def state_from_outputs(self, outputs: Mapping[str, Any]) -> Any | None:
        from b3os.workflow import state_from_outputs

        return state_from_outputs(dict(outputs))
