"""Pure planning: desired spec + actual state → the ordered API actions and a managed-key diff.

The rules, in words (the README's desired-state table says the same):

* absent + any state but archived → create, then publish (and pause) as the state needs.
* archived + any other state → unarchive (never a duplicate), then as below.
* draft: the latest row's content must equal the desired content; nothing is published.
* published / paused: the live row's content must equal the desired content.
  Otherwise the content is updated (a new draft version) and published; a stale draft on
  top of a matching live version is discarded. Then resume or pause to reach the status.
* archived: DELETE (which archives) unless already archived.

Only managed keys count: a ``None`` in the spec leaves the server's value alone, and the
normalizer (``b3os.normalize``) decides what counts as a change in a definition. An unchanged
workflow plans zero actions, because every needless PUT makes a new B3OS version.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from b3os.errors import ConfigError
from b3os.normalize import GraphSummary, definitions_equal, graph_summary, normalize_definition
from b3os.workflow.owner import describe, require_owner_ok
from b3os.workflow.spec import WorkflowSpec
from b3os.workflow.state import Content, WorkflowState

__all__ = ["ActionKind", "Action", "Plan", "WorkflowDiff", "plan", "public_state"]


class ActionKind(StrEnum):
    ADOPT = "adopt"  # set our owner marker (PATCH ui-metadata: no new version)
    ROLLBACK = "rollback"  # copy a pinned version's definition into a new draft
    CREATE = "create"
    UNARCHIVE = "unarchive"
    UPDATE = "update"
    DISCARD_DRAFT = "discard_draft"
    PUBLISH = "publish"
    RESUME = "resume"
    PAUSE = "pause"
    ARCHIVE = "archive"
    SET_VISIBILITY = "set_visibility"


# What each lifecycle action leaves the workflow's status as (B3OS §8.1).
_STATUS_AFTER = {
    ActionKind.CREATE: "draft",
    ActionKind.UNARCHIVE: "draft",
    ActionKind.PUBLISH: "active",
    ActionKind.RESUME: "active",
    ActionKind.PAUSE: "paused",
    ActionKind.ARCHIVE: "archived",
}

# Managed content fields: spec attribute → wire name.
CONTENT_FIELDS = {
    "name": "name",
    "description": "description",
    "definition": "definition",
    "cooldown_ms": "cooldownMs",
    "max_runs": "maxRuns",
}


@dataclass(frozen=True)
class Action:
    """One API call the plan will make; ``fields`` are the wire fields it sends (update/create)."""

    kind: ActionKind
    fields: dict[str, Any] = field(default_factory=dict)
    reason: str = ""

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.reason}" if self.reason else self.kind.value


def public_state(status: str | None) -> str | None:
    """B3OS status in the vocabulary of desired states (``active`` is ``published``)."""
    return "published" if status == "active" else status


@dataclass(frozen=True)
class WorkflowDiff:
    """Before/after restricted to the managed keys, plus a graph-aware summary of the definition."""

    before: dict[str, Any]
    after: dict[str, Any]
    changed: list[str]
    graph: GraphSummary | None = None

    def describe(self) -> list[str]:
        """One line per changed key, the definition described node by node."""
        lines = []
        for key in self.changed:
            if key == "definition" and self.graph is not None:
                lines.append(f"definition: {self.graph.describe()}")
            elif self.before.get(key) is None:  # nothing before (a new workflow): not "None -> …"
                lines.append(f"{key}: set to {self.after.get(key)!r}")
            else:
                lines.append(f"{key}: {self.before.get(key)!r} -> {self.after.get(key)!r}")
        return lines


@dataclass(frozen=True)
class Plan:
    spec: WorkflowSpec
    state: WorkflowState | None
    actions: list[Action]
    diff: WorkflowDiff
    final_status: str | None

    @property
    def changed(self) -> bool:
        return bool(self.actions)

    @property
    def writes(self) -> int:
        """Every action is exactly one write request."""
        return len(self.actions)

    @property
    def sends_definition(self) -> bool:
        return any("definition" in a.fields for a in self.actions)

    @property
    def action_names(self) -> list[str]:
        return [a.kind.value for a in self.actions]


def _differences(spec: WorkflowSpec, content: Content | None) -> dict[str, Any]:
    """Wire fields whose desired value differs from ``content`` (all managed ones if none)."""
    changed: dict[str, Any] = {}
    for attr, wire in CONTENT_FIELDS.items():
        desired = getattr(spec, attr)
        if desired is None:
            continue
        if attr == "name" and spec.id is None:
            continue  # identity by name: the name is what found it
        actual = getattr(content, attr) if content is not None else None
        if attr == "definition":
            same = isinstance(actual, dict) and definitions_equal(desired, actual)
        elif attr == "description":
            same = (actual or "") == desired
        else:
            same = actual == desired
        if not same:
            changed[wire] = desired
    return changed


def plan(spec: WorkflowSpec, state: WorkflowState | None) -> Plan:
    """The ordered actions that take ``state`` to ``spec`` (pure: no I/O).

    Raises ``OwnershipError`` (naming the owner) when the workflow found is managed by another
    owner, or none, and the spec does not adopt it explicitly: at plan time, before any write.
    """
    spec = _pinned_spec(spec, state)
    adopt = _ownership(spec, state)
    actions = _lifecycle_actions(spec, state) if state is not None else _create_actions(spec)
    if adopt:
        actions = adopt + actions
    if (
        spec.visibility is not None
        and spec.state != "archived"
        and spec.visibility != ((state.visibility if state else None) or "private")
    ):
        actions.append(Action(ActionKind.SET_VISIBILITY, {"visibility": spec.visibility}, "visibility"))
    final = state.status if state is not None else None
    for action in actions:
        final = _STATUS_AFTER.get(action.kind, final)
    diff = _diff(spec, state, final)
    if adopt and state is not None:
        diff.before["owner"], diff.after["owner"] = state.owner, spec.owner
        diff.changed.append("owner")
    return Plan(spec, state, actions, diff, final)


def _ownership(spec: WorkflowSpec, state: WorkflowState | None) -> list[Action]:
    """[ADOPT] when the spec may take the workflow over; [] when it is ours (or no owner is in
    play); ``OwnershipError`` otherwise."""
    if spec.owner is None or state is None or state.owner == spec.owner:
        return []
    if spec.state == "archived" and state.status == "archived":
        return []  # nothing to do, nothing taken over
    unowned_ok = state.owner is None and (spec.adopt_unowned or state.status == "archived")
    if unowned_ok and spec.state == "archived":
        return []  # archiving an unowned workflow we may take: no marker needed for what ends here
    if spec.adopt or unowned_ok:
        reason = (
            f"take over from {describe(state.owner)}"
            if state.owner
            else "mark as managed here (it had no owner)"
        )
        return [Action(ActionKind.ADOPT, {"owner": spec.owner}, reason)]
    require_owner_ok(spec.label, state.id, state.owner, spec.owner, archiving=spec.state == "archived")
    return []  # unreachable: require_owner_ok raises


def _pinned_spec(spec: WorkflowSpec, state: WorkflowState | None) -> WorkflowSpec:
    """With ``live_version: N`` the live content is version N's definition (not the declared one)."""
    if spec.live_version is None or state is None or state.pinned is None:
        return spec
    return dataclasses.replace(spec, definition=state.pinned.definition)


def _create_actions(spec: WorkflowSpec) -> list[Action]:
    if spec.state == "archived":
        return []  # nothing to archive
    if spec.id is not None and not spec.recorded:
        raise ConfigError(f"workflow {spec.id} does not exist (or is not visible to this API key)")
    if spec.definition is None:
        raise ConfigError(f"workflow {spec.name!r} does not exist yet: a definition is needed to create it")
    fields = {
        "name": spec.name,
        "description": spec.description or "",
        "definition": spec.definition,
        "cooldownMs": spec.cooldown_ms,
        "maxRuns": spec.max_runs,
    }
    actions = [Action(ActionKind.CREATE, {k: v for k, v in fields.items() if v is not None}, "new workflow")]
    if spec.state in ("published", "paused"):
        actions.append(Action(ActionKind.PUBLISH, reason="make the content live"))
    if spec.state == "paused":
        actions.append(Action(ActionKind.PAUSE, reason="desired state paused"))
    return actions


def _lifecycle_actions(spec: WorkflowSpec, state: WorkflowState) -> list[Action]:
    if spec.state == "archived":
        if state.status == "archived":
            return []
        return [Action(ActionKind.ARCHIVE, reason="desired state archived")]
    actions: list[Action] = []
    status, live = state.status, state.live
    if status == "archived":
        # Unarchive restores the latest archived version as a draft, with no live version.
        actions.append(Action(ActionKind.UNARCHIVE, reason=f"desired state {spec.state}"))
        status, live = "draft", None
    latest_changes = _differences(spec, state.latest)
    if spec.state == "draft":
        if latest_changes:
            actions.append(_update(latest_changes))
        return actions
    # Without a draft the live row is the latest one (equal content): compared once.
    live_changes = (
        None if live is None else latest_changes if live == state.latest else _differences(spec, live)
    )
    if live_changes == {}:
        if latest_changes:
            reason = "a draft differs from the declared live content"
            actions.append(Action(ActionKind.DISCARD_DRAFT, reason=reason))
        if spec.state == "published" and status == "paused":
            actions.append(Action(ActionKind.RESUME, reason="desired state published"))
        if spec.state == "paused" and status == "active":
            actions.append(Action(ActionKind.PAUSE, reason="desired state paused"))
        return actions
    if spec.live_version is not None and state.pinned is not None:
        others = {k: v for k, v in latest_changes.items() if k != "definition"}
        if others:
            actions.append(_update(others))
        if "definition" in latest_changes:
            reason = (
                f"pin: copy version {spec.live_version}'s definition into a new draft (newer versions stay)"
            )
            actions.append(Action(ActionKind.ROLLBACK, {"targetVersion": spec.live_version}, reason))
        actions.append(Action(ActionKind.PUBLISH, reason=f"make version {spec.live_version}'s content live"))
    else:
        if latest_changes:
            actions.append(_update(latest_changes))
        actions.append(Action(ActionKind.PUBLISH, reason="make the content live"))
    if spec.state == "paused":
        actions.append(Action(ActionKind.PAUSE, reason="desired state paused"))
    return actions


def _update(changes: dict[str, Any]) -> Action:
    return Action(ActionKind.UPDATE, changes, "content differs: " + ", ".join(changes))


def _target_content(spec: WorkflowSpec, state: WorkflowState | None) -> Content | None:
    """The row the desired state talks about: the latest for draft, the live one otherwise."""
    if state is None:
        return None
    if spec.state == "draft" or state.status == "archived":
        return state.latest
    return state.live


def _diff(spec: WorkflowSpec, state: WorkflowState | None, final_status: str | None) -> WorkflowDiff:
    content = _target_content(spec, state)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in CONTENT_FIELDS:
        desired = getattr(spec, attr)
        if desired is None:
            continue
        actual = getattr(content, attr) if content is not None else None
        if attr == "definition":
            desired = normalize_definition(desired)
            actual = normalize_definition(actual, like=spec.definition) if isinstance(actual, dict) else None
        before[attr], after[attr] = actual, desired
    before["state"] = public_state(state.status) if state is not None else "absent"
    after["state"] = public_state(final_status) if final_status is not None else "absent"
    if spec.visibility is not None:
        before["visibility"] = (state.visibility or "private") if state is not None else None
        after["visibility"] = spec.visibility
    changed = [key for key in after if before.get(key) != after.get(key)]
    graph = None
    if "definition" in changed:
        graph = graph_summary(before.get("definition") or {"nodes": {}}, after["definition"])
    return WorkflowDiff(before, after, changed, graph)
