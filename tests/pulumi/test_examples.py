"""The Pulumi examples run as committed (their own Pulumi.yaml and relative virtualenv)."""

from __future__ import annotations

from pathlib import Path

import pytest

from b3os.local import LocalServer
from b3os.normalize import definitions_equal
from tests.pulumi.harness import QUICKSTART, PulumiProject

pytestmark = [pytest.mark.pulumi, pytest.mark.e2e]


def test_quickstart_example_publishes_the_quickstart_workflow(
    tmp_path: Path, pulumi_bin: Path, pulumi_server: LocalServer
) -> None:
    project = PulumiProject.from_example(tmp_path, pulumi_bin, pulumi_server, "pulumi-quickstart")
    project.run("up", "--yes")  # as the README says: preview, then update
    out = project.outputs()
    assert out["trigger_secret"] == "[secret]"
    with project.client() as client:
        live = client.get_live(out["workflow_id"])
        assert [w.id for w in project.workflows(client)] == [out["workflow_id"]]
    assert live.name == "API quickstart logger" and live.status == "active"
    assert live.version == out["live_version"]
    assert definitions_equal(QUICKSTART, live.definition.model_dump(by_alias=True, exclude_none=True))
    assert project.preview("--expect-no-changes").returncode == 0
    project.destroy()
    with project.client() as client:
        assert client.get_workflow(out["workflow_id"]).status == "archived"


def test_folder_example_declares_one_workflow_per_file(
    tmp_path: Path, pulumi_bin: Path, pulumi_server: LocalServer
) -> None:
    project = PulumiProject.from_example(tmp_path, pulumi_bin, pulumi_server, "pulumi-folder")
    up = project.up()
    assert "b3os:index:WorkflowFolder" in up.stdout
    ids = project.outputs()["workflow_ids"]
    assert set(ids) == {"audit-log", "greeter", "nightly-draft"}
    with project.client() as client:
        statuses = {w.name: w.status for w in project.workflows(client)}
    assert statuses == {"Greeter": "active", "Audit log": "paused", "Nightly report (draft)": "draft"}
    assert project.preview("--expect-no-changes").returncode == 0
