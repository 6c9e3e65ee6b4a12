"""Every kind through `b3os plan/apply` against b3os-local: create → no-op (zero writes) → change →
drift shown and repaired → delete; and one directory of all kinds applied in dependency order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from b3os.client import Client
from b3os.local import LocalServer
from tests.integration.test_cli import b3os
from tests.support import QUICKSTART_DEFINITION, Calls

SLACK_TOKEN = "xoxb-0000-never-printed-token"


def write(folder: Path, name: str, doc: dict[str, Any]) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def apply_twice(server: LocalServer, folder: Path) -> str:
    applied = b3os(server, "apply", str(folder))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    server.clear_requests()
    again = b3os(server, "apply", str(folder))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes" in again.stdout
    assert Calls.of(server.requests()).writes == 0
    return applied.stdout + applied.stderr + again.stdout + again.stderr


def plan_json(server: LocalServer, folder: Path) -> tuple[int, dict[str, Any]]:
    planned = b3os(server, "plan", "--json", str(folder))
    assert planned.returncode in (0, 2), planned.stderr
    return planned.returncode, json.loads(planned.stdout)


CASES = {
    "connector": (
        {"kind": "connector", "name": "team slack", "type": "slack", "description": "one", "data": {"token": SLACK_TOKEN}},
        {"description": "two"},
        lambda c, id: c.connectors.update(id, description="edited in the app"),
    ),
    "execution_webhook": (
        {"kind": "execution_webhook", "name": "ops hook", "url": "http://127.0.0.1:9/hook",
         "subscribed_event_types": ["run.failed"], "max_retries": 3},
        {"max_retries": 5},
        lambda c, id: c.execution_webhooks.update(id, url="http://127.0.0.1:9/elsewhere"),
    ),
}  # fmt: skip


CASES["workflow_variable"] = (
    {"kind": "workflow_variable", "workflow": "{workflow}", "name": "counter", "type": "number",
     "lifetime": "persist", "default": 0, "description": "one"},
    {"default": 5},
    lambda c, id: c.variables.put(id.split("/")[0], "counter", type="number", lifetime="reset", default=5),
)  # fmt: skip


@pytest.mark.parametrize("kind", list(CASES))
def test_kind_lifecycle_through_the_cli(
    kind: str, b3os_local: LocalServer, b3os_client: Client, tmp_path: Path
) -> None:
    declared, change, drift = CASES[kind]
    if kind == "workflow_variable":  # a variable of an existing workflow, by id
        workflow = b3os_client.create_workflow("has a variable", "", QUICKSTART_DEFINITION)
        declared = {**declared, "workflow": workflow.id}
    write(tmp_path, "it", declared)
    output = apply_twice(b3os_local, tmp_path)

    write(tmp_path, "it", {**declared, **change})
    code, doc = plan_json(b3os_local, tmp_path)
    assert code == 2 and doc["resources"][0]["actions"] == ["update"]
    assert doc["resources"][0]["diff"]["changed"] == list(change)
    output += apply_twice(b3os_local, tmp_path)

    object_id = doc["resources"][0]["id"]
    drift(b3os_client, object_id)
    code, doc = plan_json(b3os_local, tmp_path)
    assert code == 2, doc  # the out-of-band edit is shown …
    output += apply_twice(b3os_local, tmp_path)  # … and repaired

    write(tmp_path, "it", {**declared, **change, "state": "absent"})
    deleted = b3os(b3os_local, "apply", str(tmp_path))
    assert deleted.returncode == 0 and "delete" in deleted.stdout, deleted.stdout + deleted.stderr
    output += apply_twice(b3os_local, tmp_path)
    assert SLACK_TOKEN not in output


def test_a_directory_of_every_kind_applies_in_dependency_order(
    b3os_local: LocalServer, b3os_client: Client, tmp_path: Path
) -> None:
    write(tmp_path, "a-variable", {"kind": "workflow_variable", "workflow": "uses slack", "name": "counter",
                                    "type": "number", "lifetime": "persist", "default": 0})  # fmt: skip
    uses = json.loads(json.dumps(QUICKSTART_DEFINITION))
    uses["nodes"]["log_message"]["connector"] = {"type": "slack", "name": "team slack"}
    write(tmp_path, "b-uses-slack", {"name": "uses slack", "state": "published", "definition": uses})
    write(tmp_path, "c-plain", {"name": "plain", "state": "published", "definition": QUICKSTART_DEFINITION})
    write(tmp_path, "d-hook", {"kind": "execution_webhook", "name": "hook", "url": "http://127.0.0.1:9/h"})
    write(
        tmp_path,
        "e-slack",
        {"kind": "connector", "name": "team slack", "type": "slack", "data": {"token": SLACK_TOKEN}},
    )

    b3os_local.clear_requests()
    output = apply_twice(b3os_local, tmp_path)
    assert SLACK_TOKEN not in output

    connector = next(c for c in b3os_client.connectors.iter() if c.name == "team slack")
    workflow = next(w for w in b3os_client.iter_workflows() if w.name == "uses slack")
    node = b3os_client.get_workflow(workflow.id).definition.nodes["log_message"]
    assert node.model_dump(by_alias=True)["connector"] == {"type": "slack", "id": connector.id}
    assert [v.definition.name for v in b3os_client.variables.list(workflow.id)] == ["counter"]


def test_a_connector_that_does_not_exist_fails_at_plan_naming_the_node(
    b3os_local: LocalServer, b3os_client: Client, tmp_path: Path
) -> None:
    uses = json.loads(json.dumps(QUICKSTART_DEFINITION))
    uses["nodes"]["log_message"]["connector"] = {"type": "slack", "name": "nobody"}
    write(tmp_path, "wf", {"name": "orphan ref", "definition": uses})
    b3os_local.clear_requests()
    planned = b3os(b3os_local, "plan", str(tmp_path))
    assert planned.returncode == 1
    assert "node 'log_message' uses connector 'nobody'" in planned.stderr
    assert Calls.of(b3os_local.requests()).writes == 0
