"""Outputs: the flat, front-end-neutral view of a workflow after read or apply.

Pulumi stores these as resource outputs, Ansible returns them (redacted) as ``workflow``, and
the CLI prints them. ``state_from_outputs`` turns stored outputs back into a ``WorkflowState``
so that a Pulumi preview can plan against its state file without calling the API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from b3os.normalize import normalize_definition
from b3os.workflow.plan import public_state
from b3os.workflow.spec import WorkflowSpec
from b3os.workflow.state import Content, WorkflowState

if TYPE_CHECKING:
    from b3os.workflow.plan import Plan

__all__ = ["OUTPUT_KEYS", "outputs_of", "predicted_outputs", "state_from_outputs"]

OUTPUT_KEYS = (
    "id", "name", "description", "state", "status", "version", "live_version", "has_draft", "type",
    "created_at", "updated_at", "definition", "cooldown_ms", "max_runs", "visibility", "trigger_secret",
)  # fmt: skip


def outputs_of(state: WorkflowState | None, spec: WorkflowSpec | None = None) -> dict[str, Any]:
    """Outputs of ``state``; the definition is the one ``spec``'s desired state talks about."""
    if state is None:
        return {}
    wants_live = (spec is None or spec.state in ("published", "paused")) and state.status != "archived"
    content = state.live if wants_live and state.live is not None else state.latest
    like = spec.definition if spec is not None else None
    wire = state.wire
    return {
        "id": state.id,
        "name": content.name,
        "description": content.description or "",
        "state": public_state(state.status),
        "status": state.status,
        "version": state.version,
        "live_version": state.live_version,
        "has_draft": state.has_draft,
        "type": wire.get("type"),
        "created_at": wire.get("createdAt"),
        "updated_at": wire.get("updatedAt"),
        "definition": normalize_definition(content.definition, like=like) if content.definition else None,
        "cooldown_ms": content.cooldown_ms,
        "max_runs": content.max_runs,
        "visibility": state.visibility or "private",
        "trigger_secret": wire.get("triggerSecret"),
    }


def predicted_outputs(plan: Plan) -> dict[str, Any]:
    """What ``outputs_of`` will say after the plan is applied (for check mode and previews)."""
    outputs = outputs_of(plan.state, plan.spec) or {key: None for key in OUTPUT_KEYS}
    spec = plan.spec
    for key in ("name", "description", "cooldown_ms", "max_runs", "visibility"):
        if getattr(spec, key) is not None:
            outputs[key] = getattr(spec, key)
    if spec.definition is not None and spec.state != "archived":
        outputs["definition"] = normalize_definition(spec.definition)
    outputs["status"] = plan.final_status
    outputs["state"] = public_state(plan.final_status)
    return outputs


def state_from_outputs(outputs: dict[str, Any]) -> WorkflowState | None:
    """Rebuild the state recorded in outputs (the content recorded is both latest and live)."""
    if not outputs.get("id"):
        return None
    content = Content(
        name=outputs.get("name"),
        description=outputs.get("description"),
        definition=outputs.get("definition"),
        cooldown_ms=outputs.get("cooldown_ms"),
        max_runs=outputs.get("max_runs"),
    )
    status = str(outputs.get("status") or "draft")
    live = content if status in ("active", "paused") else None
    return WorkflowState(
        id=str(outputs["id"]),
        status=status,
        version=outputs.get("version"),
        live_version=outputs.get("live_version"),
        has_draft=bool(outputs.get("has_draft")),
        latest=content,
        live=live,
        visibility=outputs.get("visibility"),
        wire={},
        owner=outputs.get("owner") if isinstance(outputs.get("owner"), str) else None,
    )
