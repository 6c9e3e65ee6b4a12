"""The /_local control API: request log, fault injection, body limit, reset, config."""

from __future__ import annotations

import httpx
import pytest

from b3os.local import LocalServer
from tests.local.helpers import LOG_DEFINITION, create, data, error


def test_request_log_records_every_b3os_request_in_order(api: httpx.Client, server: LocalServer) -> None:
    wid = create(api)["id"]
    api.get(f"/v1/workflows/{wid}")
    api.get("/v1/workflows/wf_missing")
    httpx.get(f"{server.url}/v1/workflows")  # no key: logged too, with its 401
    server.requests()  # control calls are never logged
    entries = server.requests()
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("POST", "/v1/workflows", 200),
        ("GET", f"/v1/workflows/{wid}", 200),
        ("GET", "/v1/workflows/wf_missing", 404),
        ("GET", "/v1/workflows", 401),
    ]
    assert all(e["durationMs"] >= 0 and e["at"].endswith("Z") for e in entries)
    assert entries[0]["organizationId"] == server.org_id and entries[3]["organizationId"] is None
    assert [e["path"] for e in server.requests(since=3)] == ["/v1/workflows"]
    server.clear_requests()
    assert server.requests() == []


def test_faults_return_the_envelope_with_retry_after(api: httpx.Client, server: LocalServer) -> None:
    server.inject_faults(error_rate=1.0, statuses=(429,), retry_after=0.5, latency_ms=0, path="/v1/workflows")
    response = api.get("/v1/workflows")
    body = error(response, 429)
    assert response.headers["retry-after"] == "0.5" and "injected" in body["message"]
    assert api.get("/v1/runs").status_code == 200  # outside the path filter
    assert [e["status"] for e in server.requests()] == [429, 200]
    server.clear_faults()
    assert api.get("/v1/workflows").status_code == 200


def test_fault_rate_and_method_filter(api: httpx.Client, server: LocalServer) -> None:
    server.inject_faults(
        error_rate=0.5, statuses=(503, 502), retry_after=None, latency_ms=0, methods=["GET"], seed=7
    )
    statuses = [api.get("/v1/workflows").status_code for _ in range(60)]
    assert 10 < statuses.count(200) < 50 and set(statuses) == {200, 502, 503}
    assert create(api)["id"]  # POST is not filtered in
    server.clear_faults()


def test_fault_glob_path_and_latency(api: httpx.Client, server: LocalServer) -> None:
    wid = create(api)["id"]
    server.clear_requests()
    server.inject_faults(error_rate=0.0, latency_ms=500, path="/v1/workflows/*")
    api.get(f"/v1/workflows/{wid}")
    api.get("/v1/runs")
    slow, fast = server.requests()  # server-side durations: not skewed by the client's scheduling
    assert slow["durationMs"] >= 500 and fast["durationMs"] < 400
    server.clear_faults()


@pytest.mark.parametrize(
    "body",
    [
        {"errorRate": 2},
        {"statuses": [200]},
        {"statuses": "503"},
        {"latencyMs": -1},
        {"methods": "GET"},
        {"path": 3},
    ],
)
def test_bad_fault_settings_are_400(server: LocalServer, body: dict[str, object]) -> None:
    assert httpx.put(f"{server.url}/_local/faults", json=body).status_code == 400


def test_body_size_limit_is_413_with_envelope(api: httpx.Client) -> None:
    big = {"name": "n", "description": "x" * (6 * 1024 * 1024 + 10), "definition": LOG_DEFINITION}
    error(api.post("/v1/workflows", json=big), 413)

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(7):
            yield b"x" * (1024 * 1024)

    error(api.post("/v1/workflows", content=chunks()), 413)  # chunked, no content-length


def test_reset_drops_state_but_keeps_the_bootstrap_key(api: httpx.Client, server: LocalServer) -> None:
    create(api)
    org, key = server.create_org()
    server.reset()
    assert data(api.get("/v1/workflows"))["items"] == []
    error(httpx.get(f"{server.url}/v1/workflows", headers={"Authorization": f"Bearer {key}"}), 401)
    assert [(e["path"], e["status"]) for e in server.requests()] == [
        ("/v1/workflows", 200),
        ("/v1/workflows", 401),
    ]
    health = httpx.get(f"{server.url}/_local/health").json()
    assert health["status"] == "ok" and health["organizationId"] == server.org_id


def test_config_round_trip_and_validation(server: LocalServer) -> None:
    assert server.configure(time_scale=0.5)["timeScale"] == 0.5
    assert httpx.put(f"{server.url}/_local/config", json={"timeScale": -1}).status_code == 400
    server.reset()
    assert server.configure()["timeScale"] == 1.0
