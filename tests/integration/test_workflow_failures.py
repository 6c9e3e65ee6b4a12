"""Conflicts, partial failures and duplicate names: the resource layer never loses or doubles work."""

from __future__ import annotations

import copy

import pytest

from b3os.client import NO_RETRY, Client
from b3os.errors import ConfigError, ConflictError, DefinitionError, ServerError
from b3os.local import LocalServer
from b3os.workflow import WorkflowSpec, apply, ensure, plan, read
from tests.integration.test_workflow_lifecycle import CHANGED, DEFINITION
from tests.support import Calls


def test_concurrent_edit_between_read_and_apply_is_a_clear_conflict(b3os_client: Client) -> None:
    ensure(b3os_client, WorkflowSpec.build(name="contested", definition=DEFINITION))
    spec = WorkflowSpec.build(name="contested", definition=CHANGED)
    stale_plan = plan(spec, read(b3os_client, spec))
    # Someone else edits the workflow after our read.
    theirs = copy.deepcopy(DEFINITION)
    theirs["nodes"]["log_message"]["payload"]["message"] = "Theirs: {{$trigger.body.message}}"
    assert stale_plan.state is not None
    b3os_client.update_workflow(stale_plan.state.id, definition=theirs)

    with pytest.raises(ConflictError, match="changed by someone else since it was read.*re-run"):
        apply(b3os_client, stale_plan)

    after = read(b3os_client, spec)
    assert after is not None and after.latest.definition is not None
    assert after.latest.definition["nodes"]["log_message"]["payload"]["message"].startswith("Theirs"), (
        "their edit is not overwritten"
    )
    # Re-running plans against the new state and converges.
    assert ensure(b3os_client, spec).changed
    assert not ensure(b3os_client, spec).changed


def test_publish_failing_after_create_converges_on_the_next_apply(b3os_local: LocalServer) -> None:
    spec = WorkflowSpec.build(name="half made", definition=DEFINITION, state="published")
    with Client(base_url=b3os_local.url, api_key=b3os_local.api_key, retry=NO_RETRY) as client:
        b3os_local.inject_faults(error_rate=1.0, statuses=(503,), path="/publish")
        with pytest.raises(ServerError):
            ensure(client, spec)
        b3os_local.clear_faults()
        state = read(client, spec)
        assert state is not None and state.status == "draft", "create went through, publish did not"

        result = ensure(client, spec)
        assert result.actions == ["publish"], "the same-named draft is adopted, not duplicated"
        assert [w.id for w in client.iter_workflows(q="half made")] == [state.id]
        assert not ensure(client, spec).changed


def test_two_workflows_with_one_name_is_an_error_listing_both_ids(b3os_client: Client) -> None:
    first = b3os_client.create_workflow("twin", "", DEFINITION)
    second = b3os_client.create_workflow("twin", "", DEFINITION)
    with pytest.raises(ConfigError) as info:
        ensure(b3os_client, WorkflowSpec.build(name="twin", definition=DEFINITION))
    assert first.id in str(info.value) and second.id in str(info.value)


def test_server_side_validation_fails_before_any_write(b3os_local: LocalServer, b3os_client: Client) -> None:
    # Valid for the local validator only when it is skipped: simulate a definition the server rejects
    # by building the spec without local checks.
    broken = copy.deepcopy(DEFINITION)
    broken["nodes"]["log_message"]["children"] = ["nowhere"]
    spec = WorkflowSpec.build(name="rejected", definition=broken, validate=False)
    b3os_local.clear_requests()
    with pytest.raises(DefinitionError) as info:
        ensure(b3os_client, spec)
    assert any(item.node_id == "log_message" for item in info.value.items)
    assert Calls.of(b3os_local.requests()).writes == 0
