"""A fuzz pass over the implemented paths: random ids, query strings and JSON bodies never get a 500,
and every non-2xx answer is the B3OS error envelope."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b3os.local import LocalServer
from tests.local.helpers import LOG_DEFINITION

ROUTES = [
    ("GET", "/v1/workflows"), ("POST", "/v1/workflows"), ("POST", "/v1/workflows/validate"),
    ("GET", "/v1/workflows/{wf}"), ("PUT", "/v1/workflows/{wf}"), ("DELETE", "/v1/workflows/{wf}"),
    ("POST", "/v1/workflows/{wf}/unarchive"), ("POST", "/v1/workflows/{wf}/publish"),
    ("POST", "/v1/workflows/{wf}/pause"), ("POST", "/v1/workflows/{wf}/resume"),
    ("GET", "/v1/workflows/{wf}/draft"), ("DELETE", "/v1/workflows/{wf}/draft"), ("GET", "/v1/workflows/{wf}/live"),
    ("GET", "/v1/workflows/{wf}/versions"), ("GET", "/v1/workflows/{wf}/versions/count"),
    ("GET", "/v1/workflows/{wf}/versions/{n}"), ("POST", "/v1/workflows/{wf}/rollback"),
    ("GET", "/v1/workflows/{wf}/trigger-info"), ("PUT", "/v1/workflows/{wf}/visibility"),
    ("POST", "/v1/workflows/{wf}/run"), ("GET", "/v1/workflows/{wf}/runs"), ("GET", "/v1/runs"),
    ("GET", "/v1/runs/{run}"), ("POST", "/v1/runs/{run}/cancel"), ("POST", "/v1/runs/{run}/retry"),
    ("POST", "/v1/runs/{run}/nodes/{node}/resume"), ("POST", "/v1/webhooks/{secret}"),
]  # fmt: skip
FIELDS = ["name", "description", "definition", "payload", "runId", "version", "simulate", "targetVersion",
          "versionNumber", "expectedVersion", "expectedCurrentVersion", "visibility", "cooldownMs", "maxRuns",
          "data", "nodes", "limit", "offset", "status", "q", "sort", "type", "summary", "nodeIds", "secret"]  # fmt: skip

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=12,
)
bodies = st.one_of(
    st.none(),
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6),
    st.fixed_dictionaries(
        {"name": st.text(max_size=300), "description": st.text(max_size=5), "definition": json_values}
    ),
    st.just({"name": "n", "description": "", "definition": LOG_DEFINITION}),
    st.binary(max_size=40),
)
ids = st.one_of(
    st.text(min_size=1, max_size=30), st.sampled_from(["KNOWN", "wf_x", "run_x", "0", "-1", "99"])
)
STATUSES: set[int] = set()
queries = st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=12) | st.integers().map(str), max_size=4)


def test_no_500_on_random_requests_and_every_status_class_reached(fuzz_target: dict[str, Any]) -> None:
    # One test, so the closing check sees every example (under pytest-xdist a separate test could
    # run on another worker, before or without the examples).
    STATUSES.clear()
    random_request(fuzz_target)
    assert {200, 400, 404} <= STATUSES, STATUSES


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(ROUTES), params=st.fixed_dictionaries({k: ids for k in ("wf", "n", "run", "node", "secret")}),
       body=bodies, query=queries)  # fmt: skip
def random_request(
    fuzz_target: dict[str, Any],
    route: tuple[str, str],
    params: dict[str, str],
    body: Any,
    query: dict[str, str],
) -> None:
    method, template = route
    known = {"wf": fuzz_target["wf"], "run": fuzz_target["run"], "n": "1", "node": "log_message",
             "secret": fuzz_target["secret"]}  # fmt: skip
    path = template.format(**{k: known[k] if v == "KNOWN" else quote(v, safe="") for k, v in params.items()})
    kwargs: dict[str, Any] = {"params": query}
    if isinstance(body, bytes):
        kwargs["content"] = body
    elif body is not None and method != "GET":
        kwargs["json"] = body
    client: httpx.Client = fuzz_target["client"]
    response = client.request(method, path, **kwargs)
    assert response.status_code < 500, (method, path, kwargs, response.text)
    if response.status_code >= 400:
        envelope = response.json()
        assert set(envelope) == {"code", "message", "details", "requestId"}
        assert envelope["code"] // 1000 == response.status_code
    STATUSES.add(response.status_code)


@pytest.fixture
def fuzz_target(server: LocalServer) -> Any:
    server.reset()
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {server.api_key}"}) as client:
        wf = client.post(
            "/v1/workflows", json={"name": "fuzz", "description": "", "definition": LOG_DEFINITION}
        ).json()["data"]
        run = client.post(f"/v1/workflows/{wf['id']}/run", json={}).json()["data"]["runId"]
        yield {"client": client, "wf": wf["id"], "run": run, "secret": wf["triggerSecret"]}
