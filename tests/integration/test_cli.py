"""`b3os plan/apply/run/runs` end to end: the real command in a subprocess against b3os-local."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from b3os.client import Client
from b3os.local import LocalServer
from tests.support import Calls

QUICKSTART = Path(__file__).parents[2] / "examples" / "cli-quickstart" / "logger.yaml"


def b3os(server: LocalServer, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "B3OS_API_URL": server.url, "B3OS_API_KEY": server.api_key, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "b3os.cli", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def write_workflow(folder: Path, name: str, message: str, state: str = "published") -> Path:
    doc: dict[str, Any] = yaml.safe_load(QUICKSTART.read_text())
    doc.update(name=name, state=state)
    doc["definition"]["nodes"]["log_message"]["payload"]["message"] = message
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_plan_apply_plan_on_a_directory(b3os_local: LocalServer, b3os_client: Client, tmp_path: Path) -> None:
    for i in range(3):
        write_workflow(tmp_path, f"cli-{i}", f"Message {i}: {{{{$trigger.body.message}}}}")
    write_workflow(tmp_path, "cli-draft", "Draft: {{$trigger.body.message}}", state="draft")

    planned = b3os(b3os_local, "plan", str(tmp_path))
    assert planned.returncode == 2, planned.stderr
    assert "create, publish" in planned.stdout and "4 of 4 workflow(s) changed" in planned.stdout

    applied = b3os(b3os_local, "apply", str(tmp_path))
    assert applied.returncode == 0, applied.stderr
    assert "7 write(s) applied" in applied.stdout  # 3 × (create + publish) + 1 create

    b3os_local.clear_requests()
    again = b3os(b3os_local, "plan", str(tmp_path))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes: 4 workflow(s)" in again.stdout
    assert Calls.of(b3os_local.requests()).writes == 0

    write_workflow(tmp_path, "cli-1", "Changed: {{$trigger.body.message}}")
    changed = b3os(b3os_local, "plan", "--json", str(tmp_path))
    assert changed.returncode == 2
    doc = json.loads(changed.stdout)
    by_name = {w["name"]: w for w in doc["workflows"]}  # schema b3os.plan/1 (b3os/cli/jsonout.py)
    assert by_name["cli-1"]["actions"] == ["update", "publish"]
    assert by_name["cli-1"]["diff"]["changed"] == ["definition"]
    assert [w["changed"] for w in doc["workflows"]].count(True) == 1

    assert b3os(b3os_local, "apply", str(tmp_path)).returncode == 0
    b3os_local.clear_requests()
    assert b3os(b3os_local, "apply", str(tmp_path)).returncode == 0
    assert Calls.of(b3os_local.requests()).writes == 0
    names = sorted(w.name or "" for w in b3os_client.iter_workflows())
    assert names == ["cli-0", "cli-1", "cli-2", "cli-draft"]


def test_plan_shows_the_changed_node(b3os_local: LocalServer, tmp_path: Path) -> None:
    write_workflow(tmp_path, "shown", "Before: {{$trigger.body.message}}")
    assert b3os(b3os_local, "apply", str(tmp_path)).returncode == 0
    write_workflow(tmp_path, "shown", "After: {{$trigger.body.message}}")
    planned = b3os(b3os_local, "plan", str(tmp_path))
    assert planned.returncode == 2
    assert "log_message" in planned.stdout and "After:" in planned.stdout and "Before:" in planned.stdout


def test_invalid_file_fails_before_any_request(b3os_local: LocalServer, tmp_path: Path) -> None:
    write_workflow(tmp_path, "good", "fine {{$trigger.body.message}}")
    bad = write_workflow(tmp_path, "bad", "x")
    doc = yaml.safe_load(bad.read_text())
    doc["definition"]["nodes"]["root"]["children"] = ["log_message", "ghost"]
    bad.write_text(yaml.safe_dump(doc))
    b3os_local.clear_requests()
    result = b3os(b3os_local, "apply", str(tmp_path))
    assert result.returncode == 1
    assert "ghost" in result.stderr and "root" in result.stderr
    assert b3os_local.requests() == []


def test_quickstart_file_applies_and_runs_with_follow(b3os_local: LocalServer) -> None:
    assert b3os(b3os_local, "apply", str(QUICKSTART)).returncode == 0
    run = b3os(
        b3os_local,
        "run",
        "API quickstart logger",
        "--payload",
        '{"message": "Hello from the API"}',
        "--simulate",
        "--follow",
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "run_started" in run.stdout
    assert "Incoming message: Hello from the API" in run.stdout
    assert ": success" in run.stdout
    match = re.search(r"^run (run_\w+): success$", run.stdout, re.MULTILINE)
    assert match, run.stdout
    got = b3os(b3os_local, "runs", "get", match.group(1), "--json")
    assert got.returncode == 0
    assert json.loads(got.stdout)["logs"] == ["Incoming message: Hello from the API"]


FAILING: dict[str, Any] = {
    "nodes": {
        "root": {"type": "manual", "payload": {}, "children": ["price"]},
        "price": {"type": "coingecko-get-token-price", "payload": {"tokenId": "bitcoin"}, "children": []},
    }
}


def test_run_follow_of_a_failing_node_exits_non_zero_and_shows_the_error(
    b3os_local: LocalServer, b3os_client: Client
) -> None:
    b3os_client.create_workflow("fails", "", FAILING)
    result = b3os(b3os_local, "run", "fails", "--follow")
    assert result.returncode == 1
    assert "price" in result.stdout and "failure" in result.stdout
    assert "node 'price'" in result.stdout  # the node's error line


WAITING: dict[str, Any] = {
    "nodes": {
        "root": {"type": "manual", "payload": {}, "children": ["hold"]},
        "hold": {"type": "wait", "payload": {"timeoutMs": 600000}, "children": []},
    }
}


def test_run_follow_ends_when_the_run_is_cancelled(b3os_local: LocalServer, b3os_client: Client) -> None:
    wf = b3os_client.create_workflow("waits", "", WAITING)
    env = {**os.environ, "B3OS_API_URL": b3os_local.url, "B3OS_API_KEY": b3os_local.api_key, "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "b3os.cli", "run", "waits", "--follow"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        run_id = None
        deadline = time.monotonic() + 30
        while run_id is None and time.monotonic() < deadline:
            runs = b3os_client.list_runs(workflow_id=wf.id).items
            waiting = [r for r in runs if r.status == "waiting"]
            run_id = waiting[0].id if waiting else None
            time.sleep(0.2)
        assert run_id, "the run never reached the wait node"
        b3os_client.cancel_run(run_id)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 1, out + err
    assert "cancelled" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "nobody", "--follow"], "no workflow 'nobody'"),
        (["run", "x", "--payload", "{not json"], "--payload is not valid JSON"),
        (["run", "x", "--payload", "[1]"], "must be a JSON object"),
        (["plan", "/nonexistent"], "no such file or directory"),
    ],
    ids=["unknown workflow", "payload not JSON", "payload not an object", "missing path"],
)
def test_cli_errors_are_one_clear_line(b3os_local: LocalServer, args: list[str], message: str) -> None:
    result = b3os(b3os_local, *args)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert b3os_local.api_key not in result.stdout + result.stderr


def test_validate_asks_the_server_about_every_file_and_writes_nothing(
    b3os_local: LocalServer, tmp_path: Path
) -> None:
    write_workflow(tmp_path, "v-1", "One {{$trigger.body.message}}")
    write_workflow(tmp_path, "v-2", "Two {{$trigger.body.message}}")
    b3os_local.clear_requests()
    result = b3os(b3os_local, "validate", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["valid", "valid"]
    calls = Calls.of(b3os_local.requests())
    assert calls.by_operation["POST /v1/workflows/validate"] == 2 and calls.writes == 0

    b3os_local.clear_requests()
    offline = b3os(b3os_local, "validate", "--offline", str(tmp_path))
    assert offline.returncode == 0 and b3os_local.requests() == []
