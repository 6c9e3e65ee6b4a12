"""The B3OS API quickstart, verbatim: four curl calls and ``curl -N …/stream`` against b3os-local."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from b3os.local import LocalServer

# The commands exactly as the quickstart prints them (shared/quickstart.md, steps 1-4 + stream).
CREATE = """curl -sS -X POST "$B3OS_API_URL/v1/workflows" \\
  -H "Authorization: Bearer $B3OS_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{ "name": "API quickstart logger", "description": "A minimal workflow created from the API.", "definition": { "nodes": { "root": { "type": "manual", "payload": { "inputSchema": { "type": "object", "properties": { "message": { "type": "string" } } } }, "children": ["log_message"] }, "log_message": { "type": "log", "payload": { "message": "Incoming message: {{$trigger.body.message}}" }, "children": [] } } } }'"""
VALIDATE = """curl -sS -X POST "$B3OS_API_URL/v1/workflows/validate" \\
  -H "Authorization: Bearer $B3OS_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d @workflow.json"""
PUBLISH = """curl -sS -X POST "$B3OS_API_URL/v1/workflows/$WORKFLOW_ID/publish" \\
  -H "Authorization: Bearer $B3OS_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{}'"""
RUN = """curl -sS -X POST "$B3OS_API_URL/v1/workflows/$WORKFLOW_ID/run" \\
  -H "Authorization: Bearer $B3OS_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{ "payload": { "message": "Hello from the API" }, "simulate": true }'"""
STREAM = """curl -N "$B3OS_API_URL/v1/runs/$RUN_ID/stream" \\
  -H "Authorization: Bearer $B3OS_API_KEY\""""

DEFINITION = {
    "nodes": {
        "root": {
            "type": "manual",
            "payload": {"inputSchema": {"type": "object", "properties": {"message": {"type": "string"}}}},
            "children": ["log_message"],
        },
        "log_message": {
            "type": "log",
            "payload": {"message": "Incoming message: {{$trigger.body.message}}"},
            "children": [],
        },
    }
}


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_quickstart_verbatim(server: LocalServer, tmp_path: Path) -> None:
    server.reset()
    env = {**os.environ, "B3OS_API_URL": server.url, "B3OS_API_KEY": server.api_key}
    # The quickstart leaves workflow.json unspecified; the validate endpoint takes {definition, name}.
    (tmp_path / "workflow.json").write_text(
        json.dumps({"name": "API quickstart logger", "definition": DEFINITION})
    )

    def sh(command: str) -> str:
        done = subprocess.run(
            ["bash", "-c", command], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=30
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    created = json.loads(sh(CREATE))
    assert created["code"] == 200 and created["data"]["status"] == "draft"
    env["WORKFLOW_ID"] = created["data"]["id"]
    assert json.loads(sh(VALIDATE))["data"] == {"valid": True, "errors": []}
    assert json.loads(sh(PUBLISH))["data"]["status"] == "active"
    env["RUN_ID"] = json.loads(sh(RUN))["data"]["runId"]
    stream = sh(STREAM)
    assert "Incoming message: Hello from the API" in stream
    assert (
        stream.count("event: run_completed") == 1
        and '"status":"success"' in stream.split("run_completed")[-1]
    )
