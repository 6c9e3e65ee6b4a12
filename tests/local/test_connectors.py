"""b3os-local connectors over real HTTP: CRUD, write-only data (only maskedData), org isolation."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from b3os.local import LocalServer, is_write
from tests.local.helpers import data, error

SECRET = "xoxb-very-secret-token-123"


@pytest.fixture
def other(server: LocalServer, api: httpx.Client) -> Iterator[httpx.Client]:
    """A client of a second organization."""
    _, key = server.create_org()
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=10.0) as c:
        yield c


def _create(api: httpx.Client, **extra: object) -> dict[str, object]:
    body = {
        "name": "slack main",
        "type": "slack",
        "data": {"token": SECRET, "nested": {"pw": SECRET}},
        **extra,
    }
    result: dict[str, object] = data(api.post("/v1/connectors", json=body))
    return result


def test_create_answers_masked_data_and_never_data(api: httpx.Client) -> None:
    created = _create(api, description="team slack")
    assert str(created["id"]).startswith("conn_")
    assert created["maskedData"] == {"token": "***", "nested": {"pw": "***"}}
    assert "data" not in created
    assert {"name", "type", "description", "organizationId", "createdAt", "createdBy"} <= set(created)


def test_no_answer_ever_holds_the_credentials(api: httpx.Client) -> None:
    created = _create(api)
    cid = created["id"]
    answers = [
        api.get(f"/v1/connectors/{cid}"),
        api.get("/v1/connectors"),
        api.put(f"/v1/connectors/{cid}", json={"data": {"token": SECRET + "2"}}),
        api.get(f"/v1/connectors/{cid}"),
    ]
    for response in answers:
        payload = data(response)
        assert SECRET not in response.text
        for row in payload.get("items", [payload]):
            assert "data" not in row and row["maskedData"]


def test_update_changes_only_the_given_fields(api: httpx.Client) -> None:
    cid = _create(api, description="before")["id"]
    updated = data(api.put(f"/v1/connectors/{cid}", json={"name": "renamed"}))
    assert updated["name"] == "renamed" and updated["description"] == "before"
    assert updated["maskedData"] == {"token": "***", "nested": {"pw": "***"}}
    replaced = data(api.put(f"/v1/connectors/{cid}", json={"data": {"apiKey": "k" * 10}}))
    assert replaced["maskedData"] == {"apiKey": "***"}, "data replaces the credentials as a whole"
    error(api.put(f"/v1/connectors/{cid}", json={"type": "discord"}), 400)


def test_list_pages_and_filters_by_type(api: httpx.Client) -> None:
    for i in range(3):
        _create(api, name=f"s{i}")
    data(api.post("/v1/connectors", json={"name": "d", "type": "discord", "data": {}}))
    page = data(api.get("/v1/connectors", params={"limit": 2}))
    assert len(page["items"]) == 2 and page["hasMore"] is True
    rest = data(api.get("/v1/connectors", params={"limit": 2, "offset": 2}))
    assert len(rest["items"]) == 2 and rest["hasMore"] is False
    slack = data(api.get("/v1/connectors", params={"type": "slack"}))
    assert [c["name"] for c in slack["items"]] == ["s0", "s1", "s2"]


def test_delete_then_404(api: httpx.Client) -> None:
    cid = _create(api)["id"]
    assert data(api.delete(f"/v1/connectors/{cid}")) is None
    error(api.get(f"/v1/connectors/{cid}"), 404)
    error(api.delete(f"/v1/connectors/{cid}"), 404)


@pytest.mark.parametrize(
    "body",
    [
        {"type": "slack", "data": {}},
        {"name": "", "type": "slack", "data": {}},
        {"name": "n", "data": {}},
        {"name": "n", "type": "Not A Type", "data": {}},
        {"name": "n", "type": "slack"},
        {"name": "n", "type": "slack", "data": "token"},
    ],
    ids=["no-name", "empty-name", "no-type", "bad-type", "no-data", "data-not-object"],
)
def test_bad_create_is_a_400_naming_the_field(api: httpx.Client, body: dict[str, object]) -> None:
    message = error(api.post("/v1/connectors", json=body), 400)["message"]
    assert any(field in message for field in ("name", "type", "data"))


def test_another_organization_sees_nothing(api: httpx.Client, other: httpx.Client) -> None:
    cid = _create(api)["id"]
    assert data(other.get("/v1/connectors"))["items"] == []
    error(other.get(f"/v1/connectors/{cid}"), 404)
    error(other.put(f"/v1/connectors/{cid}", json={"name": "mine"}), 404)
    error(other.delete(f"/v1/connectors/{cid}"), 404)
    assert data(api.get(f"/v1/connectors/{cid}"))["name"] == "slack main"


def test_writes_count_in_the_request_log_and_reads_do_not(server: LocalServer, api: httpx.Client) -> None:
    server.clear_requests()
    cid = _create(api)["id"]
    api.get(f"/v1/connectors/{cid}")
    api.get("/v1/connectors")
    api.put(f"/v1/connectors/{cid}", json={"name": "x"})
    api.delete(f"/v1/connectors/{cid}")
    writes = [(e["method"], e["path"]) for e in server.requests() if is_write(e)]
    assert writes == [
        ("POST", "/v1/connectors"),
        ("PUT", f"/v1/connectors/{cid}"),
        ("DELETE", f"/v1/connectors/{cid}"),
    ]
    assert SECRET not in json.dumps(server.requests())
