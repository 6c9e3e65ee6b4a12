"""pytest fixtures for b3os-local: ``b3os_local`` (one server per session) and ``b3os_client``.

Enable with ``pytest_plugins = ["b3os.local.pytest_plugin"]`` in a conftest.py (or ``-p
b3os.local.pytest_plugin``). ``b3os_client`` resets the server first, so each test starts empty.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from b3os.local.server import LocalServer

if TYPE_CHECKING:
    from b3os.client import Client

__all__ = ["b3os_client", "b3os_local"]


@pytest.fixture(scope="session")
def b3os_local() -> Iterator[LocalServer]:
    """A b3os-local server on a free 127.0.0.1 port with an in-memory database."""
    with LocalServer(port=0, heartbeat=0.5, stream_wait=10.0) as server:
        yield server


@pytest.fixture
def b3os_client(b3os_local: LocalServer) -> Iterator[Client]:
    """A fresh ``b3os.client.Client`` on the session server, after a reset."""
    from b3os.client import Client  # imported lazily: the client is optional for the plugin itself

    b3os_local.reset()
    with Client(base_url=b3os_local.url, api_key=b3os_local.api_key) as client:
        yield client
