"""The Workflow kind: the lifecycle engine in ``b3os.workflow`` behind the generic contract."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from b3os.kinds.workflow_fields import FIELDS
from b3os.resource.kind import Found, Kind, Owner, PreviewReport

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

    def build(self, values: Mapping[str, Any], *, validate: bool = True, owner: Owner | None = None) -> Any:
        from b3os.workflow import WorkflowSpec

        keys = {f.name for f in FIELDS if f.is_input}
        ownership: dict[str, Any] = {}
        if owner is not None:
            ownership = {"owner": owner.name, "adopt": owner.adopt, "adopt_unowned": owner.adopt_unowned}
        return WorkflowSpec.build(
            **{k: v for k, v in values.items() if k in keys}, validate=validate, **ownership
        )

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

    def apply_many(
        self,
        client: Client,
        plans: Sequence[Any],
        *,
        parallelism: int,
        on_done: Callable[[int, Any], None] | None = None,
    ) -> list[Any]:
        from b3os.workflow.apply import apply_many

        return list(apply_many(client, plans, parallelism=parallelism, on_done=on_done))

    def outputs(self, state: Any | None, spec: Any | None = None) -> dict[str, Any]:
        from b3os.workflow import outputs_of

        return outputs_of(state, spec)

    def state_from_outputs(self, outputs: Mapping[str, Any]) -> Any | None:
        from b3os.workflow import state_from_outputs

        return state_from_outputs(dict(outputs))

    # -- hooks for the Pulumi providers (the same rules as pulumi_b3os.provider) -----------------

    def delete(self, client: Client, id: str, *, owner: Owner | None = None) -> None:
        from b3os.workflow import WorkflowSpec, ensure

        # With an owner: OwnershipError (naming the owner) if another owner took it over.
        spec = WorkflowSpec(id=id, state="archived")
        if owner is not None:
            spec = WorkflowSpec(
                id=id,
                state="archived",
                owner=owner.name,
                adopt=owner.adopt,
                adopt_unowned=owner.adopt_unowned,
            )
        ensure(client, spec, remote_validate=False)

    def reusable(self, state: Any, plan: Any) -> bool:
        """An archived same-named workflow (what ``destroy`` leaves) or one that already holds the
        declared content (what an interrupted ``up`` leaves) is taken over; other content is not."""
        from b3os.workflow import ActionKind

        return bool(state.status == "archived") or not any(a.kind is ActionKind.UPDATE for a in plan.actions)

    def undo_create(self, client: Client, spec: Any, before: Any | None) -> None:
        """Archive what a failed create made (the next create unarchives it, never duplicates):
        only a workflow carrying this spec's owner marker. After a lost create race the same-named
        workflow left is the other creator's, never to be archived by us."""
        from b3os.errors import B3OSError
        from b3os.workflow import read

        if before is not None and before.status != "archived":
            return  # it was live before: not ours to archive
        try:
            leftover = read(client, spec)
            ours = leftover is not None and spec.owner is not None and leftover.owner == spec.owner
            if leftover is not None and ours and leftover.status != "archived":
                client.archive_workflow(leftover.id)
        except B3OSError:
            pass  # the original error is the one worth reporting

    def diff_paths(self, plan: Any) -> list[tuple[str | int, ...]]:
        """The definition's changes node by node: ``definition.nodes.<id>.<field path>``."""
        paths: list[tuple[str | int, ...]] = []
        for name in plan.diff.changed:
            graph = plan.diff.graph if name == "definition" else None
            if graph is None or not graph.changed:
                paths.append((name,))
                continue
            for node in (*graph.nodes_added, *graph.nodes_removed):
                paths.append(("definition", "nodes", node))
            for node, fields in graph.nodes_changed.items():
                for field in fields:
                    tail = () if field == "(value)" else tuple(field.split("."))
                    paths.append(("definition", "nodes", node, *tail))
            paths.extend(("definition", key) for key in graph.other_changed)
        return paths

    def preview_checks(
        self, client_of: Callable[[], Client], spec: Any, previous: Mapping[str, Any] | None
    ) -> PreviewReport:
        """The server's validator when the definition changed (an unreachable API is a warning,
        not silence), and before a create the owner of a same-named workflow not adopted."""
        from b3os._pool import pool_map
        from b3os.workflow.preview import NameLookup, definition_changed, look_up_name, server_validation

        checks: list[Callable[[], Any]] = []
        if definition_changed((previous or {}).get("definition"), spec.definition):
            checks.append(lambda: server_validation(client_of, spec.definition, spec.name))
        if previous is None and spec.id is None and spec.name is not None and not spec.adopt:
            checks.append(lambda: look_up_name(client_of, spec))
        problems: list[str] = []
        warnings: list[str] = []
        found: Found | None = None
        # Two independent reads: at once, one round trip (a preview of 100 creates waits on them).
        for verdict in pool_map(lambda check: check(), checks, len(checks)):
            if isinstance(verdict, NameLookup):  # the owner conflict: reported when the definition is fine
                problems += [verdict.conflict] if verdict.conflict and not problems else []
                found = Found(verdict.state)
            elif verdict is not None:
                problems += [verdict.refused] if verdict.refused else []
                problems += [_described(item) for item in verdict.problems]
                warnings += [verdict.skipped] if verdict.skipped else []
        return PreviewReport(problems, warnings, found)


def _described(item: Any) -> str:
    """A server validation item as one line naming node and field."""
    where = [f"node {item.node_id!r}"] if item.node_id and f"'{item.node_id}'" not in item.message else []
    if item.field and item.field not in item.message:
        where.append(f"field {item.field!r}")
    return f"definition: {' '.join(where)}: {item.message}" if where else f"definition: {item.message}"
