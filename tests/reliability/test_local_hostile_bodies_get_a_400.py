"""Issue 18 #10: b3os-local answers hostile input with a 400 and the usual envelope, never a 500.

Deep JSON (RecursionError before), numbers beyond int64 (OverflowError) and lone UTF-16
surrogates (UnicodeEncodeError) in names, log messages, run payloads and webhook bodies, on
every route that reads a body, including the unauthenticated webhook route.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from b3os.local import LocalServer
from b3os.local.jsonbody import MAX_DEPTH

LOG = {"nodes": {"root": {"type": "manual", "payload": {}, "children": ["l"]},
                 "l": {"type": "log", "payload": {"message": "hi"}, "children": []}}}  # fmt: skip
BIG = 2**63


def _deep(depth: int) -> bytes:
    return b'{"payload":' + b"[" * depth + b"]" * depth + b"}"


def _assert_400(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 400, (response.status_code, response.text[:300])
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "details", "requestId"} and body["code"] == 400001
    assert "internal error" not in body["message"]
    return body


@pytest.fixture
def ctx(local: LocalServer) -> Any:
    client = httpx.Client(
        base_url=local.url, headers={"Authorization": f"Bearer {local.api_key}"}, timeout=30
    )
    wf = client.post("/v1/workflows", json={"name": "w", "description": "", "definition": LOG}).json()["data"]
    client.post(f"/v1/workflows/{wf['id']}/publish", json={})
    yield client, wf
    client.close()


def _body_routes(wf: dict[str, Any]) -> list[tuple[str, str]]:
    wid = wf["id"]
    return [("POST", "/v1/workflows"), ("POST", "/v1/workflows/validate"), ("PUT", f"/v1/workflows/{wid}"),
            ("POST", f"/v1/workflows/{wid}/publish"), ("POST", f"/v1/workflows/{wid}/rollback"),
            ("PUT", f"/v1/workflows/{wid}/visibility"), ("POST", f"/v1/workflows/{wid}/run"),
            ("POST", "/v1/runs"), ("POST", "/v1/runs/sync"),
            ("POST", "/v1/runs/run_x/nodes/n/resume"),
            ("POST", f"/v1/webhooks/{wf['triggerSecret']}")]  # fmt: skip


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 990, 5_000, 100_000])
def test_deep_json_bodies_get_a_400_on_every_body_route(ctx: Any, depth: int) -> None:
    client, wf = ctx
    for method, path in _body_routes(wf):
        got = _assert_400(
            client.request(method, path, content=_deep(depth), headers={"content-type": "application/json"})
        )
        assert "nested deeper" in got["message"], (path, got["message"])


def test_a_body_just_within_the_depth_limit_is_accepted(ctx: Any) -> None:
    client, wf = ctx
    nested: Any = "x"
    for _ in range(MAX_DEPTH - 4):  # {payload: {k: ...}} inside the run body
        nested = [nested]
    got = client.post(f"/v1/workflows/{wf['id']}/run", json={"payload": {"k": nested}})
    assert got.status_code == 200, got.text


SURROGATE = '"\\ud800"'  # a JSON escape: the raw body is plain ASCII


@pytest.mark.parametrize(
    ("where", "template"),
    [("workflow name", '{"name": %s, "description": "", "definition": {"nodes": {"root": {"type": "manual", "payload": {}}}}}'),
     ("log message", '{"name": "n", "description": "", "definition": {"nodes": {"root": {"type": "manual", "payload": {}, "children": ["l"]}, "l": {"type": "log", "payload": {"message": %s}}}}}'),
     ("object key", '{"name": "n", "description": "", "definition": {"nodes": {%s: {"type": "manual", "payload": {}}}}}')],
)  # fmt: skip
def test_lone_surrogates_in_workflow_bodies_get_a_400(ctx: Any, where: str, template: str) -> None:
    client, _ = ctx
    raw = (template % SURROGATE).encode()
    for method, path in (("POST", "/v1/workflows"), ("POST", "/v1/workflows/validate")):
        got = _assert_400(
            client.request(method, path, content=raw, headers={"content-type": "application/json"})
        )
        assert "surrogate" in got["message"], where


def test_lone_surrogates_in_run_payloads_and_webhook_bodies_get_a_400(ctx: Any) -> None:
    client, wf = ctx
    raw = ('{"payload": {"text": ' + SURROGATE + "}}").encode()
    headers = {"content-type": "application/json"}
    for path in (f"/v1/workflows/{wf['id']}/run", "/v1/runs"):
        _assert_400(client.post(path, content=raw, headers=headers))
    _assert_400(
        httpx.post(f"{client.base_url}/v1/webhooks/{wf['triggerSecret']}", content=raw, headers=headers)
    )
    # a valid surrogate pair is an ordinary character and is kept
    pair = json.dumps({"payload": {"text": "\U0001f600"}}, ensure_ascii=True).encode()
    assert client.post(f"/v1/workflows/{wf['id']}/run", content=pair, headers=headers).status_code == 200


def test_numbers_beyond_int64_or_a_double_get_a_400(ctx: Any) -> None:
    client, wf = ctx
    wid = wf["id"]
    for method, path, body in [("PUT", f"/v1/workflows/{wid}", {"cooldownMs": BIG}),
                               ("PUT", f"/v1/workflows/{wid}", {"maxRuns": BIG}),
                               ("POST", f"/v1/workflows/{wid}/rollback", {"targetVersion": BIG}),
                               ("POST", f"/v1/workflows/{wid}/run", {"version": BIG}),
                               ("POST", f"/v1/workflows/{wid}/publish", {"expectedVersion": -BIG - 1})]:  # fmt: skip
        _assert_400(client.request(method, path, json=body))
    for raw in (b'{"payload": {"x": 1e400}}', b'{"payload": {"x": -1e999}}', b'{"payload": {"x": NaN}}'):
        _assert_400(
            client.post(f"/v1/workflows/{wid}/run", content=raw, headers={"content-type": "application/json"})
        )
    for path in ("/v1/workflows", "/v1/runs", f"/v1/workflows/{wid}/runs", f"/v1/workflows/{wid}/versions"):
        _assert_400(client.get(path, params={"offset": str(BIG)}))
    _assert_400(client.get(f"/v1/workflows/{wid}/versions/{BIG}"))


@pytest.mark.parametrize("path", ["/v1/workflows/%ED%A0%80", "/v1/workflows?q=%ED%A0%80", "/v1/runs/%ED%A0%80",
                                  "/v1/actions/%ED%A0%80", "/v1/workflows?status=%00"])  # fmt: skip
def test_hostile_paths_and_queries_never_get_a_5xx(ctx: Any, path: str) -> None:
    client, _ = ctx
    assert client.get(path).status_code < 500
