"""SSE streams (§8.3, G1): order, one terminal event then close, heartbeats, late and early subscribers."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx

from b3os.local import LocalServer
from tests.local.helpers import create, data, error, run, wait_for_run
from tests.local.test_runs import WAIT


def read_stream(
    client: httpx.Client, path: str, limit: float = 10.0
) -> tuple[list[dict[str, Any]], list[str]]:
    """All frames of a stream until the server closes it: (events, raw lines)."""
    events: list[dict[str, Any]] = []
    lines: list[str] = []
    started = time.monotonic()
    with client.stream("GET", path) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in response.iter_lines():
            lines.append(line)
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                event = json.loads(line[6:])
                assert event["type"] == name  # both parsing styles agree
                events.append(event)
            assert time.monotonic() - started < limit
    return events, lines


def test_run_stream_order_and_termination(api: httpx.Client) -> None:
    wid = create(api)["id"]
    run_id = run(api, wid, payload={"message": "hello"})
    events, _ = read_stream(api, f"/v1/runs/{run_id}/stream")
    assert [e["type"] for e in events] == ["run_started", "node_started", "node_completed", "run_completed"]
    assert all(e["runId"] == run_id for e in events)
    assert (
        events[2]["nodeId"] == "log_message" and events[2]["result"]["message"] == "Incoming message: hello"
    )
    assert events[-1]["status"] == "success" and events[-1]["finishedAt"].endswith("Z")


def test_late_subscriber_gets_the_terminal_event_at_once(api: httpx.Client) -> None:
    wid = create(api)["id"]
    run_id = run(api, wid)
    wait_for_run(api, run_id)
    started = time.monotonic()
    events, _ = read_stream(api, f"/v1/runs/{run_id}/stream")
    assert time.monotonic() - started < 2.0
    assert events[-1]["type"] == "run_completed" and [e["type"] for e in events].count("run_completed") == 1


def test_subscriber_before_the_run_exists_waits_for_it(api: httpx.Client) -> None:
    wid = create(api)["id"]
    result: dict[str, Any] = {}

    def follow() -> None:
        result["events"], _ = read_stream(api, "/v1/runs/run_chosenbyclient/stream")

    reader = threading.Thread(target=follow)
    reader.start()
    time.sleep(0.3)
    run(api, wid, runId="run_chosenbyclient")
    reader.join(10)
    assert [e["type"] for e in result["events"]][0] == "run_started"
    assert result["events"][-1]["type"] == "run_completed"


def test_waiting_runs_stream_run_waiting_and_heartbeats(api: httpx.Client, server: LocalServer) -> None:
    wf = create(api, WAIT)
    run_id = run(api, wf["id"])
    result: dict[str, Any] = {}

    def follow() -> None:
        result["events"], result["lines"] = read_stream(api, f"/v1/runs/{run_id}/stream")

    reader = threading.Thread(target=follow)
    reader.start()
    wait_for_run(api, run_id, lambda r: r["status"] == "waiting")
    time.sleep(0.5)  # heartbeat interval is 0.2 s in this suite
    api.post(f"/v1/runs/{run_id}/nodes/hold/resume", params={"secret": wf["triggerSecret"]}, json={})
    reader.join(10)
    types = [e["type"] for e in result["events"]]
    assert types.index("run_waiting") < types.index("run_completed") == len(types) - 1
    assert "node_skipped" in types
    assert any(line.startswith(":") for line in result["lines"])


def test_stream_waits_bounded_for_a_run_that_never_comes(api: httpx.Client, server: LocalServer) -> None:
    server.configure(stream_wait_seconds=0.3)
    events, _ = read_stream(api, "/v1/runs/run_nevercreated/stream")
    assert events == [{"type": "error", "runId": "run_nevercreated", "error": events[0]["error"]}]
    error(api.get("/v1/runs/not-a-run-id/stream"), 400)


def test_cancelled_run_stream_ends_with_cancelled(api: httpx.Client) -> None:
    wid = create(api, WAIT)["id"]
    run_id = run(api, wid)
    wait_for_run(api, run_id, lambda r: r["status"] == "waiting")
    api.post(f"/v1/runs/{run_id}/cancel")
    events, _ = read_stream(api, f"/v1/runs/{run_id}/stream")
    assert events[-1]["type"] == "run_completed" and events[-1]["status"] == "cancelled"


def test_workflow_runs_stream_reports_starts_and_ends(api: httpx.Client) -> None:
    wid = create(api)["id"]
    seen: list[dict[str, Any]] = []
    opened = threading.Event()

    def follow() -> None:
        with api.stream("GET", f"/v1/workflows/{wid}/runs/stream") as response:
            opened.set()
            for line in response.iter_lines():
                if line.startswith("data: "):
                    seen.append(json.loads(line[6:]))
                if len([e for e in seen if e["type"] == "run_completed"]) == 2:
                    return

    reader = threading.Thread(target=follow)
    reader.start()
    opened.wait(5)
    time.sleep(0.1)
    ids = [run(api, wid), run(api, wid)]
    reader.join(10)
    assert not reader.is_alive()
    assert {e["runId"] for e in seen} == set(ids)
    assert [e["type"] for e in seen].count("run_started") == 2
    error(api.get("/v1/workflows/wf_missing/runs/stream"), 404)


def test_other_orgs_run_stream_is_404(api: httpx.Client, server: LocalServer) -> None:
    wid = create(api)["id"]
    run_id = run(api, wid)
    _, other_key = server.create_org()
    other = httpx.get(
        f"{server.url}/v1/runs/{run_id}/stream", headers={"Authorization": f"Bearer {other_key}"}
    )
    error(other, 404)
    assert data(api.get(f"/v1/runs/{run_id}"))["id"] == run_id
