"""The WorkflowVariable kind: one variable definition of one workflow (``{{$vars.name}}``).

Identity is the workflow (id, or name — looked up like a Workflow's) plus the variable name; the
id is ``<workflow id>/<name>``. ``PUT /v1/workflows/{id}/variables/{name}`` is an upsert, so
create and update are the same call. A variable of a workflow that does not exist yet (declared
in the same directory or stack) plans as a create and is applied after the workflow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from b3os.errors import ConfigError
from b3os.resource.fields import Field
from b3os.resource.simple import SimpleKind
from b3os.resource.spec import Spec

if TYPE_CHECKING:
    from b3os.client import Client

__all__ = ["WorkflowVariableKind"]

TYPES = ("number", "text", "boolean", "list", "object")
LIFETIMES = ("persist", "reset")
_DEFAULT_TYPES: dict[str, tuple[type, ...]] = {
    "number": (int, float),
    "text": (str,),
    "boolean": (bool,),
    "list": (list,),
    "object": (dict,),
}


def _check_name(name: str) -> str:
    if (
        not name
        or not (name[0].isalpha() or name[0] == "_")
        or not all(c.isalnum() or c == "_" for c in name)
    ):
        raise ValueError(f"{name!r} is not a variable name: letters, digits and _, not starting with a digit")
    return name


FIELDS: tuple[Field, ...] = (
    Field("id", "string", "`<workflow id>/<name>`: manage an existing variable by id.", role="id"),
    Field("workflow", "string", "The workflow: its id (wf_…) or its exact name.", role="key"),
    Field("name", "string", "The variable name, as expressions use it ({{$vars.NAME}}).", role="key", wire="name",
          check=_check_name),
    Field("type", "string", "The value type.", wire="type", required=True, choices=TYPES),
    Field("lifetime", "string", "`persist` (kept across runs) or `reset` (each run starts from the default).",
          wire="lifetime", required=True, choices=LIFETIMES),
    Field("default", "any", "The value before any run sets it (of the variable's type).", wire="default"),
    Field("description", "string", "The variable description.", wire="description",
          same=lambda d, a: (a or "") == d),
    Field("state", "string", "`present` or `absent` (deleted).", role="state", default="present",
          choices=("present", "absent")),
    Field("workflow_id", "string", "The id of the workflow the variable belongs to.", role="computed"),
)  # fmt: skip


class WorkflowVariableKind(SimpleKind):
    name = "workflow_variable"
    token = "WorkflowVariable"
    module = "workflow_variable"
    description = "A variable definition of a B3OS workflow (type, lifetime, default)."
    fields = FIELDS
    key_fields = ("workflow", "name")
    example = {
        "workflow": "API quickstart logger",
        "name": "counter",
        "type": "number",
        "lifetime": "persist",
        "default": 0,
    }

    def check_spec(self, values: dict[str, Any]) -> dict[str, Any]:
        if values.get("id") is not None:
            workflow_id, _, name = str(values["id"]).partition("/")
            if not workflow_id.startswith("wf_") or not name:
                raise ConfigError(f"workflow_variable id {values['id']!r} is not '<workflow id>/<name>'")
            values = {
                **values,
                "workflow": values.get("workflow") or workflow_id,
                "name": values.get("name") or name,
            }
        default, kind = values.get("default"), values.get("type")
        if default is not None and kind in _DEFAULT_TYPES:
            wrong = not isinstance(default, _DEFAULT_TYPES[kind]) or (
                kind == "number" and isinstance(default, bool)
            )
            if wrong:
                raise ConfigError(
                    f"workflow_variable {values.get('name')!r} default: expected a {kind} value"
                )
        return values

    def label(self, spec: Any) -> str:
        return f"variable {spec.get('name')!r} of workflow {spec.get('workflow')!r}"

    # The scope of one listing is the workflow: one GET per workflow, whatever its variable count.
    def list_scope(self, spec: Spec) -> Any:
        return spec.get("workflow")

    def key_of_row(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        return (row.get("_workflow"), row.get("name"))

    def key_of_spec(self, spec: Spec) -> tuple[Any, ...]:
        return (spec.get("workflow"), spec.get("name"))

    def workflow_id(self, client: Client, spec: Spec) -> str | None:
        """The id of the spec's workflow (``None``: it does not exist yet)."""
        ref = str(spec.get("workflow"))
        if ref.startswith("wf_"):
            return ref
        from b3os.workflow import WorkflowSpec, read

        state = read(client, WorkflowSpec(name=ref))
        return state.id if state is not None else None

    def api_list(self, client: Client, spec: Spec) -> Iterable[Mapping[str, Any]]:
        from b3os.errors import NotFoundError

        workflow_id = self.workflow_id(client, spec)
        if workflow_id is None:
            return []
        try:
            variables = client.variables.list(workflow_id)
        except NotFoundError:
            return []
        return [self._row(workflow_id, v.definition, spec.get("workflow")) for v in variables]

    def api_get(self, client: Client, id: str, spec: Spec) -> Mapping[str, Any] | None:
        workflow_id, _, name = id.partition("/")
        for row in self.api_list(client, Spec(spec.kind, {**spec.values, "workflow": workflow_id})):
            if row.get("name") == name:
                return row
        return None

    def api_create(self, client: Client, body: dict[str, Any], spec: Spec) -> Mapping[str, Any]:
        return self._put(client, body, spec)

    def api_update(
        self, client: Client, id: str, body: dict[str, Any], spec: Spec
    ) -> Mapping[str, Any] | None:
        # PUT replaces the whole definition: send every managed value, not only the changed ones.
        full = {f.wire: spec.get(f.name) for f in self.fields if f.wire and spec.get(f.name) is not None}
        return self._put(client, {**full, **body}, spec, workflow_id=id.partition("/")[0])

    def api_delete(self, client: Client, id: str, spec: Spec) -> None:
        workflow_id, _, name = id.partition("/")
        client.variables.delete(workflow_id, name)

    def _put(
        self, client: Client, body: dict[str, Any], spec: Spec, *, workflow_id: str | None = None
    ) -> Mapping[str, Any]:
        workflow_id = workflow_id or self.workflow_id(client, spec)
        if workflow_id is None:
            raise ConfigError(
                f"{self.label(spec)}: the workflow does not exist; declare it or fix 'workflow'"
            )
        definition = client.variables.put(
            workflow_id,
            str(spec.get("name")),
            type=body.get("type") or spec.get("type"),
            lifetime=body.get("lifetime") or spec.get("lifetime"),
            default=body.get("default", spec.get("default")),
            description=body.get("description", spec.get("description")),
        )
        return self._row(workflow_id, definition, spec.get("workflow"))

    def _row(self, workflow_id: str, definition: Any, workflow_ref: Any) -> dict[str, Any]:
        from b3os.models import to_wire

        wire = to_wire(definition)
        return {
            **wire,
            "id": f"{workflow_id}/{wire.get('name')}",
            "_workflow": workflow_ref,
            "workflowId": workflow_id,
        }

    def values_of(self, row: Mapping[str, Any]) -> dict[str, Any]:
        values = super().values_of(row)
        values["workflow_id"] = row.get("workflowId")
        values["workflow"] = row.get("_workflow") or row.get("workflowId")
        return values
