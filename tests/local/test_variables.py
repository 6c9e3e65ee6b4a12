"""b3os-local workflow variables over real HTTP: PUT upsert, DELETE, list; the workflow's
definition and versions stay untouched (docs/internals.md "Kinds on the wire")."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from b3os.local import LocalServer, is_write
from tests.local.helpers import LOG_DEFINITION, create, data, error

COUNTER = {"type": "number", "lifetime": "persist", "default": 0, "description": "runs so far"}


def _put(api: httpx.Client, wf_id: str, name: str, body: dict[str, Any]) -> httpx.Response:
    return api.put(f"/v1/workflows/{wf_id}/variables/{name}", json=body)


def test_put_is_an_upsert_and_list_shows_it(api: httpx.Client) -> None:
    wf_id = create(api)["id"]
    assert data(_put(api, wf_id, "counter", COUNTER)) == {"name": "counter", **COUNTER}
    replaced = data(_put(api, wf_id, "counter", {"type": "text", "lifetime": "reset"}))
    assert replaced == {"name": "counter", "type": "text", "lifetime": "reset"}
    items = data(api.get(f"/v1/workflows/{wf_id}/variables"))["items"]
    assert len(items) == 1
    assert items[0]["def"] == replaced and items[0]["hasValue"] is False


def test_variables_do_not_change_the_workflow_definition_or_version(api: httpx.Client) -> None:
    wf = create(api)
    _put(api, wf["id"], "counter", COUNTER)
    _put(api, wf["id"], "label", {"type": "text", "lifetime": "reset", "default": "x"})
    after = data(api.get(f"/v1/workflows/{wf['id']}"))
    assert after["version"] == wf["version"] and after["definition"] == wf["definition"]
    assert after["variableDefs"] == wf["variableDefs"]
    assert data(api.get(f"/v1/workflows/{wf['id']}/versions"))["items"][0]["version"] == wf["version"]
    api.delete(f"/v1/workflows/{wf['id']}/variables/counter")
    assert data(api.get(f"/v1/workflows/{wf['id']}"))["version"] == wf["version"]


def test_definition_declared_variables_are_listed_read_only(api: httpx.Client) -> None:
    definition = {
        **LOG_DEFINITION,
        "variableDefs": [{"name": "declared", "type": "number", "lifetime": "reset"}],
    }
    wf_id = create(api, definition)["id"]
    _put(api, wf_id, "managed", COUNTER)
    names = [i["def"]["name"] for i in data(api.get(f"/v1/workflows/{wf_id}/variables"))["items"]]
    assert names == ["managed", "declared"]
    assert "definition" in error(api.delete(f"/v1/workflows/{wf_id}/variables/declared"), 409)["message"]


def test_delete_then_404(api: httpx.Client) -> None:
    wf_id = create(api)["id"]
    _put(api, wf_id, "counter", COUNTER)
    assert data(api.delete(f"/v1/workflows/{wf_id}/variables/counter")) is None
    assert data(api.get(f"/v1/workflows/{wf_id}/variables"))["items"] == []
    error(api.delete(f"/v1/workflows/{wf_id}/variables/counter"), 404)


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("counter", {"lifetime": "persist"}, "type"),
        ("counter", {"type": "number"}, "lifetime"),
        ("counter", {"type": "float", "lifetime": "persist"}, "type"),
        ("counter", {"type": "number", "lifetime": "forever"}, "lifetime"),
        ("counter", {"type": "number", "lifetime": "persist", "default": "1"}, "default"),
        ("counter", {"type": "boolean", "lifetime": "persist", "default": 1}, "default"),
        ("counter", {"type": "number", "lifetime": "persist", "name": "other"}, "name"),
        ("9lives", {"type": "number", "lifetime": "persist"}, "name"),
    ],
    ids=["no-type", "no-lifetime", "bad-type", "bad-lifetime", "default-not-number", "default-not-bool",
         "name-mismatch", "bad-name"],
)  # fmt: skip
def test_bad_definitions_are_a_400_naming_the_field(
    api: httpx.Client, name: str, body: dict[str, Any], field: str
) -> None:
    wf_id = create(api)["id"]
    assert field in error(_put(api, wf_id, name, body), 400)["message"]


def test_unknown_and_foreign_workflows_are_404(server: LocalServer, api: httpx.Client) -> None:
    error(api.get("/v1/workflows/wf_missing/variables"), 404)
    error(_put(api, "wf_missing", "counter", COUNTER), 404)
    wf_id = create(api)["id"]
    _put(api, wf_id, "counter", COUNTER)
    _, key = server.create_org()
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=10) as other:
        error(other.get(f"/v1/workflows/{wf_id}/variables"), 404)
        error(_put(other, wf_id, "counter", COUNTER), 404)
        error(other.delete(f"/v1/workflows/{wf_id}/variables/counter"), 404)
    assert len(data(api.get(f"/v1/workflows/{wf_id}/variables"))["items"]) == 1


def test_writes_count_in_the_request_log(server: LocalServer, api: httpx.Client) -> None:
    wf_id = create(api)["id"]
    server.clear_requests()
    _put(api, wf_id, "counter", COUNTER)
    api.get(f"/v1/workflows/{wf_id}/variables")
    api.delete(f"/v1/workflows/{wf_id}/variables/counter")
    assert [e["method"] for e in server.requests() if is_write(e)] == ["PUT", "DELETE"]
