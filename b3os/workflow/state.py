"""What B3OS has now: ``read`` finds one workflow and condenses it into a ``WorkflowState``.

Identity is by id, or by exact name across every status (archived rows are hidden from default
listings, so they are listed separately), paging to the end. More than one live (not archived)
workflow with the name is an error that lists the ids: guessing would manage the wrong one.
Archived same-named rows next to one live row are no ambiguity (a lost create race leaves one);
with no live row, an archived row of the same owner (else one without owner) is reused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from b3os._pool import pool_map
from b3os.client import MAX_PAGE_SIZE as PAGE_SIZE
from b3os.client import Client
from b3os.errors import ConfigError, NotFoundError
from b3os.models import Workflow, WorkflowListItem
from b3os.workflow.owner import owner_of
from b3os.workflow.spec import WorkflowSpec

__all__ = ["Content", "WorkflowState", "content_of", "read", "read_by_id", "read_many", "state_of"]


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
    owner: str | None = None  # uiMetadata.b3osIac.owner (b3os.workflow.owner)
    pinned: Content | None = None  # the content of the version ``spec.live_version`` pins, when read


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
        owner=owner_of(latest),
    )


def _version(row: dict[str, Any]) -> Any:
    return row.get("version")


def read(client: Client, spec: WorkflowSpec) -> WorkflowState | None:
    """The workflow ``spec`` names, or ``None`` when there is none."""
    if spec.id is not None:
        state = _read_id(client, spec.id, must_exist=False)
        if state is None and spec.recorded and spec.name is not None:
            return _with_pin(client, spec, _by_name(client, spec, _ids_by_name(client, q=spec.name) or {}))
        return _with_pin(client, spec, state)
    return _with_pin(client, spec, _by_name(client, spec, _ids_by_name(client, q=spec.name) or {}))


def read_many(
    client: Client, specs: Sequence[WorkflowSpec], *, parallelism: int = 10
) -> list[WorkflowState | None]:
    """``read`` for many specs at once: the organization's workflows are listed once (two paged
    listings) instead of searched twice per name, unless the organization is so large that the
    listing would cost more requests than the searches; the workflows found are then fetched,
    ``parallelism`` at a time (a WAN round trip each)."""
    names = sum(1 for spec in specs if spec.id is None)
    ids = _ids_by_name(client, item_budget=names * PAGE_SIZE) if names else {}
    if ids is None:
        return _each(lambda spec: read(client, spec), specs, parallelism)
    by_name = ids

    def one(spec: WorkflowSpec) -> WorkflowState | None:
        if spec.id is not None:
            state = _read_id(client, spec.id, must_exist=False)
            if state is None and spec.recorded and spec.name is not None:
                state = _by_name(client, spec, _ids_by_name(client, q=spec.name) or {})
            return _with_pin(client, spec, state)
        return _with_pin(client, spec, _by_name(client, spec, by_name))

    return _each(one, specs, parallelism)


def _each(
    fn: Callable[[WorkflowSpec], WorkflowState | None], specs: Sequence[WorkflowSpec], parallelism: int
) -> list[WorkflowState | None]:
    return pool_map(fn, specs, parallelism)  # in input order, whatever order they finish in


def _with_pin(client: Client, spec: WorkflowSpec, state: WorkflowState | None) -> WorkflowState | None:
    """Read the content of the version ``spec.live_version`` pins (one GET, only with a pin)."""
    if state is None or spec.live_version is None or state.status == "archived":
        return state
    try:
        row = _wire(client.get_version(state.id, spec.live_version))
    except NotFoundError:
        raise ConfigError(
            f"workflow {spec.label} ({state.id}) has no version {spec.live_version}: "
            f"`b3os versions {state.id}` lists them"
        ) from None
    return dataclasses.replace(state, pinned=content_of(row))


def _by_name(client: Client, spec: WorkflowSpec, by_name: dict[str, list[str]]) -> WorkflowState | None:
    """The workflow named ``spec.name``: the one live (not archived) row with that name; with none,
    an archived one this owner may reuse (ours, else one without owner). Archived rows owned by
    someone else are not ours to bring back: a new workflow is created instead."""
    name = spec.name or ""
    live = by_name.get(name, [])
    if len(live) > 1:
        raise ConfigError(
            f"{len(live)} workflows are named {name!r} ({', '.join(live)}): "
            "set 'id' to say which one to manage, or rename (or archive) the others"
        )
    if live:
        return _read_id(client, live[0], must_exist=True)
    candidates = [
        s for s in (_read_id(client, i, must_exist=False) for i in by_name.get(_ARCHIVED + name, [])) if s
    ]
    for wanted in (spec.owner, None):
        for state in candidates:
            if state.owner == wanted:
                return state
    return None


def read_by_id(client: Client, workflow_id: str) -> WorkflowState | None:
    """The workflow with this id (its owner marker included), or ``None`` when there is none."""
    return _read_id(client, workflow_id, must_exist=False)


def _read_id(client: Client, workflow_id: str, *, must_exist: bool) -> WorkflowState | None:
    try:
        latest = _wire(client.get_workflow(workflow_id))
    except NotFoundError:
        if must_exist:  # just listed: vanishing now is worth reporting, not a reason to create
            raise
        return None
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


def _ids_by_name(
    client: Client, *, q: str | None = None, item_budget: int | None = None
) -> dict[str, list[str]] | None:
    """Workflow ids by exact name, over every status (``q`` narrows the listing server-side); the
    archived ones under ``_ARCHIVED + name``; ``None`` once a listing passes ``item_budget``."""
    # Default listings hide archived workflows; they must be found too, or a re-apply would
    # create a duplicate instead of unarchiving. The two listings run at once: one round trip.
    listings = pool_map(lambda status: _listed(client, q, status, item_budget), [None, "archived"], 2)
    by_name: dict[str, list[str]] = {}
    for status, items in zip((None, "archived"), listings, strict=True):
        if items is None:
            return None
        for item in items:
            archived = item.status == "archived"
            if item.name is None or archived != (status == "archived"):
                continue
            ids = by_name.setdefault(_ARCHIVED + item.name if archived else item.name, [])
            if item.id not in ids:
                ids.append(item.id)
    return by_name


def _listed(
    client: Client, q: str | None, status: str | None, item_budget: int | None
) -> list[WorkflowListItem] | None:
    items: list[WorkflowListItem] = []
    for item in client.iter_workflows(q=q, status=status):
        items.append(item)
        if item_budget is not None and len(items) > item_budget:
            return None
    return items


_ARCHIVED = "\x00archived\x00"  # key prefix of archived rows in ``_ids_by_name`` (no real name has NUL)
