"""The client's sub-APIs of the three kinds against b3os-local: what the engine builds on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from b3os.client import Client
from b3os.errors import BadRequestError, ConflictError, NotFoundError
from b3os.local import LocalServer, is_write
from tests.local.helpers import LOG_DEFINITION


@pytest.fixture
def client(server: LocalServer) -> Iterator[Client]:
    server.reset()
    with Client(base_url=server.url, api_key=server.api_key) as c:
        yield c


def test_connector_round_trip(server: LocalServer, client: Client) -> None:
    created = client.connectors.create(name="slack", type="slack", data={"token": "xoxb-abcdef"})
    assert created.masked_data == {"token": "***"} and "xoxb" not in repr(created)
    assert [c.id for c in client.connectors.iter(type="slack")] == [created.id]
    assert client.connectors.update(created.id, description="d").description == "d"
    client.connectors.delete(created.id)
    with pytest.raises(NotFoundError):
        client.connectors.get(created.id)


def test_execution_webhook_round_trip(client: Client) -> None:
    created = client.execution_webhooks.create(
        name="ops", url="http://127.0.0.1:9/hooks", subscribed_event_types=["run.failed"], max_retries=1
    )
    hook = created.endpoint
    assert created.signing_secret.startswith("whsec_") and created.signing_secret not in repr(created)
    assert client.execution_webhooks.get(hook.id).subscribed_event_types == ["run.failed"]
    disabled = client.execution_webhooks.disable(hook.id)
    assert disabled is not None and not disabled.enabled and disabled.disabled_at
    enabled = client.execution_webhooks.enable(hook.id)
    assert enabled is not None and enabled.enabled
    assert client.execution_webhooks.update(hook.id, max_retries=4).max_retries == 4
    assert client.execution_webhooks.regenerate_secret(hook.id) != created.signing_secret
    assert [h.id for h in client.execution_webhooks.iter()] == [hook.id]
    assert client.execution_webhooks.list_deliveries(endpoint_id=hook.id).items == []
    client.execution_webhooks.delete(hook.id)
    with pytest.raises(NotFoundError):
        client.execution_webhooks.get(hook.id)
    with pytest.raises(BadRequestError, match="loopback"):
        client.execution_webhooks.create(name="x", url="https://hooks.example.com/x")


def test_variables_round_trip_leave_the_workflow_alone(server: LocalServer, client: Client) -> None:
    wf = client.create_workflow("vars", "", LOG_DEFINITION)
    defined = client.variables.put(wf.id, "counter", type="number", lifetime="persist", default=0)
    assert (defined.name, defined.default) == ("counter", 0)
    (variable,) = client.variables.list(wf.id)
    assert variable.definition == defined and not variable.has_value
    since = len(server.requests())
    client.variables.put(wf.id, "counter", type="number", lifetime="persist", default=0)
    assert [e["method"] for e in server.requests(since) if is_write(e)] == ["PUT"]
    after = client.get_workflow(wf.id)
    assert after.version == wf.version and after.definition == wf.definition
    client.variables.delete(wf.id, "counter")
    assert client.variables.list(wf.id) == []
    with pytest.raises(NotFoundError):
        client.variables.delete(wf.id, "counter")


def test_a_variable_declared_in_the_definition_is_read_only_here(client: Client) -> None:
    definition = {
        **LOG_DEFINITION,
        "variableDefs": [{"name": "seen", "type": "boolean", "lifetime": "reset"}],
    }
    wf = client.create_workflow("declared", "", definition)
    assert [v.name for v in client.variables.list(wf.id)] == ["seen"]
    with pytest.raises(ConflictError, match="declared in the definition"):
        client.variables.delete(wf.id, "seen")
