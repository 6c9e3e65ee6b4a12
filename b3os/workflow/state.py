"""What B3OS has now: ``read`` finds one workflow and condenses it into a ``WorkflowState``.

Identity is by id, or by exact name across every status (archived rows are hidden from default
listings, so they are listed separately), paging to the end. More than one workflow with the
name is an error that lists the ids: guessing would manage the wrong one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from b3os.client import Client
from b3os.errors import ConfigError, NotFoundError
from b3os.models import Workflow
from b3os.workflow.spec import WorkflowSpec

__all__ = ["Content", "WorkflowState", "content_of", "read", "state_of"]


@dataclass(frozen=True)
class Content:
    """The user-managed content of one workflow row (one immutable B3OS version).

    ``definition`` is kept as the server sent it: only a comparison with the desired definition
    can tell which server-added keys to ignore (``b3os.normalize``).
    """

    name: str | None
    description: str | None
    definition: dict[str, Any] | None
    cooldown_ms: int | None
    max_runs: int | None


@dataclass(frozen=True)
class WorkflowState:
    """The actual workflow, as far as a plan needs it.

    ``status`` is the workflow's effective status: when a new draft row sits on top of a live
    version, B3OS returns the draft row (status ``draft``) but the workflow is still active or
    paused — the live row's status is what counts.
    """

    id: str
    status: str
    version: int | None
    live_version: int | None
    has_draft: bool
    latest: Content
    live: Content | None
    visibility: str | None
    wire: dict[str, Any] = field(repr=False, compare=False)  # the latest row on the wire (may hold secrets)
    live_wire: dict[str, Any] | None = field(default=None, repr=False, compare=False)


def _wire(workflow: Workflow) -> dict[str, Any]:
    return workflow.model_dump(by_alias=True, exclude_none=True, mode="json")


def content_of(row: dict[str, Any]) -> Content:
    """The managed content of one wire row."""
    definition = row.get("definition")
    return Content(
        name=row.get("name"),
        description=row.get("description"),
        definition=definition if isinstance(definition, dict) else None,
        cooldown_ms=row.get("cooldownMs") or None,
        max_runs=row.get("maxRuns") or None,
    )


def state_of(latest: dict[str, Any], live: dict[str, Any] | None) -> WorkflowState:
    """Condense the latest row and the live row (if any) into a state."""
    status = str(latest.get("status") or "draft")
    if status != "archived" and live is not None:
        status = str(live.get("status") or status)
    return WorkflowState(
        id=str(latest["id"]),
        status=status,
        version=latest.get("version"),
        live_version=live.get("version") if live is not None else None,
        has_draft=bool(latest.get("hasDraft")) or (live is not None and _version(live) != _version(latest)),
        latest=content_of(latest),
        live=content_of(live) if live is not None else None,
        visibility=latest.get("visibility"),
        wire=latest,
        live_wire=live,
    )


def _version(row: dict[str, Any]) -> Any:
    return row.get("version")


def read(client: Client, spec: WorkflowSpec) -> WorkflowState | None:
    """The workflow ``spec`` names, or ``None`` when there is none."""
    workflow_id = spec.id or _find_id_by_name(client, spec.name or "")
    if workflow_id is None:
        return None
    try:
        latest = _wire(client.get_workflow(workflow_id))
    except NotFoundError:
        if spec.id is not None:
            return None
        raise
    return state_of(latest, _live_row(client, latest))


def _live_row(client: Client, latest: dict[str, Any]) -> dict[str, Any] | None:
    status = latest.get("status")
    if status in ("active", "paused"):
        return latest  # the newest row is the live one: no second read
    if status == "archived" or not latest.get("hasLiveVersion"):
        return None
    try:
        return _wire(client.get_live(str(latest["id"])))
    except NotFoundError:
        return None


def _find_id_by_name(client: Client, name: str) -> str | None:
    ids: list[str] = []
    # Default listings hide archived workflows; they must be found too, or a re-apply would
    # create a duplicate instead of unarchiving.
    for status in (None, "archived"):
        for item in client.iter_workflows(q=name, status=status):
            archived = item.status == "archived"
            if item.name == name and archived == (status == "archived") and item.id not in ids:
                ids.append(item.id)
    if len(ids) > 1:
        raise ConfigError(
            f"{len(ids)} workflows are named {name!r} ({', '.join(ids)}): "
            "set 'id' to say which one to manage, or rename the others"
        )
    return ids[0] if ids else None
