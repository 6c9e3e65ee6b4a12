"""16 concurrent writers lose no update; optimistic locking gives 409 to the losers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from b3os.local import LocalServer
from tests.local.helpers import create, data


def test_sixteen_concurrent_writers_lose_no_update(api: httpx.Client, server: LocalServer) -> None:
    wid = create(api)["id"]
    headers = {"Authorization": f"Bearer {server.api_key}"}

    def write(i: int) -> int:
        with httpx.Client(base_url=server.url, headers=headers) as client:
            for j in range(5):
                client.put(f"/v1/workflows/{wid}", json={"name": f"writer {i} step {j}"}).raise_for_status()
            return client.post("/v1/workflows", json={"name": f"new {i}", "description": "",
                                                     "definition": data(client.get(f"/v1/workflows/{wid}"))["definition"]}).status_code  # fmt: skip

    with ThreadPoolExecutor(16) as pool:
        assert list(pool.map(write, range(16))) == [200] * 16
    # every rename was a content change, so every one of the 80 made its own version
    assert data(api.get(f"/v1/workflows/{wid}/versions/count")) == {"total": 81}
    assert len(data(api.get("/v1/workflows", params={"limit": 100}))["items"]) == 17


def test_optimistic_locking_lets_exactly_one_writer_win(api: httpx.Client, server: LocalServer) -> None:
    wid = create(api)["id"]
    headers = {"Authorization": f"Bearer {server.api_key}"}

    def write(i: int) -> int:
        with httpx.Client(base_url=server.url, headers=headers) as client:
            body = {"name": f"writer {i}", "expectedCurrentVersion": 1}
            return client.put(f"/v1/workflows/{wid}", json=body).status_code

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(write, range(16)))
    assert sorted(statuses) == [200] + [409] * 15
    assert data(api.get(f"/v1/workflows/{wid}"))["version"] == 2
