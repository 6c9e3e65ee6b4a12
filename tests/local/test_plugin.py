"""The pytest plugin's fixtures: a session server and a fresh client on an empty server."""

from __future__ import annotations

from b3os.client import Client
from b3os.local import LocalServer
from tests.local.helpers import LOG_DEFINITION


def test_b3os_client_starts_on_an_empty_server(b3os_local: LocalServer, b3os_client: Client) -> None:
    assert b3os_client.list_workflows().items == []
    assert b3os_local.requests()[-1]["path"] == "/v1/workflows"
    created = b3os_client.create_workflow("plugin", "made by the fixture", LOG_DEFINITION)
    assert created.organization_id == b3os_local.org_id


def test_each_b3os_client_gets_a_reset(b3os_client: Client) -> None:
    assert [w.name for w in b3os_client.list_workflows().items] == []
