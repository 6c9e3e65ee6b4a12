"""Pulumi, round 2: a preview that could not reach the API says that server validation was
skipped; a refresh leaves no false definition diff; secret-named payload values never reach
Pulumi's output, diffs or state in plain text."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from b3os.local import LocalServer
from tests.pulumi.conftest import pulumi_bin  # noqa: F401 - the harness's fixture: CLI or a clear skip
from tests.pulumi.harness import PulumiProject
from tests.reliability.helpers import assert_no_secrets

pytestmark = pytest.mark.pulumi

# Spelled the way people write it: empty payloads and children given explicitly.
SPELLED_OUT: dict[str, Any] = {
    "nodes": {
        "root": {"type": "manual", "payload": {}, "children": ["say"]},
        "say": {"type": "log", "payload": {"message": "hi {{$trigger.body.message}}"}, "children": []},
    }
}

SECRETS = {
    "Authorization header": "Bearer s3cr3t-t0ken-value-0042",
    "X-Api-Key header": "xapikey-9876543210-abcdef",
    "password": "hunter2-pass-word-0042",
    "token": "tok-1234567890-zyxw",
}


def _with_secrets(message: str) -> dict[str, Any]:
    return {
        "nodes": {
            "root": {"type": "manual", "payload": {}, "children": ["call"]},
            "call": {
                "type": "send-webhook",
                "payload": {
                    "url": "https://hooks.example.com/in",
                    "method": "POST",
                    "headers": {
                        "Authorization": SECRETS["Authorization header"],
                        "X-Api-Key": SECRETS["X-Api-Key header"],
                    },
                    "body": {"password": SECRETS["password"], "token": SECRETS["token"], "text": message},
                },
                "children": [],
            },
        }
    }


@pytest.fixture
def project(tmp_path: Path, pulumi_bin: Path, local: LocalServer) -> PulumiProject:  # noqa: F811
    return PulumiProject.create(tmp_path, pulumi_bin, local)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_preview_with_an_unreachable_api_warns_that_server_validation_was_skipped(
    project: PulumiProject,
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    project.run("config", "set", "b3os:apiUrl", url)
    project.declare({"wf": {"name": "offline preview", "definition": SPELLED_OUT}})
    result = project.run("preview", check=False, timeout=180)
    text = " ".join(result.output.split())
    assert "server validation skipped" in text, result.output
    assert url in text and "could not be reached" in text and "local validator only" in text
    assert "Traceback" not in result.output


def test_refresh_of_a_paused_or_resumed_workflow_leaves_no_false_definition_diff(
    project: PulumiProject, local: LocalServer
) -> None:
    project.declare({"wf": {"name": "resumed one", "definition": SPELLED_OUT}})
    project.up()
    with project.client() as client:
        (wf,) = project.workflows(client)
        client.pause(wf.id)
    project.refresh()
    drift = project.preview("--diff")
    assert "~ state" in drift.stdout and '"paused" => "published"' in drift.stdout, drift.stdout
    for false_change in (
        "+ payload",
        "+ children",
        "- children",
        "- payload",
        "- description",
        "~ definition",
    ):
        assert false_change not in drift.stdout, (false_change, drift.stdout)
    project.up()  # resumes it
    project.refresh()
    since = project.mark()
    assert project.preview("--expect-no-changes", "--diff").returncode == 0
    assert project.calls(since).writes == 0
    # and resumed out of band while the program says paused
    project.declare({"wf": {"name": "resumed one", "definition": SPELLED_OUT, "state": "paused"}})
    project.up()
    with project.client() as client:
        client.resume(wf.id)
    project.refresh()
    drift = project.preview("--diff")
    assert '"published" => "paused"' in drift.stdout, drift.stdout
    assert "+ payload" not in drift.stdout and "+ children" not in drift.stdout, drift.stdout


def test_secret_named_payload_values_never_reach_pulumi_output_or_state_in_plain_text(
    project: PulumiProject,
) -> None:
    project.declare({"wf": {"name": "with secrets", "definition": _with_secrets("one")}})
    texts = {
        "preview --diff": project.preview("--diff").output,
        "up --diff": project.up("--diff").output,
        "stack output --json": project.run("stack", "output", "--json").output,
        "stack export": project.export(),
    }
    project.declare({"wf": {"name": "with secrets", "definition": _with_secrets("two")}})
    texts["preview --diff of a change"] = project.preview("--diff").output
    texts["up --diff of a change"] = project.up("--diff").output
    texts["refresh --diff"] = project.run("refresh", "--yes", "--diff").output
    texts["stack export after refresh"] = project.export()
    texts["preview after refresh"] = project.preview("--diff", "--expect-no-changes").output
    for where, text in texts.items():
        assert_no_secrets(text, SECRETS, f"pulumi {where}")
    for path in (project.root / "state").rglob("*"):
        if path.is_file():
            assert_no_secrets(path.read_bytes().decode(errors="replace"), SECRETS, f"state file {path.name}")
    assert "[secret]" in texts["preview --diff of a change"]
    # still works: the content reached the server, whole
    with project.client() as client:
        (wf,) = project.workflows(client)
        definition = client.get_workflow(wf.id).model_dump(by_alias=True, mode="json")["definition"]
    body = definition["nodes"]["call"]["payload"]["body"]
    assert body["password"] == SECRETS["password"] and body["text"] == "two"
