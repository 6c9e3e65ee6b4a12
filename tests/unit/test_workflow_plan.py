"""The transition table of the resource layer, as a pure function (no server needed)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from b3os.errors import ConfigError, DefinitionError
from b3os.workflow import WorkflowSpec, plan, state_from_outputs
from b3os.workflow.state import state_of

DEFINITION: dict[str, Any] = {
    "nodes": {
        "root": {"type": "manual", "payload": {}, "children": ["log_message"]},
        "log_message": {"type": "log", "payload": {"message": "Incoming message: {{$trigger.body.message}}"}},
    }
}
CHANGED = copy.deepcopy(DEFINITION)
CHANGED["nodes"]["log_message"]["payload"]["message"] = "Changed: {{$trigger.body.message}}"


def row(status: str, version: int, definition: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A workflow row as the server sends it, with server-added fields that must never count."""
    served = copy.deepcopy(definition)
    served["triggerNodeIds"] = ["root"]
    return {
        "id": "wf_1",
        "name": "logger",
        "description": "d",
        "status": status,
        "version": version,
        "definition": served,
        "triggerSecret": "s3cr3t-trigger",
        "createdAt": "2026-01-01T00:00:00Z",
        **extra,
    }


def state(kind: str, content: dict[str, Any] = DEFINITION) -> Any:
    """Actual states by name: absent, draft, active, paused, archived, active+draft."""
    if kind == "absent":
        return None
    if kind == "active+draft":
        live = row("active", 1, DEFINITION)
        return state_of(row("draft", 2, content, hasDraft=True, hasLiveVersion=True), live)
    latest = row(kind, 1, content, hasLiveVersion=kind in ("active", "paused"))
    return state_of(latest, latest if kind in ("active", "paused") else None)


def spec(desired: str, definition: dict[str, Any] = DEFINITION, **kw: Any) -> WorkflowSpec:
    return WorkflowSpec.build(name="logger", description="d", definition=definition, state=desired, **kw)


TABLE = [
    # actual, actual content, desired, desired content, expected actions
    ("absent", DEFINITION, "draft", DEFINITION, ["create"]),
    ("absent", DEFINITION, "published", DEFINITION, ["create", "publish"]),
    ("absent", DEFINITION, "paused", DEFINITION, ["create", "publish", "pause"]),
    ("absent", DEFINITION, "archived", DEFINITION, []),
    ("draft", DEFINITION, "draft", DEFINITION, []),
    ("draft", DEFINITION, "draft", CHANGED, ["update"]),
    ("draft", DEFINITION, "published", DEFINITION, ["publish"]),
    ("draft", DEFINITION, "published", CHANGED, ["update", "publish"]),
    ("draft", DEFINITION, "paused", DEFINITION, ["publish", "pause"]),
    ("draft", DEFINITION, "archived", DEFINITION, ["archive"]),
    ("active", DEFINITION, "published", DEFINITION, []),
    ("active", DEFINITION, "published", CHANGED, ["update", "publish"]),
    ("active", DEFINITION, "draft", DEFINITION, []),
    ("active", DEFINITION, "draft", CHANGED, ["update"]),
    ("active", DEFINITION, "paused", DEFINITION, ["pause"]),
    ("active", DEFINITION, "paused", CHANGED, ["update", "publish", "pause"]),
    ("active", DEFINITION, "archived", DEFINITION, ["archive"]),
    ("paused", DEFINITION, "paused", DEFINITION, []),
    ("paused", DEFINITION, "published", DEFINITION, ["resume"]),
    ("paused", DEFINITION, "published", CHANGED, ["update", "publish"]),
    ("paused", DEFINITION, "draft", CHANGED, ["update"]),
    ("paused", DEFINITION, "archived", DEFINITION, ["archive"]),
    ("archived", DEFINITION, "archived", CHANGED, []),
    ("archived", DEFINITION, "draft", DEFINITION, ["unarchive"]),
    ("archived", DEFINITION, "published", DEFINITION, ["unarchive", "publish"]),
    ("archived", DEFINITION, "published", CHANGED, ["unarchive", "update", "publish"]),
    ("archived", DEFINITION, "paused", DEFINITION, ["unarchive", "publish", "pause"]),
    ("active+draft", CHANGED, "published", CHANGED, ["publish"]),
    ("active+draft", CHANGED, "published", DEFINITION, ["discard_draft"]),
    ("active+draft", CHANGED, "draft", CHANGED, []),
]


@pytest.mark.parametrize(
    ("actual", "content", "desired", "wanted", "actions"),
    TABLE,
    ids=[
        f"{a}{'(changed)' if c is CHANGED else ''}->{d}{'(changed)' if w is CHANGED else ''}"
        for a, c, d, w, _ in TABLE
    ],
)
def test_transition_table(actual: str, content: Any, desired: str, wanted: Any, actions: list[str]) -> None:
    the_plan = plan(spec(desired, wanted), state(actual, content))
    assert the_plan.action_names == actions
    assert the_plan.writes == len(actions)
    assert the_plan.changed is bool(actions)


def test_converged_state_plans_zero_writes_whatever_the_server_added() -> None:
    served = row("active", 3, DEFINITION, hasLiveVersion=True, uiMetadata={"nodePositions": {}})
    served["definition"]["nodes"]["log_message"]["description"] = "added by the UI"
    assert plan(spec("published"), state_of(served, served)).actions == []


def test_description_only_change_updates_and_publishes() -> None:
    the_plan = plan(_desc("new"), state("active"))
    assert [(a.kind.value, sorted(a.fields)) for a in the_plan.actions] == [
        ("update", ["description"]),
        ("publish", []),
    ]
    assert the_plan.diff.changed == ["description"]


def _desc(text: str) -> WorkflowSpec:
    return WorkflowSpec.build(name="logger", description=text, definition=DEFINITION, state="published")


def test_update_sends_only_changed_fields() -> None:
    the_plan = plan(spec("published", CHANGED), state("active"))
    assert the_plan.actions[0].fields == {"definition": CHANGED}


def test_diff_names_the_changed_node_and_hides_server_fields() -> None:
    the_plan = plan(spec("published", CHANGED), state("active"))
    assert the_plan.diff.changed == ["definition"]
    assert the_plan.diff.graph is not None
    assert "log_message" in the_plan.diff.graph.describe()
    assert "triggerNodeIds" not in str(the_plan.diff.before)
    assert "s3cr3t-trigger" not in str(the_plan.diff.before) + str(the_plan.diff.after)


def test_state_change_is_in_the_diff() -> None:
    the_plan = plan(spec("paused"), state("active"))
    assert the_plan.diff.changed == ["state"]
    assert (the_plan.diff.before["state"], the_plan.diff.after["state"]) == ("published", "paused")


def test_visibility_is_managed_only_when_given() -> None:
    assert plan(spec("published"), state("active")).actions == []
    assert plan(spec("published", visibility="org"), state("active")).action_names == ["set_visibility"]
    assert plan(spec("published", visibility="private"), state("active")).actions == []


def test_creating_without_a_definition_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="a definition is needed"):
        plan(WorkflowSpec.build(name="logger", state="published"), None)


def test_an_unknown_id_is_not_created() -> None:
    with pytest.raises(ConfigError, match="wf_missing does not exist"):
        plan(WorkflowSpec.build(id="wf_missing", definition=DEFINITION), None)


def test_identity_by_id_renames() -> None:
    the_plan = plan(WorkflowSpec.build(id="wf_1", name="renamed", definition=DEFINITION), state("active"))
    assert [(a.kind.value, a.fields) for a in the_plan.actions] == [
        ("update", {"name": "renamed"}),
        ("publish", {}),
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "needs an identity"),
        ({"name": ""}, "non-empty"),
        ({"name": "x" * 300}, "at most 255"),
        ({"name": "n", "state": "running"}, "state 'running' is not valid"),
        ({"name": "n", "cooldown_ms": 5}, "cooldown_ms"),
        ({"name": "n", "max_runs": 0}, "max_runs"),
        ({"name": "n", "visibility": "everyone"}, "visibility"),
        ({"id": "123"}, "not a workflow id"),
    ],
    ids=[
        "no identity",
        "empty name",
        "300-char name",
        "unknown state",
        "cooldown",
        "max_runs",
        "visibility",
        "bad id",
    ],
)
def test_bad_spec_input_is_rejected_before_any_request(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        WorkflowSpec.build(**kwargs)


def test_invalid_definition_is_rejected_at_build_naming_node_and_field() -> None:
    broken = copy.deepcopy(DEFINITION)
    broken["nodes"]["log_message"]["payload"] = {}
    with pytest.raises(DefinitionError) as info:
        spec("published", broken)
    assert any(i.node_id == "log_message" and i.field == "payload.message" for i in info.value.items)


@pytest.mark.parametrize(
    "alias,expected", [("present", "published"), ("absent", "archived"), ("active", "published")]
)
def test_front_end_state_aliases(alias: str, expected: str) -> None:
    assert spec(alias).state == expected


def test_plan_against_stored_outputs_is_empty_when_inputs_are_unchanged() -> None:
    outputs = {
        "id": "wf_1",
        "name": "logger",
        "description": "d",
        "status": "active",
        "version": 1,
        "definition": DEFINITION,
    }
    assert plan(spec("published"), state_from_outputs(outputs)).actions == []
    assert plan(spec("published", CHANGED), state_from_outputs(outputs)).action_names == ["update", "publish"]
