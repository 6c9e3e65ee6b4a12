"""b3os-local security: every non-public route rejects a missing or wrong key; a key of org B can
neither read, change, run nor stream org A's workflows and runs (404); oversized bodies are
refused; and no node type executes code or reaches the network."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from b3os.client import Client
from b3os.definition import BUILTIN_ACTION_TYPES
from b3os.local import LocalServer
from b3os.local.app import create_app
from b3os.local.catalog_routes import is_public
from b3os.workflow import WorkflowSpec, ensure
from tests.reliability import figures
from tests.reliability.helpers import DEFINITION, writes

PUBLIC = ("/v1/webhooks/",)


def _walk(node: Any, seen: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Every (method, path) of a Starlette/FastAPI route tree, through included routers and mounts."""
    for route in getattr(node, "routes", None) or []:
        path, methods = getattr(route, "path", None), getattr(route, "methods", None) or ()
        if path is not None:
            seen.update((m, path) for m in methods if m != "HEAD")  # HEAD mirrors GET, without a body
        for child in (getattr(route, "original_router", None), getattr(route, "app", None)):
            if child is not None and child is not node and hasattr(child, "routes"):
                _walk(child, seen)
    return seen


def api_routes() -> list[tuple[str, str]]:
    """Every B3OS route the b3os-local app serves, as (method, path template), read from the app."""
    app = create_app()
    try:
        return sorted((m, p) for m, p in _walk(app.asgi.app, set()) if not p.startswith("/_local"))
    finally:
        app.backend.close()


ROUTES = api_routes()
# The catalog GETs are public in the real service (issue 17): b3os-local's middleware says which.
CATALOG = [(m, p) for m, p in ROUTES if is_public(m, p)]
PROTECTED = [(m, p) for m, p in ROUTES if not p.startswith(PUBLIC) and (m, p) not in CATALOG]
# Routes that name one workflow or run: the ones org isolation is about.
OWNED = [(m, p) for m, p in PROTECTED if "{wf_id}" in p or "{run_id}" in p]


@pytest.fixture
def org_a(local: LocalServer, api: Client) -> Iterator[dict[str, str]]:
    """A published workflow with one finished run, in the server's default org."""
    result = ensure(api, WorkflowSpec.build(name="org a workflow", definition=DEFINITION))
    run_id = api.run_workflow(result.outputs["id"], payload={"message": "a"})
    deadline = time.monotonic() + 10
    while api.get_run(run_id).status == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    yield {
        "wf_id": result.outputs["id"],
        "run_id": run_id,
        "node_id": "log_message",
        "number": "1",
        "secret": "x",
    }


def fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), "x"), path)


# Bodies that would succeed for the owner: so a refusal can only come from auth or isolation.
BODIES = {
    "/v1/workflows": b'{"name": "hijack", "description": "", "definition": {"nodes": {"root": {"type": "manual", "payload": {}, "children": []}}}}',
    "/v1/workflows/{wf_id}": b'{"name": "hijacked"}',
    "/v1/workflows/{wf_id}/rollback": b'{"targetVersion": 1}',
    "/v1/workflows/{wf_id}/visibility": b'{"visibility": "public_execute"}',
    "/v1/workflows/{wf_id}/run": b'{"payload": {"message": "b"}}',
    "/v1/runs/{run_id}/nodes/{node_id}/resume": b'{"data": {}}',
}


def body_for(method: str, template: str = "") -> bytes | None:
    if method not in ("POST", "PUT"):
        return None
    return BODIES.get(template, b"{}")


def test_the_route_table_is_what_the_checks_cover() -> None:
    assert len(PROTECTED) >= 25 and len(OWNED) >= 20, ROUTES
    assert {p for _, p in CATALOG} == {
        "/v1/actions",
        "/v1/actions/{type}",
        "/v1/triggers",
        "/v1/triggers/{type}",
        "/v1/logic-actions",
        "/v1/connector-types",
        "/v1/connector-types/{type}",
    }
    assert {m for m, _ in CATALOG} == {"GET"}
    assert ("GET", "/v1/runs/{run_id}/stream") in OWNED and ("POST", "/v1/workflows/{wf_id}/run") in OWNED


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer b3sk_wrong_key_000000", "Bearer", "Basic dXNlcjpwYXNz", "b3sk_no_scheme", "Bearer a b"],
    ids=["missing", "wrong key", "empty bearer", "basic auth", "no scheme", "two tokens"],
)
def test_every_non_public_route_rejects_a_missing_or_wrong_key(
    authorization: str | None, local: LocalServer, api: Client, org_a: dict[str, str]
) -> None:
    before = api.get_workflow(org_a["wf_id"])
    local.clear_requests()
    headers = {"Authorization": authorization} if authorization is not None else {}
    with httpx.Client(base_url=local.url, timeout=10) as http:
        for method, template in PROTECTED:
            response = http.request(
                method, fill(template, org_a), headers=headers, content=body_for(method, template)
            )
            assert response.status_code == 401, (method, template, response.status_code, response.text)
            body = response.json()
            assert body["code"] // 1000 == 401 and body["message"], body
            figures.add("security_checks")
    assert all(e["status"] == 401 for e in local.requests())
    after = api.get_workflow(org_a["wf_id"])
    assert (after.version, after.status, after.updated_at) == (
        before.version,
        before.status,
        before.updated_at,
    )


def test_org_b_cannot_read_change_run_or_stream_org_a(
    local: LocalServer, api: Client, org_a: dict[str, str]
) -> None:
    _, key_b = local.create_org()
    before = api.get_workflow(org_a["wf_id"])
    runs_before = [r.id for r in api.iter_runs()]
    with httpx.Client(base_url=local.url, timeout=10, headers={"Authorization": f"Bearer {key_b}"}) as http:
        for method, template in OWNED:
            response = http.request(method, fill(template, org_a), content=body_for(method, template))
            assert response.status_code == 404, (method, template, response.status_code, response.text)
            assert (
                org_a["wf_id"] not in response.text.replace(fill(template, org_a), "")
                or "not found" in response.text
            )
            figures.add("security_checks")
        listed = http.get("/v1/workflows").json()["data"]["items"]
        archived = http.get("/v1/workflows", params={"status": "archived"}).json()["data"]["items"]
        runs = http.get("/v1/runs").json()["data"]["items"]
        assert listed == [] and archived == [] and runs == [], "org B sees nothing of org A"
        assert http.get("/v1/workflows", params={"q": "org a"}).json()["data"]["items"] == []
        figures.add("security_checks", 4)
    with Client(base_url=local.url, api_key=key_b) as client_b:
        assert list(client_b.iter_workflows()) == []
    after = api.get_workflow(org_a["wf_id"])
    assert (after.version, after.status, after.definition) == (
        before.version,
        before.status,
        before.definition,
    )
    assert [r.id for r in api.iter_runs()] == runs_before, "org B started no run of org A"


def test_oversized_bodies_are_refused_and_change_nothing(
    local: LocalServer, api: Client, org_a: dict[str, str]
) -> None:
    huge = (
        b'{"name": "huge", "description": "", "definition": {"nodes": {}}, "pad": "'
        + b"x" * (7 * 1024 * 1024)
        + b'"}'
    )
    auth = {"Authorization": f"Bearer {local.api_key}", "Content-Type": "application/json"}
    before = api.get_workflow(org_a["wf_id"])
    local.clear_requests()

    def chunked() -> Iterator[bytes]:  # no Content-Length: the limit must hold while streaming too
        for start in range(0, len(huge), 1 << 20):
            yield huge[start : start + (1 << 20)]

    with httpx.Client(base_url=local.url, timeout=30, headers=auth) as http:
        answers = [
            http.post("/v1/workflows", content=huge),
            http.post("/v1/workflows", content=chunked()),
            http.put(f"/v1/workflows/{org_a['wf_id']}", content=huge),
            http.post("/v1/workflows/validate", content=huge),
            http.post(f"/v1/workflows/{org_a['wf_id']}/run", content=huge),
        ]
    for response in answers:
        assert response.status_code == 413, response.text[:200]
        assert "too large" in response.json()["message"]
        figures.add("security_checks")
    assert [w.name for w in api.iter_workflows()] == ["org a workflow"]
    after = api.get_workflow(org_a["wf_id"])
    assert (after.version, after.updated_at) == (before.version, before.updated_at)
    assert len(list(api.iter_runs())) == 1


class Listener:
    """A loopback TCP listener that counts every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


def hostile_payload(port: int, marker: Path) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}/called"
    code = (
        f"__import__('os').system('touch {marker}'); open('{marker}', 'w').write('x'); "
        f"__import__('urllib.request').request.urlopen('{url}')"
    )
    return {
        "url": url, "endpoint": url, "webhookUrl": url, "targetUrl": url, "method": "POST",
        "headers": {"x-probe": "1"}, "body": {"probe": True}, "code": code, "script": code,
        "expression": code, "query": f"ATTACH DATABASE '{marker}' AS pwn; SELECT 1", "message": "{{" + code + "}}",
        "template": "{{" + code + "}}", "array": [1, 2], "workflowId": "wf_other", "key": "k", "value": "v",
        "pattern": ".*", "input": "x", "field": "a", "path": "a", "amount": "1", "decimals": 18, "list": [1],
        "delayMs": 1, "timeoutMs": 10, "condition": {"$and": [{"{{$trigger.body.x}}": {"$exists": True}}]},
    }  # fmt: skip


NODE_TYPES = sorted(BUILTIN_ACTION_TYPES) + [
    "slack-send-message",
    "coingecko-get-token-price",
    "http-request",
]


@pytest.mark.parametrize("simulate", [False, True], ids=["real run", "simulated run"])
def test_no_node_type_executes_code_or_reaches_the_network(
    simulate: bool, local: LocalServer, api: Client, tmp_path: Path
) -> None:
    listener = Listener()
    marker = tmp_path / "executed"
    local.set_time_scale(0.001)
    try:
        run_ids = []
        for node_type in NODE_TYPES:
            payload = hostile_payload(listener.port, marker)
            nodes: dict[str, Any] = {
                "root": {"type": "manual", "payload": {}, "children": ["probe"]},
                "probe": {"type": node_type, "payload": payload, "children": []},
            }
            if node_type == "for-each":
                nodes["probe"]["loopBody"] = ["inner"]
                nodes["inner"] = {
                    "type": "code-transform",
                    "payload": hostile_payload(listener.port, marker),
                    "children": [],
                }
            wf = api.create_workflow(f"probe {node_type}", "", {"nodes": nodes})
            run_ids.append(api.run_workflow(wf.id, payload={"x": 1}, simulate=simulate or None))
        deadline = time.monotonic() + 20
        pending = set(run_ids)
        while pending and time.monotonic() < deadline:
            pending = {r for r in pending if api.get_run(r).status in ("running", "waiting")}
            time.sleep(0.05)
        for run_id in pending:
            api.cancel_run(run_id)
        time.sleep(0.3)
    finally:
        listener.close()
    assert listener.connections == 0, "a node reached the network"
    assert not marker.exists(), "a node executed code"
    figures.add("security_checks", len(NODE_TYPES))
    assert writes(local) >= len(NODE_TYPES)  # the probes really ran through the API
