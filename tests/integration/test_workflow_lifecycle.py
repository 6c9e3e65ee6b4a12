"""The resource layer against b3os-local: every row of the transition table, with exact API call
counts from the request log, and the guarantee that re-applying a converged state writes nothing."""

from __future__ import annotations

import pytest

from b3os.client import Client
from b3os.local import LocalServer
from b3os.normalize import definitions_equal
from b3os.workflow import WorkflowSpec, ensure, read
from tests.support import QUICKSTART_DEFINITION, Calls, with_message

DEFINITION = QUICKSTART_DEFINITION
CHANGED = with_message("Changed: {{$trigger.body.message}}")

STATUS_OF = {"published": "active", "paused": "paused", "archived": "archived"}


def make_actual(client: Client, kind: str, name: str) -> str | None:
    """Bring a workflow named ``name`` into the actual state ``kind`` with DEFINITION."""
    if kind == "absent":
        return None
    wf = client.create_workflow(name, "d", DEFINITION)
    if kind in ("active", "paused", "archived"):
        client.publish(wf.id)
    if kind == "paused":
        client.pause(wf.id)
    if kind == "archived":
        client.archive_workflow(wf.id)
    return wf.id


ROWS = [
    ("absent", "draft", False, ["create"]),
    ("absent", "published", False, ["create", "publish"]),
    ("absent", "paused", False, ["create", "publish", "pause"]),
    ("absent", "archived", False, []),
    ("draft", "draft", False, []),
    ("draft", "draft", True, ["update"]),
    ("draft", "published", False, ["publish"]),
    ("draft", "published", True, ["update", "publish"]),
    ("draft", "paused", True, ["update", "publish", "pause"]),
    ("draft", "archived", False, ["archive"]),
    ("active", "draft", False, []),
    ("active", "draft", True, ["update"]),
    ("active", "published", False, []),
    ("active", "published", True, ["update", "publish"]),
    ("active", "paused", False, ["pause"]),
    ("active", "paused", True, ["update", "publish", "pause"]),
    ("active", "archived", False, ["archive"]),
    ("paused", "draft", True, ["update"]),
    ("paused", "published", False, ["resume"]),
    ("paused", "published", True, ["update", "publish"]),
    ("paused", "paused", False, []),
    ("paused", "paused", True, ["update", "publish", "pause"]),
    ("paused", "archived", False, ["archive"]),
    ("archived", "draft", False, ["unarchive"]),
    ("archived", "published", False, ["unarchive", "publish"]),
    ("archived", "published", True, ["unarchive", "update", "publish"]),
    ("archived", "paused", False, ["unarchive", "publish", "pause"]),
    ("archived", "archived", True, []),
]


@pytest.mark.parametrize(
    ("actual", "desired", "content_change", "actions"),
    ROWS,
    ids=[f"{a}->{d}{' with new content' if c else ''}" for a, d, c, _ in ROWS],
)
def test_transition(
    b3os_local: LocalServer,
    b3os_client: Client,
    actual: str,
    desired: str,
    content_change: bool,
    actions: list[str],
) -> None:
    name = f"wf {actual} to {desired} {content_change}"
    original_id = make_actual(b3os_client, actual, name)
    before = read(b3os_client, WorkflowSpec(name=name))
    wanted = CHANGED if content_change else DEFINITION
    spec = WorkflowSpec.build(name=name, description="d", definition=wanted, state=desired)
    b3os_local.clear_requests()

    result = ensure(b3os_client, spec)

    calls = Calls.of(b3os_local.requests())
    assert result.actions == actions
    assert result.changed is bool(actions)
    assert calls.writes == len(actions), calls.by_operation
    # read by name = 2 listings (active statuses + archived) and, when found, 1 GET;
    # the server's validator runs once when a definition is sent; a create lists the name once
    # more afterwards (concurrent creators converge: issue 18).
    expected_reads = 2 + (1 if original_id else 0) + (1 if result.plan.sends_definition else 0)
    expected_reads += 1 if "create" in actions else 0
    assert calls.reads == expected_reads, calls.by_operation

    after = read(b3os_client, WorkflowSpec(name=name))
    if desired == "archived" and actual == "absent":
        assert after is None
        return
    assert after is not None
    if original_id:
        assert after.id == original_id, "never a second workflow"
    if desired == "draft":
        assert after.latest.definition is not None and definitions_equal(wanted, after.latest.definition)
        if actual in ("active", "paused"):
            assert before is not None
            assert after.status == actual, "a live version keeps running"
            assert after.live_version == before.live_version
            assert after.has_draft is content_change
        else:
            assert after.status == "draft"
    else:
        assert after.status == STATUS_OF[desired]
        if desired != "archived":
            assert after.live is not None and after.live.definition is not None
            assert definitions_equal(wanted, after.live.definition)
            assert not after.has_draft

    b3os_local.clear_requests()
    again = ensure(b3os_client, spec)
    assert again.actions == [] and not again.changed
    assert Calls.of(b3os_local.requests()).writes == 0


def test_version_numbers_follow_content_changes(b3os_local: LocalServer, b3os_client: Client) -> None:
    spec = WorkflowSpec.build(name="versions", definition=DEFINITION)
    first = ensure(b3os_client, spec)
    assert first.outputs["version"] == 1 and first.outputs["live_version"] == 1
    changed = ensure(b3os_client, WorkflowSpec.build(name="versions", definition=CHANGED))
    assert changed.outputs["version"] == 2 and changed.outputs["live_version"] == 2
    same = ensure(b3os_client, WorkflowSpec.build(name="versions", definition=CHANGED))
    assert same.outputs["version"] == 2 and not same.changed


def test_outputs_carry_the_trigger_secret_but_the_printed_workflow_masks_it(b3os_client: Client) -> None:
    result = ensure(b3os_client, WorkflowSpec.build(name="secretive", definition=DEFINITION))
    secret = result.outputs["trigger_secret"]
    assert secret
    assert secret not in repr(result.workflow)
    assert secret not in repr(result.plan)


def test_dry_run_predicts_without_writing(b3os_local: LocalServer, b3os_client: Client) -> None:
    spec = WorkflowSpec.build(name="dry", definition=DEFINITION, state="paused")
    b3os_local.clear_requests()
    predicted = ensure(b3os_client, spec, dry_run=True)
    assert predicted.changed and predicted.actions == ["create", "publish", "pause"]
    assert predicted.outputs["status"] == "paused"
    assert Calls.of(b3os_local.requests()).writes == 0
    assert read(b3os_client, spec) is None
