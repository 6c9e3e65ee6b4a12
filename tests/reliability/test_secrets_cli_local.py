"""The API key and trigger secrets never appear in `b3os` CLI output or errors, in Python reprs and
exceptions, or in b3os-local's own output and request log. Each check scans captured text for the
exact secret values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest

from b3os.client import NO_RETRY, Client
from b3os.errors import B3OSError
from b3os.local import LocalServer
from b3os.workflow import WorkflowSpec, ensure, plan, read
from tests.reliability.helpers import (
    DEFINITION,
    FakeServer,
    assert_no_secrets,
    definition,
    run_cli,
    write_spec,
)

WAITING = {
    "nodes": {
        "root": {"type": "manual", "payload": {}, "children": ["hold"]},
        "hold": {"type": "wait", "payload": {"timeoutMs": 600000}, "children": []},
    }
}


def trigger_secrets(client: Client) -> dict[str, str | None]:
    secrets: dict[str, str | None] = {}
    for item in client.iter_workflows():
        state = read(client, WorkflowSpec.build(id=item.id))
        assert state is not None
        secret = state.wire.get("triggerSecret")
        assert secret, "b3os-local gives every workflow a trigger secret"
        secrets[f"trigger secret of {item.name}"] = secret
    return secrets


class EchoingServer(FakeServer):
    """A broken server/proxy that echoes the request's Authorization header back in its errors."""

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        self.hits += 1
        length = int(request.headers.get("content-length") or 0)
        request.rfile.read(length)
        auth = request.headers.get("authorization", "")
        body = json.dumps(
            {
                "code": 400001,
                "message": f"bad request with header Authorization: {auth} (token {auth.split()[-1]})",
                "details": [{"header": auth, "echo": {"authorization": auth}}],
                "requestId": "req_echo",
            }
        ).encode()
        request.send_response(400)
        request.send_header("content-type", "application/json")
        request.send_header("content-length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)


@pytest.mark.slow  # ~15 s: the unreachable-server case waits out the bounded retries
def test_cli_output_and_errors_never_show_the_key_or_trigger_secrets(
    local: LocalServer, api: Client, tmp_path: Path
) -> None:
    directory = tmp_path / "wf"
    directory.mkdir()
    write_spec(directory, "secretive")
    (directory / "hook.json").write_text(
        json.dumps({"name": "hook", "state": "published", "definition": WAITING})
    )
    url, key = local.url, local.api_key
    outputs: dict[str, str] = {}
    outputs["apply"] = run_cli(["apply", str(directory)], url=url, key=key).text
    secrets: dict[str, str | None] = {"API key": key, **trigger_secrets(api)}
    outputs["apply --json (no changes)"] = run_cli(["apply", "--json", str(directory)], url=url, key=key).text
    write_spec(directory, "secretive", message="changed {{$trigger.body.message}}")
    outputs["plan"] = run_cli(["plan", str(directory)], url=url, key=key).text
    outputs["plan --json"] = run_cli(["plan", "--json", str(directory)], url=url, key=key).text
    outputs["apply --json"] = run_cli(["apply", "--json", str(directory)], url=url, key=key).text
    outputs["validate"] = run_cli(["validate", str(directory)], url=url, key=key).text
    outputs["run --follow"] = run_cli(
        ["run", "secretive", "--follow", "--payload", '{"message": "m"}'], url=url, key=key
    ).text
    followed = run_cli(["run", "secretive", "--follow", "--json"], url=url, key=key)
    outputs["run --follow --json"] = followed.text
    run_id = json.loads(followed.out.strip().splitlines()[-1])["run_id"]
    outputs["runs get"] = run_cli(["runs", "get", run_id], url=url, key=key).text
    outputs["runs get --json"] = run_cli(["runs", "get", "--json", run_id], url=url, key=key).text
    waiting = run_cli(["run", "hook", "--json"], url=url, key=key)
    outputs["run (waiting)"] = waiting.text
    outputs["runs cancel"] = run_cli(
        ["runs", "cancel", json.loads(waiting.out)["run_id"]], url=url, key=key
    ).text

    # Errors: a wrong key, an unreachable server, a server that echoes the Authorization header.
    wrong = "b3sk_wrong_key_value_123456"
    outputs["error: wrong key"] = run_cli(["plan", str(directory)], url=url, key=wrong).text
    secrets["wrong API key"] = wrong
    outputs["error: unreachable"] = run_cli(["plan", str(directory)], url="http://127.0.0.1:9", key=key).text
    with EchoingServer() as echo:
        echoed = run_cli(["plan", str(directory)], url=echo.url, key=key)
        outputs["error: echoing server"] = echoed.text
        assert echo.hits >= 1 and echoed.code == 1 and "bad request with header" in echoed.err

    for label, text in outputs.items():
        assert text.strip(), f"{label} printed nothing"
        assert_no_secrets(text, secrets, f"`b3os {label}` output")


def test_python_reprs_and_exceptions_never_show_secrets(local: LocalServer, api: Client) -> None:
    result = ensure(api, WorkflowSpec.build(name="repr", definition=WAITING))
    secret = result.outputs["trigger_secret"]
    assert secret
    secrets = {"API key": local.api_key, "trigger secret": secret}
    state = read(api, WorkflowSpec.build(name="repr"))
    the_plan = plan(WorkflowSpec.build(name="repr", definition=definition("other")), state)
    texts = {
        "repr(ApplyResult)": repr(result),
        "ApplyResult.workflow": json.dumps(result.workflow),
        "repr(WorkflowState)": repr(state),
        "repr(Plan)": repr(the_plan),
        "repr(Client)": repr(api),
        "repr(Workflow)": repr(api.get_workflow(result.outputs["id"])),
        "repr(LocalServer)": repr(local),
    }
    run_id = api.run_workflow(result.outputs["id"])
    errors: list[B3OSError] = []
    for call in (
        lambda: api.resume_node(run_id, "nowhere", secret=secret),
        lambda: api.resume_node("run_missing", "hold", secret=secret),
    ):
        try:
            call()
        except B3OSError as exc:
            errors.append(exc)
    with EchoingServer() as echo, Client(base_url=echo.url, api_key=local.api_key, retry=NO_RETRY) as leaky:
        try:
            leaky.get_workflow("wf_x")
        except B3OSError as exc:
            errors.append(exc)
    assert len(errors) == 3
    for i, exc in enumerate(errors):
        texts[f"error {i}: str"] = str(exc)
        texts[f"error {i}: repr"] = repr(exc)
        texts[f"error {i}: details"] = json.dumps(getattr(exc, "details", None))
    api.cancel_run(run_id)
    for label, text in texts.items():
        assert_no_secrets(text, secrets, label)


def test_b3os_local_output_and_request_log_never_show_secrets(tmp_path: Path) -> None:
    """b3os-local as users run it (`python -m b3os.local`), driven through keys, webhooks and errors."""
    key = "b3sk_local_log_probe_" + os.urandom(8).hex()
    log = tmp_path / "b3os-local.log"
    env = {**os.environ, "B3OS_LOCAL_API_KEYS": key}
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "b3os.local", "--port", "0", "--db", str(tmp_path / "db.sqlite")],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        url = _wait_for_url(log, proc)
        with Client(base_url=url, api_key=key) as client:
            hook = ensure(client, WorkflowSpec.build(name="hooked", definition=DEFINITION))
            waiting = ensure(client, WorkflowSpec.build(name="waiting", definition=WAITING))
            secrets = {"API key": key, **trigger_secrets(client)}
            with httpx.Client(base_url=url) as raw:
                assert (
                    raw.post(
                        f"/v1/webhooks/{hook.outputs['trigger_secret']}", json={"message": "hi"}
                    ).status_code
                    == 200
                )
                assert raw.post("/v1/webhooks/not-a-secret", json={}).status_code == 404
                raw.get("/v1/workflows", headers={"Authorization": f"Bearer {key}x"})  # wrong key
                raw.post("/v1/workflows", content=b"{broken", headers={"Authorization": f"Bearer {key}"})
            run_id = client.run_workflow(waiting.outputs["id"])
            time.sleep(0.3)
            client.resume_node(run_id, "hold", secret=waiting.outputs["trigger_secret"], data={"ok": True})
            try:
                client.resume_node(run_id, "hold", secret=waiting.outputs["trigger_secret"])
            except B3OSError:
                pass
            request_log: Any = httpx.get(f"{url}/_local/requests").json()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert_no_secrets(log.read_text(errors="replace"), secrets, "b3os-local's output")
    assert_no_secrets(json.dumps(request_log), secrets, "b3os-local's request log")
    assert any(e["path"] == "/v1/webhooks/{secret}" for e in request_log["items"])


def _wait_for_url(log: Path, proc: subprocess.Popen[bytes]) -> str:
    from b3os.local.server import READY_PREFIX

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith(READY_PREFIX):
                return line[len(READY_PREFIX) :].split()[0]
        assert proc.poll() is None, log.read_text()
        time.sleep(0.05)
    raise AssertionError("b3os-local did not start")
