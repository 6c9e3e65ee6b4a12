"""Auth and tenancy (§2): bearer keys belong to organizations; orgs never see each other."""

from __future__ import annotations

import httpx
import pytest

from b3os.local import LocalServer
from tests.local.helpers import create, data, error, run, wait_for_run


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer b3sk_wrong"}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer"}],
    ids=["missing", "unknown", "not-bearer", "empty"],
)
def test_every_b3os_route_needs_a_valid_key(server: LocalServer, headers: dict[str, str]) -> None:
    for method, path in [("GET", "/v1/workflows"), ("POST", "/v1/workflows"), ("GET", "/v1/runs/run_x"),
                         ("POST", "/v1/workflows/validate"), ("GET", "/v1/nothing")]:  # fmt: skip
        body = error(httpx.request(method, server.url + path, headers=headers, json={}), 401)
        assert "b3sk_wrong" not in body["message"]


def test_org_isolation(api: httpx.Client, server: LocalServer) -> None:
    wf = create(api)
    run_id = run(api, wf["id"])
    wait_for_run(api, run_id)
    org, key = server.create_org()
    assert org.startswith("org_") and key.startswith("b3sk_") and org != server.org_id
    other = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"})
    assert data(other.get("/v1/workflows"))["items"] == []
    assert data(other.get("/v1/runs"))["items"] == []
    for method, path in [("GET", f"/v1/workflows/{wf['id']}"), ("PUT", f"/v1/workflows/{wf['id']}"),
                         ("POST", f"/v1/workflows/{wf['id']}/publish"), ("DELETE", f"/v1/workflows/{wf['id']}"),
                         ("POST", f"/v1/workflows/{wf['id']}/run"), ("GET", f"/v1/workflows/{wf['id']}/versions"),
                         ("GET", f"/v1/runs/{run_id}"), ("POST", f"/v1/runs/{run_id}/cancel"),
                         ("POST", f"/v1/runs/{run_id}/retry"), ("GET", f"/v1/workflows/{wf['id']}/runs")]:  # fmt: skip
        error(other.request(method, path, json={"name": "stolen"}), 404)
    # visibility is checked before the body or the query: bad input on another org's id is still a 404
    for method, path, body in [("POST", f"/v1/workflows/{wf['id']}/rollback", {}),
                               ("PUT", f"/v1/workflows/{wf['id']}/visibility", {}),
                               ("POST", f"/v1/workflows/{wf['id']}/run", {"payload": 1}),
                               ("GET", f"/v1/workflows/{wf['id']}/versions/x", None),
                               ("GET", f"/v1/workflows/{wf['id']}/versions?limit=0", None),
                               ("GET", f"/v1/workflows/{wf['id']}/runs?limit=0", None)]:  # fmt: skip
        error(other.request(method, path, json=body), 404)
    mine = create(other)
    assert mine["organizationId"] == org
    assert [w["id"] for w in data(api.get("/v1/workflows"))["items"]] == [wf["id"]]
    other.close()


def test_keys_are_never_echoed(api: httpx.Client, server: LocalServer) -> None:
    wf = create(api)
    texts = [api.get(f"/v1/workflows/{wf['id']}").text, api.get("/v1/runs").text, str(server.requests())]
    texts.append(repr(server))
    assert all(server.api_key not in t for t in texts)
