"""Helpers for the b3os-local suite: envelope checks, workflow creation, run polling."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

LOG_DEFINITION: dict[str, Any] = {
    "nodes": {
        "root": {"type": "manual", "payload": {}, "children": ["log_message"]},
        "log_message": {
            "type": "log",
            "payload": {"message": "Incoming message: {{$trigger.body.message}}"},
            "children": [],
        },
    }
}


def data(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == 200 and body["message"] == "success" and body["requestId"].startswith("req_")
    return body["data"]


def error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "details", "requestId"}
    assert body["code"] // 1000 == status and isinstance(body["details"], list)
    return body


def create(
    api: httpx.Client, definition: dict[str, Any] | None = None, name: str = "wf", **extra: Any
) -> Any:
    body = {"name": name, "description": "test workflow", "definition": definition or LOG_DEFINITION, **extra}
    return data(api.post("/v1/workflows", json=body))


def wait_for_run(
    api: httpx.Client,
    run_id: str,
    done: Callable[[dict[str, Any]], bool] | None = None,
    timeout: float = 10.0,
) -> Any:
    """Poll GET /v1/runs/{id} until it is terminal (or ``done`` says so)."""
    check = done or (lambda r: r["status"] in ("success", "partial", "failure", "cancelled"))
    deadline = time.monotonic() + timeout
    while True:
        run = data(api.get(f"/v1/runs/{run_id}"))
        if check(run):
            return run
        assert time.monotonic() < deadline, f"run did not reach the expected state: {run['status']}"
        time.sleep(0.02)


def run(api: httpx.Client, wf_id: str, **body: Any) -> str:
    return str(data(api.post(f"/v1/workflows/{wf_id}/run", json=body))["runId"])
