"""Issue 5's acceptance criteria with the real ``pulumi`` CLI, a file backend and b3os-local.

Request counts come from b3os-local's request log (``tests.support.Calls``): "writes" are
non-GET requests other than the side-effect-free validator.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from b3os.normalize import definitions_equal
from tests.pulumi.harness import QUICKSTART, PulumiProject
from tests.support import with_message

pytestmark = pytest.mark.pulumi


def logger(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "name": "API quickstart logger",
        "description": "A minimal workflow created from the API.",
        "definition": QUICKSTART,
    }
    args.update(overrides)
    return args


def test_up_creates_and_publishes_then_preview_makes_no_calls(project: PulumiProject) -> None:
    project.declare({"logger": logger()})
    project.up()

    out = project.outputs()
    with project.client() as client:
        live = client.get_live(out["logger.id"])
    assert out["logger.status"] == "active"
    assert out["logger.live_version"] == live.version
    assert live.name == "API quickstart logger"
    assert definitions_equal(QUICKSTART, live.definition.model_dump(by_alias=True, exclude_none=True))

    since = project.mark()
    result = project.preview("--expect-no-changes")
    calls = project.calls(since)
    assert result.returncode == 0
    assert calls.writes == 0, calls.by_operation
    assert calls.reads == 0, f"an unchanged preview should not call the API at all: {calls.by_operation}"

    since = project.mark()
    again = project.run("up", "--yes")  # with its preview, as users run it
    assert "2 unchanged" in again.stdout
    assert project.calls(since).reads == 0 and project.calls(since).writes == 0


def test_values_unknown_during_preview_are_accepted(project: PulumiProject) -> None:
    second = logger(name="second", definition=with_message("2 {{$trigger.body.message}}"))
    project.declare({"first": logger(), "second": {**second, "description_from": "first"}})
    preview = project.preview()
    assert "+ 3 to create" in preview.stdout, preview.output
    project.up()
    out = project.outputs()
    with project.client() as client:
        assert client.get_workflow(out["second.id"]).description == f"runs after {out['first.id']}"
    assert project.preview("--expect-no-changes").returncode == 0


def test_environment_credentials_work_without_stack_config(project: PulumiProject) -> None:
    project.run("config", "rm", "b3os:apiUrl")
    project.run("config", "rm", "b3os:apiKey")
    project.env.update(B3OS_API_URL=project.server.url, B3OS_API_KEY=project.api_key)
    project.declare({"logger": logger()})
    project.up()
    assert project.outputs()["logger.status"] == "active"
    assert project.api_key not in project.export()


def test_program_errors_reach_the_user(project: PulumiProject) -> None:
    project.declare({"logger": logger(definition="missing.json")})
    preview = project.preview(check=False)
    assert preview.returncode != 0
    assert "definition file 'missing.json' not found" in preview.output, preview.output


@pytest.mark.slow
def test_payload_change_is_one_update_with_new_live_version(project: PulumiProject) -> None:
    project.declare({"logger": logger()})
    project.up()
    first = project.outputs()

    project.declare({"logger": logger(definition=with_message("Changed: {{$trigger.body.message}}"))})
    # The short form "[diff: ~definition]" is on the progress line, which the non-interactive
    # display may coalesce away; --diff prints the property and the node field deterministically.
    preview = project.preview("--diff")
    assert "~ definition" in preview.stdout, preview.stdout
    assert '~ message: "Incoming message: {{$trigger.body.message}}" => "Changed:' in preview.stdout

    since = project.mark()
    up = project.up()
    calls = project.calls(since)
    assert "~ 1 updated" in up.stdout
    assert calls.by_operation["PUT /v1/workflows/{id}"] == 1, calls.by_operation
    assert calls.by_operation["POST /v1/workflows/{id}/publish"] == 1, calls.by_operation
    assert calls.writes == 2, calls.by_operation
    after = project.outputs()
    assert after["logger.id"] == first["logger.id"]
    assert after["logger.live_version"] > first["logger.live_version"]
    with project.client() as client:
        live = client.get_live(after["logger.id"])
    assert live.definition.nodes["log_message"].payload["message"].startswith("Changed:")
    assert project.preview("--expect-no-changes").returncode == 0


@pytest.mark.slow
def test_paused_published_round_trip_and_draft_keeps_live_version(project: PulumiProject) -> None:
    project.declare({"logger": logger()})
    project.up()
    wf_id = project.outputs()["logger.id"]

    project.declare({"logger": logger(state="paused")})
    since = project.mark()
    project.up()
    assert project.calls(since).by_operation["POST /v1/workflows/{id}/pause"] == 1
    assert project.outputs()["logger.status"] == "paused"

    project.declare({"logger": logger(state="published")})
    since = project.mark()
    project.up()
    assert project.calls(since).by_operation["POST /v1/workflows/{id}/resume"] == 1
    out = project.outputs()
    assert out["logger.status"] == "active"
    live_version = out["logger.live_version"]

    project.declare(
        {"logger": logger(state="draft", definition=with_message("Draft: {{$trigger.body.message}}"))}
    )
    since = project.mark()
    project.up()
    calls = project.calls(since)
    assert calls.by_operation["POST /v1/workflows/{id}/publish"] == 0, calls.by_operation
    out = project.outputs()
    assert out["logger.live_version"] == live_version, "a draft must not replace the live version"
    assert out["logger.has_draft"] is True
    with project.client() as client:
        live = client.get_live(wf_id)
        draft = client.get_draft(wf_id)
    assert live.definition.nodes["log_message"].payload["message"].startswith("Incoming")
    assert draft.definition.nodes["log_message"].payload["message"].startswith("Draft:")
    assert project.preview("--expect-no-changes").returncode == 0


@pytest.mark.slow
def test_out_of_band_edit_is_shown_by_refresh_and_restored_by_up(project: PulumiProject) -> None:
    project.declare({"logger": logger()})
    project.up()
    wf_id = project.outputs()["logger.id"]
    with project.client() as client:
        client.update_workflow(wf_id, definition=with_message("Hacked: {{$trigger.body.message}}"))
        client.publish(wf_id)

    refresh = project.refresh("--diff")
    assert "~ 1 updated" in refresh.stdout, refresh.stdout
    assert '~ message: "Incoming message: {{$trigger.body.message}}" => "Hacked:' in refresh.stdout
    recorded = workflow_outputs(project)["definition"]
    assert recorded["nodes"]["log_message"]["payload"]["message"].startswith("Hacked:")
    preview = project.preview("--diff")
    assert '~ message: "Hacked: {{$trigger.body.message}}" => "Incoming message:' in preview.stdout, (
        preview.stdout
    )

    project.up()
    with project.client() as client:
        live = client.get_live(wf_id)
    assert live.definition.nodes["log_message"].payload["message"].startswith("Incoming")
    assert project.preview("--expect-no-changes").returncode == 0


@pytest.mark.slow
def test_out_of_band_archive_is_detected_and_up_restores_the_same_workflow(project: PulumiProject) -> None:
    project.declare({"logger": logger()})
    project.up()
    wf_id = project.outputs()["logger.id"]
    with project.client() as client:
        client.archive_workflow(wf_id)

    refresh = project.refresh("--diff")
    assert re.search(r'~ status\s*: "active" => "archived"', refresh.stdout), refresh.stdout
    # Stack outputs only change when the program runs; the resource's state has the news.
    assert workflow_outputs(project)["status"] == "archived"
    preview = project.preview("--diff")
    assert re.search(r'~ state\s*: "archived" => "published"', preview.stdout), preview.stdout

    project.up()
    out = project.outputs()
    assert out["logger.id"] == wf_id, "restored in place: same id, same trigger secret"
    assert out["logger.status"] == "active"
    with project.client() as client:
        assert [w.id for w in project.workflows(client)] == [wf_id]


def workflow_outputs(project: PulumiProject, name: str = "logger") -> dict[str, Any]:
    """The outputs recorded in the state for one Workflow resource."""
    state = json.loads(project.export())
    for resource in state["deployment"]["resources"]:
        if resource["type"].endswith("b3os:Workflow") and resource["urn"].endswith(f"::{name}"):
            outputs: dict[str, Any] = resource["outputs"]
            return outputs
    raise AssertionError(f"no Workflow {name!r} in the state")


def test_destroy_archives_every_workflow(project: PulumiProject) -> None:
    project.declare(
        {f"wf{i}": logger(name=f"destroy me {i}", definition=with_message(f"#{i} {{{{$trigger.body.message}}}}"))
         for i in range(3)}
    )  # fmt: skip
    project.up()
    ids = {project.outputs()[f"wf{i}.id"] for i in range(3)}
    project.destroy()
    with project.client() as client:
        statuses = {w.id: w.status for w in project.workflows(client)}
    assert statuses == {wf_id: "archived" for wf_id in ids}


def test_destroy_then_up_reuses_the_archived_workflows(project: PulumiProject) -> None:
    project.declare({"logger": logger()})
    project.up()
    wf_id = project.outputs()["logger.id"]
    project.destroy()
    project.up()
    assert project.outputs()["logger.id"] == wf_id
    with project.client() as client:
        assert len(project.workflows(client)) == 1


def test_adopt_by_id_takes_over_without_a_second_workflow(project: PulumiProject) -> None:
    with project.client() as client:
        existing = client.create_workflow(
            "made by hand", "old", with_message("Old: {{$trigger.body.message}}")
        )
    project.declare({"logger": logger(name="made by hand", adopt_id=existing.id)})
    project.up()
    out = project.outputs()
    assert out["logger.id"] == existing.id
    assert out["logger.status"] == "active"
    with project.client() as client:
        assert [w.id for w in project.workflows(client)] == [existing.id]
        live = client.get_live(existing.id)
    assert definitions_equal(QUICKSTART, live.definition.model_dump(by_alias=True, exclude_none=True))
    assert project.preview("--expect-no-changes").returncode == 0


def test_same_named_workflow_is_not_taken_over_without_adopt(project: PulumiProject) -> None:
    with project.client() as client:
        existing = client.create_workflow("API quickstart logger", "theirs", QUICKSTART)
    project.declare({"logger": logger()})
    result = project.up(check=False)
    assert result.returncode != 0
    assert "adopt_by_name" in result.output and existing.id in result.output
    with project.client() as client:
        assert [w.id for w in project.workflows(client)] == [existing.id]

    project.declare({"logger": logger(adopt_by_name=True)})
    project.up()
    assert project.outputs()["logger.id"] == existing.id


def test_invalid_definition_fails_preview_naming_node_and_field(project: PulumiProject) -> None:
    broken = copy.deepcopy(QUICKSTART)
    del broken["nodes"]["log_message"]["payload"]["message"]
    project.declare({"logger": logger(definition=broken)})
    since = project.mark()
    preview = project.preview(check=False)
    assert preview.returncode != 0
    assert "log_message" in preview.output and "payload.message" in preview.output, preview.output
    up = project.up(check=False)
    assert up.returncode != 0
    assert project.calls(since).writes == 0
    with project.client() as client:
        assert project.workflows(client) == []


def test_stack_export_holds_neither_api_key_nor_trigger_secret(project: PulumiProject) -> None:
    project.declare({"logger": logger()})
    project.up()
    wf_id = project.outputs()["logger.id"]
    with project.client() as client:
        secret = client.get_workflow(wf_id).trigger_secret
    assert secret, "b3os-local gives every workflow a trigger secret"
    exported = project.export()
    assert project.api_key not in exported
    assert secret not in exported
    state = json.loads(exported)
    resource = next(r for r in state["deployment"]["resources"] if r["type"].endswith("b3os:Workflow"))
    assert (
        resource["outputs"]["trigger_secret"]["4dabf18193072939515e22adb298388d"]
        == "1b47061264138c4ac30d75fd1eb44270"
    )
    assert project.outputs()["logger.trigger_secret"] == "[secret]"
    assert project.outputs(show_secrets=True)["logger.trigger_secret"] == secret


@pytest.mark.slow
def test_twenty_workflows_in_one_parallel_up(project: PulumiProject) -> None:
    count = 20
    project.declare(
        {f"wf{i:02d}": logger(name=f"fleet {i:02d}", definition=with_message(f"#{i} {{{{$trigger.body.message}}}}"))
         for i in range(count)}
    )  # fmt: skip
    up = project.up("--parallel", "20")
    assert f"+ {count + 1} created" in up.stdout, up.stdout
    out = project.outputs()
    with project.client() as client:
        workflows = project.workflows(client)
    names = sorted(w.name for w in workflows)
    assert names == sorted(f"fleet {i:02d}" for i in range(count)), "no duplicates, none missing"
    assert {w.status for w in workflows} == {"active"}
    assert {out[f"wf{i:02d}.id"] for i in range(count)} == {w.id for w in workflows}
    since = project.mark()
    assert project.preview("--expect-no-changes").returncode == 0
    assert project.calls(since).writes == 0
