# Copyright: b3os-iac contributors
# Apache License 2.0 (see LICENSE at https://www.apache.org/licenses/LICENSE-2.0)

"""workflow_run: waiting, failing on a failed run, wait=false, the timeout, check mode."""

from __future__ import annotations

import threading

import pytest
from b3os.models import RunEvent

from ansible_collections.b3os.b3os.plugins.modules import workflow_run


def final_run(status, message="Incoming message: hi"):
    log = {"type": "log", "status": status, "result": {"message": message}}
    if status == "failure":
        log["result"] = {"error": "boom"}
    return {
        "id": "run_1",
        "workflowId": "wf_1",
        "status": status,
        "executionState": {"root": {"type": "manual", "status": "success", "result": {}}, "log_message": log},
    }


class FakeClient:
    def __init__(self, status="success", block=None):
        self.status = status
        self.block = block
        self.started = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def run_workflow(self, wf_id, **kwargs):
        self.started.append((wf_id, kwargs))
        return "run_2"

    def run_and_follow(self, wf_id, **kwargs):
        self.started.append((wf_id, kwargs))
        yield RunEvent(type="run_started", run_id="run_1", status="running")
        if self.block is not None:
            self.block.wait(5)
        yield RunEvent(type="run_final", run_id="run_1", status=self.status, data=final_run(self.status))


@pytest.fixture
def client(monkeypatch):
    holder = {"client": FakeClient()}
    monkeypatch.setattr(workflow_run, "make_client", lambda module: holder["client"])
    return holder


def test_waits_and_returns_status_nodes_and_logs(run_module, client):
    result = run_module(workflow_run, dict(id="wf_1", payload={"message": "hi"}, simulate=True))
    assert result["changed"] is True
    assert result["status"] == "success"
    assert result["logs"] == ["Incoming message: hi"]
    assert result["nodes"]["log_message"]["status"] == "success"
    assert result["events"] == ["run_started", "run_final"]
    assert client["client"].started[0][1]["payload"] == {"message": "hi"}
    assert client["client"].started[0][1]["simulate"] is True


def test_failed_run_fails_the_task_with_the_node_error(run_module, client):
    client["client"] = FakeClient(status="failure")
    result = run_module(workflow_run, dict(id="wf_1"))
    assert result["failed"] is True
    assert "failure" in result["msg"] and "boom" in result["msg"]


def test_failed_run_can_be_allowed(run_module, client):
    client["client"] = FakeClient(status="failure")
    result = run_module(workflow_run, dict(id="wf_1", fail_on_run_failure=False))
    assert not result.get("failed")
    assert result["status"] == "failure"


def test_wait_false_returns_the_run_id_at_once(run_module, client):
    result = run_module(workflow_run, dict(id="wf_1", wait=False))
    assert result["run_id"] == "run_2" and result["status"] == "running"


def test_wait_timeout_fails_with_the_run_id(run_module, client):
    gate = threading.Event()
    client["client"] = FakeClient(block=gate)
    try:
        result = run_module(workflow_run, dict(id="wf_1", wait_timeout=0.3))
    finally:
        gate.set()
    assert result["failed"] is True
    assert "run_1" in result["msg"] and "wait_timeout" in result["msg"]


def test_check_mode_starts_nothing(run_module, client):
    result = run_module(workflow_run, dict(id="wf_1"), check=True)
    assert result["changed"] is True
    assert client["client"].started == []
