"""The native provider with the real CLI: Pulumi YAML on Pulumi's own YAML language host,
``pulumi import``, ``pulumi package get-schema``, and team state on an S3 backend (moto).

The plugin is installed the two documented ways: into the plugin cache with
``pulumi plugin install resource b3os … --file`` (the YAML projects here, ambient plugins
ignored), and found on PATH (the Python programs of test_native_matrix.py).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from b3os._version import __version__
from b3os.local import LocalServer
from pulumi_b3os.native.schema import schema
from tests.pulumi.harness import PulumiProject, Result
from tests.support import QUICKSTART_DEFINITION, with_message

pytestmark = pytest.mark.pulumi

PLUGIN = Path(sys.executable).parent / "pulumi-resource-b3os"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pulumi-yaml"
SLACK_TOKEN = "xoxb-native-test-token-1234"


@pytest.fixture(scope="session")
def yaml_host(pulumi_bin: Path) -> Path:
    if not (pulumi_bin / "pulumi-language-yaml").exists():
        message = f"pulumi-language-yaml is not in {pulumi_bin}: run scripts/install-pulumi.sh (it builds it)"
        if os.environ.get("B3OS_REQUIRE_PULUMI"):
            pytest.fail(message + " (B3OS_REQUIRE_PULUMI is set)")
        pytest.skip(message)
    return pulumi_bin


def yaml_project(root: Path, bin_dir: Path, server: LocalServer, doc: dict[str, Any]) -> PulumiProject:
    """A Pulumi YAML project with its own backend, b3os-local organization and plugin cache."""
    org_id, api_key = server.create_org()
    project = PulumiProject(root, root / "project", bin_dir, server, org_id, api_key)
    project.dir.mkdir(parents=True)
    write(project, doc)
    project._init_stack()
    project.env["PULUMI_IGNORE_AMBIENT_PLUGINS"] = "true"
    project.run("plugin", "install", "resource", "b3os", __version__, "--file", str(PLUGIN))
    return project


def write(project: PulumiProject, doc: dict[str, Any]) -> None:
    (project.dir / "Pulumi.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))


def example_doc() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((EXAMPLE / "Pulumi.yaml").read_text())
    return doc


def workflow_doc(resources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": "b3os-native-test",
        "runtime": "yaml",
        "resources": {name: {"type": "b3os:index:Workflow", **body} for name, body in resources.items()},
    }


def assert_clean(result: Result) -> None:
    """A failure reads as one message: no Python traceback, no dump of the definition."""
    assert "Traceback" not in result.output and 'File "' not in result.output
    assert "has a problem: property" not in result.output and "inputSchema" not in result.output


def test_example_definition_is_the_quickstart() -> None:
    assert example_doc()["resources"]["quickstart"]["properties"]["definition"] == QUICKSTART_DEFINITION


def test_get_schema_returns_the_generated_schema(yaml_host: Path, tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")},
        "PULUMI_HOME": str(tmp_path),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }
    done = subprocess.run(
        [str(yaml_host / "pulumi"), "package", "get-schema", str(PLUGIN)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == schema()


def test_yaml_lifecycle(tmp_path: Path, yaml_host: Path, pulumi_server: LocalServer) -> None:
    """The example as committed: up publishes; no-op preview writes nothing; a one-node change is
    named in --diff and --json; refresh sees an out-of-band edit; destroy archives."""
    doc = example_doc()
    p = yaml_project(tmp_path, yaml_host, pulumi_server, doc)
    (p.dir / "Pulumi.yaml").write_text((EXAMPLE / "Pulumi.yaml").read_text())  # byte for byte as committed
    p.run("config", "set", "--secret", "slackToken", SLACK_TOKEN)

    up = p.up()
    assert "created" in up.stdout and "Traceback" not in up.output
    wf_id = p.outputs()["workflowId"]
    with p.client() as client:
        made = client.get_workflow(wf_id)
    assert made.status == "active" and made.name == "API quickstart logger"
    with p.client() as client:
        connectors = list(client.connectors.iter())
    assert [c.name for c in connectors] == ["team slack"]
    outputs = p.outputs(show_secrets=True)
    assert outputs["connectorId"] == connectors[0].id and outputs["webhookSigningSecret"]
    state = p.export()
    assert p.api_key not in state  # the key is a secret in the state
    assert made.trigger_secret and made.trigger_secret not in state  # so is the trigger secret
    assert SLACK_TOKEN not in state and outputs["webhookSigningSecret"] not in state

    mark = p.mark()
    p.preview("--expect-no-changes")
    assert p.calls(since=mark).writes == 0

    changed = copy.deepcopy(doc)
    changed["resources"]["quickstart"]["properties"]["definition"] = with_message(
        "v2 {{$trigger.body.message}}"
    )
    write(p, changed)
    mark = p.mark()
    diff = p.preview("--diff")
    assert "~ definition" in diff.stdout and "message" in diff.stdout and "v2 " in diff.stdout
    assert "replace" not in diff.stdout
    as_json = json.loads(p.preview("--json").stdout)
    step = next(s for s in as_json["steps"] if s.get("urn", "").endswith("::quickstart"))
    assert step["op"] == "update"
    assert step["diffReasons"] == ["definition"]
    assert step["detailedDiff"] == {
        "definition.nodes.log_message.payload.message": {"kind": "update", "inputDiff": False}
    }
    assert p.calls(since=mark).writes == 0
    p.up()
    with p.client() as client:
        live = client.get_live(wf_id).model_dump(by_alias=True, mode="json")
    assert live["definition"]["nodes"]["log_message"]["payload"]["message"].startswith("v2 ")

    # out of band: someone edits the live workflow; refresh shows it, the next preview wants it back
    with p.client() as client:
        current = client.get_workflow(wf_id)
        edited = client.update_workflow(
            wf_id, definition=with_message("edited elsewhere"), expected_current_version=current.version
        )
        client.publish(wf_id, expected_version=edited.version)
    refresh = p.refresh()
    assert "~ " in refresh.stdout and "updated" in refresh.stdout.lower()
    drift = p.preview("--diff", "--expect-no-changes", check=False)
    assert drift.returncode != 0 and "edited elsewhere" in drift.stdout

    # a bad definition: one clear check failure, no traceback, no definition dump
    broken = copy.deepcopy(changed)
    broken["resources"]["quickstart"]["properties"]["definition"]["nodes"]["root"]["children"] = ["nowhere"]
    write(p, broken)
    bad = p.preview(check=False)
    assert bad.returncode != 0 and "nowhere" in bad.output
    assert_clean(bad)
    # a wrong API key: "invalid API key", nothing else (refresh would use the key in the state)
    write(p, changed)
    p.run("config", "set", "--secret", "b3os:apiKey", "b3sk_not_a_valid_key_00000000")
    denied = p.up(check=False)
    assert denied.returncode != 0 and "invalid API key" in denied.output
    assert_clean(denied)
    assert "b3sk_not_a_valid_key" not in denied.output
    p.run("config", "set", "--secret", "b3os:apiKey", p.api_key)
    p.up()  # the state's provider config holds the key: restore it before destroy

    p.destroy()
    with p.client() as client:
        assert client.get_workflow(wf_id).status == "archived"
        assert list(client.connectors.iter()) == []  # connectors and webhooks are deleted


def test_import_then_no_changes(tmp_path: Path, yaml_host: Path, pulumi_server: LocalServer) -> None:
    """`pulumi import` of a workflow made through the API, and `options: import:` in YAML; then
    the program declaring the same content previews with no changes."""
    p = yaml_project(tmp_path, yaml_host, pulumi_server, workflow_doc({}))
    with p.client() as client:
        first = client.create_workflow("made elsewhere", "by the API", QUICKSTART_DEFINITION)
        client.publish(first.id)
        second = client.create_workflow("also elsewhere", "", with_message("second"))
        client.publish(second.id)

    imported = p.run("import", "b3os:index:Workflow", "legacy", first.id, "--yes", "--protect=false")
    assert "imported" in imported.stdout.lower() and "Traceback" not in imported.output
    declared = {
        "legacy": {
            "properties": {
                "name": "made elsewhere",
                "description": "by the API",
                "definition": QUICKSTART_DEFINITION,
            }
        },
        "adopted": {
            "properties": {"name": "also elsewhere", "definition": with_message("second")},
            "options": {"import": second.id},
        },
    }
    write(p, workflow_doc(declared))
    mark = p.mark()
    up = p.up()
    assert "imported" in up.stdout.lower()
    assert p.calls(since=mark).writes == 0
    mark = p.mark()
    p.preview("--expect-no-changes")
    assert p.calls(since=mark).writes == 0
    with p.client() as client:
        names = [w.name for w in client.list_workflows().items]
    assert sorted(names) == ["also elsewhere", "made elsewhere"]  # nothing duplicated
    p.destroy()


def test_s3_backend_two_concurrent_ups_on_one_stack(
    tmp_path: Path, yaml_host: Path, pulumi_server: LocalServer
) -> None:
    """Team state on an S3-compatible backend (moto): two `pulumi up` at once on one stack; one
    waits or fails on the stack lock, and there is one workflow, not two."""
    import boto3
    from moto.server import ThreadedMotoServer

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    try:
        host, port = moto.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        creds = {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1",
        }
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                     aws_secret_access_key="testing").create_bucket(Bucket="team-state")  # fmt: skip
        org_id, api_key = pulumi_server.create_org()
        p = PulumiProject(tmp_path, tmp_path / "project", yaml_host, pulumi_server, org_id, api_key)
        p.dir.mkdir(parents=True)
        quickstart = {"properties": {"name": "API quickstart logger", "definition": QUICKSTART_DEFINITION}}
        write(p, workflow_doc({"quickstart": quickstart}))
        (tmp_path / "state").mkdir()
        (tmp_path / "home").mkdir()
        p.env = p._environment()
        p.env.pop("PULUMI_BACKEND_URL")
        p.env.update(creds, PULUMI_IGNORE_AMBIENT_PLUGINS="true")
        p.run("login", f"s3://team-state?endpoint={endpoint}&s3ForcePathStyle=true&region=us-east-1")
        p.run("stack", "init", "team")
        p.run("config", "set", "b3os:apiUrl", pulumi_server.url)
        p.run("config", "set", "--secret", "b3os:apiKey", api_key)
        p.run("plugin", "install", "resource", "b3os", __version__, "--file", str(PLUGIN))
        pulumi_server.inject_faults(error_rate=0.0, latency_ms=300.0, path="/v1/workflows")

        results: list[Result] = []

        def up() -> None:
            results.append(p.up(check=False))

        threads = [threading.Thread(target=up) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        pulumi_server.clear_faults()
        codes = sorted(r.returncode for r in results)
        if codes[0] != 0:  # both raced for the lock and both saw the other's: Pulumi refuses both
            assert all("lock" in r.output.lower() for r in results), results[0].output + results[1].output
            results.append(p.up())  # the next up goes through
            codes = [0, *codes]
        if codes[1] != 0:
            loser = next(r for r in results if r.returncode != 0)
            assert "lock" in loser.output.lower(), loser.output
        with p.client() as client:
            names = [w.name for w in client.list_workflows().items]
        assert names == ["API quickstart logger"]
        p.run("preview", "--expect-no-changes")
        p.destroy()
        objects = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                               aws_secret_access_key="testing").list_objects_v2(Bucket="team-state")  # fmt: skip
        keys = [o["Key"] for o in objects.get("Contents", [])]
        assert any("stacks/" in k for k in keys), keys  # the state really is in the bucket
    finally:
        pulumi_server.clear_faults()
        moto.stop()
