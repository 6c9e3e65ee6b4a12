"""b3os-local execution webhooks over real HTTP: endpoints, the signing secret, and real signed
delivery of run events to a receiver on 127.0.0.1 (with retries up to maxRetries)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from b3os.local import LocalServer, is_write
from tests.local.helpers import create, data, error, run, wait_for_run


class Receiver:
    """An HTTP server on 127.0.0.1 that records POSTs and answers ``status`` (one per request,
    the last one repeating)."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = list(statuses)
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                with receiver.lock:
                    receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[tuple[dict[str, str], bytes]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} deliveries, got {len(self.received)}")


@pytest.fixture
def receiver_factory() -> Iterator[Callable[[list[int]], Receiver]]:
    made: list[Receiver] = []

    def make(statuses: list[int]) -> Receiver:
        made.append(Receiver(statuses))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def fast(server: LocalServer, api: httpx.Client) -> Iterator[None]:
    """Compress the delivery backoff (1 s · 2^n) like every other b3os-local wait."""
    server.set_time_scale(0.01)
    yield
    server.set_time_scale(1.0)


def _hook(api: httpx.Client, url: str, **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = data(
        api.post("/v1/execution-webhooks", json={"name": "ops", "url": url, **extra})
    )
    return result


def _wait_delivery(api: httpx.Client, hook_id: str, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while True:
        items = data(api.get("/v1/execution-webhooks/deliveries", params={"endpointId": hook_id}))["items"]
        if items and done(items[0]):
            return dict(items[0])
        assert time.monotonic() < deadline, items
        time.sleep(0.02)


def test_create_returns_the_signing_secret_once(api: httpx.Client) -> None:
    created = _hook(api, "http://127.0.0.1:9/x", subscribedEventTypes=["run.failed"], maxRetries=2)
    secret, endpoint = created["signingSecret"], created["endpoint"]
    assert isinstance(secret, str) and len(secret) >= 32
    assert endpoint["status"] == "active" and endpoint["subscribedEventTypes"] == ["run.failed"]
    assert endpoint["maxRetries"] == 2 and endpoint["id"].startswith("weh_")
    hook_id = endpoint["id"]
    for response in (api.get(f"/v1/execution-webhooks/{hook_id}"), api.get("/v1/execution-webhooks")):
        assert (
            response.status_code == 200
            and secret not in response.text
            and "signingSecret" not in response.text
        )


def test_enable_disable_update_regenerate_delete(api: httpx.Client) -> None:
    created = _hook(api, "http://127.0.0.1:9/x")
    hook_id = created["endpoint"]["id"]
    disabled = data(api.post(f"/v1/execution-webhooks/{hook_id}/disable"))
    assert disabled["status"] == "disabled" and disabled["disabledAt"]
    enabled = data(api.post(f"/v1/execution-webhooks/{hook_id}/enable"))
    assert enabled["status"] == "active" and "disabledAt" not in enabled
    updated = data(api.put(f"/v1/execution-webhooks/{hook_id}", json={"maxRetries": 5, "name": "renamed"}))
    assert (updated["maxRetries"], updated["name"], updated["url"]) == (5, "renamed", "http://127.0.0.1:9/x")
    new_secret = data(api.post(f"/v1/execution-webhooks/{hook_id}/regenerate-secret"))["signingSecret"]
    assert new_secret != created["signingSecret"]
    assert data(api.delete(f"/v1/execution-webhooks/{hook_id}")) is None
    error(api.get(f"/v1/execution-webhooks/{hook_id}"), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://127.0.0.1:9/x"}, "name"),
        ({"name": "n"}, "url"),
        ({"name": "n", "url": "ftp://127.0.0.1/x"}, "url"),
        ({"name": "n", "url": "https://example.com/hook"}, "B3OS_LOCAL_WEBHOOK_ALLOW_REMOTE"),
        ({"name": "n", "url": "http://127.0.0.1:9/x", "maxRetries": 11}, "maxRetries"),
        ({"name": "n", "url": "http://127.0.0.1:9/x", "maxRetries": True}, "maxRetries"),
        (
            {"name": "n", "url": "http://127.0.0.1:9/x", "subscribedEventTypes": ["run.exploded"]},
            "run.exploded",
        ),
    ],
    ids=["no-name", "no-url", "not-http", "remote-host", "too-many-retries", "bool-retries", "unknown-event"],
)
def test_bad_endpoints_are_refused_naming_the_field(
    api: httpx.Client, body: dict[str, Any], field: str
) -> None:
    assert field in error(api.post("/v1/execution-webhooks", json=body), 400)["message"]


def test_a_run_event_is_delivered_signed_to_a_loopback_receiver(
    api: httpx.Client, receiver_factory: Callable[[list[int]], Receiver]
) -> None:
    receiver = receiver_factory([204])
    created = _hook(api, receiver.url, subscribedEventTypes=["run.completed"])
    wf = create(api)
    run_id = run(api, wf["id"], payload={"message": "hi"})
    wait_for_run(api, run_id)
    headers, raw = receiver.wait_for(1)[0]
    expected = hmac.new(created["signingSecret"].encode(), raw, hashlib.sha256).hexdigest()
    assert headers["x-b3os-signature"] == expected
    event = json.loads(raw)
    assert (event["type"], event["runId"], event["workflowId"]) == ("run.completed", run_id, wf["id"])
    assert event["data"]["status"] == "success"
    delivery = _wait_delivery(api, created["endpoint"]["id"], lambda d: d["status"] == "success")
    assert (delivery["responseStatus"], delivery["retryCount"], delivery["eventType"]) == (
        204,
        0,
        "run.completed",
    )
    assert data(api.get(f"/v1/execution-webhooks/deliveries/{delivery['id']}"))["id"] == delivery["id"]
    time.sleep(0.2)
    assert len(receiver.received) == 1, "only the subscribed event type is delivered"


def test_a_failing_receiver_is_retried_up_to_max_retries(
    api: httpx.Client, fast: None, receiver_factory: Callable[[list[int]], Receiver]
) -> None:
    receiver = receiver_factory([500])
    hook_id = _hook(api, receiver.url, subscribedEventTypes=["run.completed"], maxRetries=2)["endpoint"]["id"]
    wait_for_run(api, run(api, create(api)["id"]))
    delivery = _wait_delivery(api, hook_id, lambda d: d["status"] == "failure")
    assert len(receiver.wait_for(3)) == 3, "one attempt plus maxRetries=2 retries"
    time.sleep(0.2)
    assert len(receiver.received) == 3, "and no more"
    assert (delivery["retryCount"], delivery["responseStatus"]) == (2, 500)
    assert "500" in delivery["errorMessage"]
    bodies = {raw for _, raw in receiver.received}
    assert len(bodies) == 1, "every retry sends the same signed body"


def test_a_receiver_that_recovers_ends_in_success(
    api: httpx.Client, fast: None, receiver_factory: Callable[[list[int]], Receiver]
) -> None:
    receiver = receiver_factory([503, 200])
    hook_id = _hook(api, receiver.url, subscribedEventTypes=["run.completed"], maxRetries=3)["endpoint"]["id"]
    wait_for_run(api, run(api, create(api)["id"]))
    delivery = _wait_delivery(api, hook_id, lambda d: d["status"] == "success")
    assert delivery["retryCount"] == 1 and len(receiver.received) == 2


def test_unreachable_receiver_fails_after_retries_then_replay_and_retry(
    api: httpx.Client, fast: None, receiver_factory: Callable[[list[int]], Receiver]
) -> None:
    receiver = receiver_factory([502])
    hook_id = _hook(api, receiver.url, subscribedEventTypes=["run.completed"], maxRetries=0)["endpoint"]["id"]
    wait_for_run(api, run(api, create(api)["id"]))
    failed = _wait_delivery(api, hook_id, lambda d: d["status"] == "failure")
    receiver.statuses = [200]
    retried = data(api.post(f"/v1/execution-webhooks/deliveries/{failed['id']}/retry"))
    assert retried["id"] == failed["id"]
    again = _wait_delivery(api, hook_id, lambda d: d["id"] == failed["id"] and d["status"] == "success")
    assert again["responseStatus"] == 200
    error(api.post(f"/v1/execution-webhooks/deliveries/{failed['id']}/retry"), 409)
    replayed = data(api.post(f"/v1/execution-webhooks/deliveries/{failed['id']}/replay"))
    assert replayed["id"] != failed["id"] and replayed["requestBody"] == failed["requestBody"]
    receiver.wait_for(3)


def test_disabled_endpoints_receive_nothing(
    api: httpx.Client, receiver_factory: Callable[[list[int]], Receiver]
) -> None:
    receiver = receiver_factory([200])
    hook_id = _hook(api, receiver.url)["endpoint"]["id"]
    data(api.post(f"/v1/execution-webhooks/{hook_id}/disable"))
    wait_for_run(api, run(api, create(api)["id"]))
    time.sleep(0.3)
    assert receiver.received == []


def test_all_events_when_no_types_are_subscribed(
    api: httpx.Client, receiver_factory: Callable[[list[int]], Receiver]
) -> None:
    receiver = receiver_factory([200])
    _hook(api, receiver.url)
    wait_for_run(api, run(api, create(api)["id"]))
    expected = {"run.started", "node.running", "node.succeeded", "run.completed"}
    types = [json.loads(raw)["type"] for _, raw in receiver.wait_for(3)]
    deadline = time.monotonic() + 10
    # Deliveries run on a pool (like a real sender's): they may arrive in any order, so wait for
    # the whole set, not for the run's last event.
    while not expected <= set(types) and time.monotonic() < deadline:
        time.sleep(0.05)
        types = [json.loads(raw)["type"] for _, raw in receiver.received]
    assert expected <= set(types)


def test_another_organization_sees_nothing_and_gets_no_deliveries(
    server: LocalServer, api: httpx.Client, receiver_factory: Callable[[list[int]], Receiver]
) -> None:
    receiver = receiver_factory([200])
    hook_id = _hook(api, receiver.url)["endpoint"]["id"]
    _, key = server.create_org()
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=10) as other:
        assert data(other.get("/v1/execution-webhooks"))["items"] == []
        for method, path in [
            ("GET", f"/v1/execution-webhooks/{hook_id}"),
            ("PUT", f"/v1/execution-webhooks/{hook_id}"),
            ("DELETE", f"/v1/execution-webhooks/{hook_id}"),
            ("POST", f"/v1/execution-webhooks/{hook_id}/disable"),
            ("POST", f"/v1/execution-webhooks/{hook_id}/regenerate-secret"),
        ]:
            error(other.request(method, path, json={}), 404)
        wait_for_run(other, run(other, create(other)["id"]))
        assert data(other.get("/v1/execution-webhooks/deliveries"))["items"] == []
    time.sleep(0.3)
    assert receiver.received == [], "another organization's runs are not delivered here"


def test_writes_count_in_the_request_log(server: LocalServer, api: httpx.Client) -> None:
    server.clear_requests()
    hook_id = _hook(api, "http://127.0.0.1:9/x")["endpoint"]["id"]
    api.get(f"/v1/execution-webhooks/{hook_id}")
    api.get("/v1/execution-webhooks/deliveries")
    api.post(f"/v1/execution-webhooks/{hook_id}/disable")
    api.put(f"/v1/execution-webhooks/{hook_id}", json={"name": "x"})
    writes = [e["method"] for e in server.requests() if is_write(e)]
    assert writes == ["POST", "POST", "PUT"]
