"""Fixtures for the b3os-local suite: one thread-mode server per module, raw httpx clients."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from b3os.local import LocalServer


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer(port=0, heartbeat=0.2, stream_wait=5.0) as srv:
        yield srv


@pytest.fixture
def api(server: LocalServer) -> Iterator[httpx.Client]:
    """An authenticated httpx client on a freshly reset server."""
    server.reset()
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {server.api_key}"}, timeout=10.0
    ) as client:
        yield client
