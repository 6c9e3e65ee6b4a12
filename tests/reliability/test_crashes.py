"""Crashes: `b3os apply` killed with SIGKILL while creating 30 workflows, and b3os-local killed
and restarted in the middle of a run."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from b3os.client import Client
from b3os.local import LocalServer
from b3os.workflow import WorkflowSpec, ensure
from tests.reliability import figures
from tests.reliability.helpers import (
    run_cli_process,
    spawn_cli,
    workflow_names,
    write_specs,
)
from tests.reliability.test_faults_cli import assert_converged
from tests.support import Calls

COUNT = 30


def wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def creates(server: LocalServer) -> int:
    return sum(1 for e in server.requests() if e["method"] == "POST" and e["path"] == "/v1/workflows")


@pytest.mark.slow
def test_kill_9_of_b3os_apply_while_creating_30_then_rerun_converges_without_duplicates(
    local: LocalServer, tmp_path: Path
) -> None:
    directory = tmp_path / "workflows"
    names = write_specs(directory, COUNT, prefix="crash")
    # Slow down only the create call ("/v1/workflow[s]" is a glob: exactly that path) so the kill
    # lands in the middle of the creates, possibly with one create in flight.
    local.inject_faults(error_rate=0.0, latency_ms=150, path="/v1/workflow[s]", methods=["POST"])
    proc = spawn_cli(["apply", str(directory)], url=local.url, key=local.api_key, log=tmp_path / "apply.log")
    try:
        # Created, not only sent: the apply has `parallelism` creates in flight at once.
        wait_for(lambda: len(workflow_names(local)) >= 10, 60, "10 workflows created")
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
    local.clear_faults()
    time.sleep(0.3)  # a create in flight when the client died still completes on the server
    made = len(workflow_names(local))
    assert 0 < made < COUNT, f"the kill landed mid-way ({made} of {COUNT} created)"

    # The documented recovery: run the same apply again.
    local.clear_requests()
    again = run_cli_process(["apply", str(directory)], url=local.url, key=local.api_key)
    assert again.code == 0, again.err
    ops = Calls.of(local.requests()).by_operation
    assert ops["POST /v1/workflows"] == COUNT - made, "only the missing ones are created"
    assert_converged(local, directory, names)
    local.clear_requests()
    assert run_cli_process(["apply", str(directory)], url=local.url, key=local.api_key).code == 0
    assert Calls.of(local.requests()).writes == 0
    figures.add("crashes_recovered")
    figures.add("workflows_converged", COUNT)


SLOW_RUN = {
    "nodes": {
        "root": {"type": "manual", "payload": {}, "children": ["before"]},
        "before": {"type": "log", "payload": {"message": "started"}, "children": ["nap"]},
        "nap": {"type": "delay", "payload": {"delayMs": 60_000}, "children": ["after"]},
        "after": {"type": "log", "payload": {"message": "never reached"}, "children": []},
    }
}


@pytest.mark.slow
@pytest.mark.parametrize("how", ["kill -9", "terminate"])
def test_b3os_local_restart_mid_run_keeps_state_and_the_run_fails_with_a_reason(
    how: str, tmp_path: Path
) -> None:
    with LocalServer(port=0, mode="subprocess", heartbeat=0.5) as server:
        with Client(base_url=server.url, api_key=server.api_key) as client:
            result = ensure(client, WorkflowSpec.build(name="long runner", definition=SLOW_RUN))
            before = client.get_workflow(result.outputs["id"])
        log = tmp_path / "run.log"
        proc = spawn_cli(["run", "long runner", "--follow"], url=server.url, key=server.api_key, log=log)
        try:
            wait_for(lambda: "nap" in log.read_text(errors="replace"), 30, "the run to reach the delay node")
            if how == "kill -9":
                server.kill()
                server.start()
            else:
                server.restart()
            code = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        output = log.read_text(errors="replace")

        with Client(base_url=server.url, api_key=server.api_key) as client:
            after = client.get_workflow(before.id)
            assert (after.id, after.version, after.status) == (before.id, before.version, before.status)
            assert after.definition == before.definition, "state intact after the restart"
            runs = list(client.iter_runs(workflow_id=before.id))
            assert len(runs) == 1
            run = client.get_run(runs[0].id)
        assert run.status == "failure"
        assert "restarted" in str(run.model_dump()), "the run records why it failed"
        assert code == 1, output
        assert "failure" in output and "restarted" in output, f"the client reports it:\n{output}"
    figures.add("crashes_recovered")


def test_the_node_interrupted_by_a_crash_is_marked_failed_with_the_reason() -> None:
    with LocalServer(port=0, mode="subprocess") as server:
        with Client(base_url=server.url, api_key=server.api_key) as client:
            wf_id = ensure(client, WorkflowSpec.build(name="long runner", definition=SLOW_RUN)).outputs["id"]
            run_id = client.run_workflow(wf_id)
            wait_for(lambda: client.get_run(run_id).execution_state["nap"].status == "running", 10, "nap")  # type: ignore[index]
        server.kill()
        server.start()
        with Client(base_url=server.url, api_key=server.api_key) as client:
            run = client.get_run(run_id)
    assert run.status == "failure"
    nap = (run.execution_state or {})["nap"]
    assert nap.status == "failure" and "restarted" in str(nap.result)
