"""Restart persistence (subprocess mode): state survives; runs in flight end as failure with a reason."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from b3os.local import LocalServer
from tests.local.helpers import create, data, run, wait_for_run
from tests.local.test_runs import WAIT


@pytest.fixture(scope="module")
def proc() -> Iterator[LocalServer]:
    with LocalServer(port=0, mode="subprocess", heartbeat=0.2) as srv:
        yield srv


def client(srv: LocalServer) -> httpx.Client:
    return httpx.Client(base_url=srv.url, headers={"Authorization": f"Bearer {srv.api_key}"}, timeout=10)


@pytest.mark.parametrize("crash", [False, True], ids=["sigterm", "kill"])
def test_state_survives_a_restart_and_in_flight_runs_fail(proc: LocalServer, crash: bool) -> None:
    with client(proc) as api:
        wf = create(api)
        api.post(f"/v1/workflows/{wf['id']}/publish")
        api.put(f"/v1/workflows/{wf['id']}", json={"name": "second"})
        done = run(api, wf["id"])
        wait_for_run(api, done)
        waiting_wf = create(api, WAIT)
        in_flight = run(api, waiting_wf["id"])
        wait_for_run(api, in_flight, lambda r: r["status"] == "waiting")
        port = proc.port
    if crash:
        proc.kill()
    proc.restart()
    assert proc.port == port
    with client(proc) as api:
        after = data(api.get(f"/v1/workflows/{wf['id']}"))
        assert (after["version"], after["status"], after["hasLiveVersion"], after["name"]) == (
            2,
            "draft",
            True,
            "second",
        )
        assert data(api.get(f"/v1/workflows/{wf['id']}/live"))["status"] == "active"
        assert data(api.get(f"/v1/runs/{done}"))["status"] == "success"
        failed = data(api.get(f"/v1/runs/{in_flight}"))
        assert failed["status"] == "failure" and "b3os-local" in failed["summary"]
        assert failed["executionState"]["hold"]["status"] == "failure"
        with api.stream("GET", f"/v1/runs/{in_flight}/stream") as response:
            lines = [line for line in response.iter_lines() if line.startswith("event: ")]
        assert lines[-1] == "event: run_completed"
