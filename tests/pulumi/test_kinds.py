"""Connector, ExecutionWebhook and WorkflowVariable through the real `pulumi` CLI (dynamic provider):
up → preview with no changes and zero API calls → change one field → drift refreshed and repaired →
destroy; secrets absent from outputs and `stack export`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.pulumi.harness import PulumiProject
from tests.support import QUICKSTART_DEFINITION

pytestmark = pytest.mark.pulumi

SLACK_TOKEN = "xoxb-pulumi-never-in-state"

PROGRAM = """\
import json
import pulumi
import pulumi_b3os as b3os

spec = json.load(open("spec.json"))
slack = b3os.Connector("slack", **spec["connector"])
hook = b3os.ExecutionWebhook("hook", **spec["hook"])
definition = spec["definition"]

def with_connector(connector_id):
    nodes = dict(definition["nodes"])
    nodes["log_message"] = {**nodes["log_message"], "connector": {"type": "slack", "id": connector_id}}
    return {**definition, "nodes": nodes}

wf = b3os.Workflow("wf", b3os.WorkflowArgs(name="uses slack", definition=slack.id.apply(with_connector)))
counter = b3os.WorkflowVariable("counter", workflow=wf.id, **spec["variable"])
pulumi.export("connector_id", slack.id)
pulumi.export("hook_id", hook.id)
pulumi.export("signing_secret", hook.signing_secret)
pulumi.export("variable_id", counter.id)
"""


def declare(project: PulumiProject, **changes: dict[str, Any]) -> None:
    spec = {
        "connector": {"name": "team slack", "type": "slack", "description": "one", "data": {"token": SLACK_TOKEN}},
        "hook": {"name": "ops", "url": "http://127.0.0.1:9/h", "subscribed_event_types": ["run.failed"]},
        "variable": {"name": "counter", "type": "number", "lifetime": "persist", "default": 0},
        "definition": QUICKSTART_DEFINITION,
    }  # fmt: skip
    for key, value in changes.items():
        spec[key] = {**spec[key], **value}
    (project.dir / "spec.json").write_text(json.dumps(spec))


def test_kinds_lifecycle_through_pulumi(project: PulumiProject) -> None:
    (project.dir / "__main__.py").write_text(PROGRAM)
    declare(project)
    project.up()
    outputs = project.outputs()
    assert outputs["signing_secret"] == "[secret]"
    assert project.outputs(show_secrets=True)["signing_secret"]

    mark = project.mark()
    assert "5 unchanged" in project.preview("--expect-no-changes").output
    assert project.calls(since=mark).writes == 0

    declare(project, connector={"description": "two"}, variable={"default": 5})
    mark = project.mark()
    up = project.up()
    assert project.calls(since=mark).writes == 2, up.output  # one connector PUT, one variable PUT

    # Drift of every kind, made out of band: refresh shows it, up repairs it (one write each).
    client = project.client()
    client.execution_webhooks.update(outputs["hook_id"], url="http://127.0.0.1:9/elsewhere")
    client.connectors.update(outputs["connector_id"], description="edited in the app")
    workflow_id = outputs["variable_id"].split("/")[0]
    client.variables.put(workflow_id, "counter", type="number", lifetime="reset", default=9)
    refreshed = project.refresh("--diff")
    for drifted in ("elsewhere", "edited in the app", "reset"):
        assert drifted in refreshed.output, refreshed.output
    mark = project.mark()
    project.up()
    assert client.execution_webhooks.get(outputs["hook_id"]).url == "http://127.0.0.1:9/h"
    assert client.connectors.get(outputs["connector_id"]).description == "two"
    (variable,) = client.variables.list(workflow_id)
    assert (variable.definition.lifetime, variable.definition.default) == ("persist", 5)
    assert project.calls(since=mark).writes == 3

    exported = project.export()
    assert SLACK_TOKEN not in exported and SLACK_TOKEN not in json.dumps(outputs)
    secret = project.outputs(show_secrets=True)["signing_secret"]
    assert secret not in exported

    project.destroy()
    assert all(c.name != "team slack" for c in client.connectors.iter())
    assert all(h.name != "ops" for h in client.execution_webhooks.iter())
