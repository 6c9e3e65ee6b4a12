"""The sub-APIs of the kinds around workflows (MockTransport): methods, paths, bodies, answers,
retry safety, and secrets kept out of reprs and errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from b3os.client import Client, RetryPolicy
from b3os.errors import APIError, ServerError
from b3os.models_kinds import (
    Connector,
    CreatedExecutionWebhook,
    ExecutionWebhook,
    ExecutionWebhookDelivery,
    VariableDef,
    WorkflowVariable,
)

KEY = "b3sk_kinds_0a1b2c3d"
CONNECTOR = {"id": "conn_1", "name": "slack", "type": "slack", "maskedData": {"token": "***"}}
ENDPOINT = {"id": "weh_1", "name": "ops", "url": "http://127.0.0.1:9/x", "status": "active", "maxRetries": 3}
DELIVERY = {"id": "whd_1", "endpointId": "weh_1", "status": "failure", "retryCount": 3, "responseStatus": 500}
VARIABLE = {"name": "counter", "type": "number", "lifetime": "persist", "default": 0}


class Recorder:
    def __init__(self, answers: list[httpx.Response]) -> None:
        self.answers = answers
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    @property
    def last(self) -> tuple[str, str, Any]:
        r = self.requests[-1]
        body = json.loads(r.content) if r.content else None
        query = f"?{r.url.query.decode()}" if r.url.query else ""
        return r.method, r.url.path + query, body


def ok(data: Any) -> httpx.Response:
    return httpx.Response(200, json={"code": 200, "message": "success", "data": data, "requestId": "r"})


def client_for(*answers: httpx.Response) -> tuple[Client, Recorder]:
    rec = Recorder(list(answers))
    client = Client(
        api_key=KEY,
        transport=httpx.MockTransport(rec),
        retry=RetryPolicy(max_attempts=3, backoff_base=0.0),
        sleep=lambda s: None,
    )
    return client, rec


def page(*items: Any, has_more: bool = False) -> dict[str, Any]:
    return {"items": list(items), "limit": 100, "offset": 0, "hasMore": has_more}


# -- connectors ---------------------------------------------------------------------------------


def test_connector_create_sends_the_params_and_reads_the_connector() -> None:
    client, rec = client_for(ok(CONNECTOR))
    created = client.connectors.create(name="slack", type="slack", data={"token": "xoxb-1"}, description="d")
    assert isinstance(created, Connector) and created.masked_data == {"token": "***"}
    assert rec.last == (
        "POST",
        "/v1/connectors",
        {"name": "slack", "type": "slack", "data": {"token": "xoxb-1"}, "description": "d"},
    )


def test_connector_create_is_never_retried() -> None:
    client, rec = client_for(httpx.Response(503), ok(CONNECTOR))
    with pytest.raises(ServerError):
        client.connectors.create(name="slack", type="slack", data={})
    assert len(rec.requests) == 1


def test_connector_list_iter_get_update_delete() -> None:
    client, rec = client_for(ok(page(CONNECTOR, {**CONNECTOR, "id": "conn_2", "type": "discord"})))
    assert [c.id for c in client.connectors.list(type="slack").items] == ["conn_1"]
    assert rec.last[:2] == ("GET", "/v1/connectors?type=slack&limit=100&offset=0")
    client, rec = client_for(ok(page(CONNECTOR, has_more=True)), ok(page({**CONNECTOR, "id": "conn_2"})))
    assert [c.id for c in client.connectors.iter()] == ["conn_1", "conn_2"]
    client, rec = client_for(ok(CONNECTOR))
    assert client.connectors.get("conn_1").id == "conn_1" and rec.last[:2] == ("GET", "/v1/connectors/conn_1")
    client.connectors.update("conn_1", name="renamed")
    assert rec.last == ("PUT", "/v1/connectors/conn_1", {"name": "renamed"})
    client, rec = client_for(httpx.Response(503), ok(None))
    client.connectors.delete("conn_1")
    assert rec.last[:2] == ("DELETE", "/v1/connectors/conn_1") and len(rec.requests) == 2


def test_connector_data_echoed_in_an_error_is_masked() -> None:
    secret = "xoxb-secret-value-42"
    echo = {"code": 400001, "message": f"token {secret} refused", "details": [{"value": secret}]}
    client, _ = client_for(httpx.Response(400, json=echo))
    with pytest.raises(APIError) as info:
        client.connectors.create(name="n", type="slack", data={"token": secret})
    assert secret not in f"{info.value} {info.value!r}"


def test_connector_repr_masks_data_a_server_might_echo() -> None:
    connector = Connector.model_validate({**CONNECTOR, "data": {"token": "xoxb-echoed"}})
    assert "xoxb-echoed" not in repr(connector) and "xoxb-echoed" not in str(connector)


# -- execution webhooks -------------------------------------------------------------------------


def test_webhook_create_returns_the_endpoint_and_the_secret_masked_in_repr() -> None:
    client, rec = client_for(ok({"endpoint": ENDPOINT, "signingSecret": "whsec_abc123def456"}))
    created = client.execution_webhooks.create(
        name="ops", url="http://127.0.0.1:9/x", subscribed_event_types=("run.failed",), max_retries=2
    )
    assert isinstance(created, CreatedExecutionWebhook) and created.signing_secret == "whsec_abc123def456"
    assert created.endpoint.enabled and created.endpoint.max_retries == 3
    assert "whsec_abc123def456" not in repr(created) and "whsec_abc123def456" not in str(created)
    assert rec.last == (
        "POST",
        "/v1/execution-webhooks",
        {
            "name": "ops",
            "url": "http://127.0.0.1:9/x",
            "subscribedEventTypes": ["run.failed"],
            "maxRetries": 2,
        },
    )


@pytest.mark.parametrize(
    ("call", "method", "path", "body"),
    [
        (lambda c: c.execution_webhooks.get("weh_1"), "GET", "/v1/execution-webhooks/weh_1", None),
        (lambda c: c.execution_webhooks.update("weh_1", max_retries=5), "PUT", "/v1/execution-webhooks/weh_1",
         {"maxRetries": 5}),
        (lambda c: c.execution_webhooks.delete("weh_1"), "DELETE", "/v1/execution-webhooks/weh_1", None),
        (lambda c: c.execution_webhooks.enable("weh_1"), "POST", "/v1/execution-webhooks/weh_1/enable", None),
        (lambda c: c.execution_webhooks.disable("weh_1"), "POST", "/v1/execution-webhooks/weh_1/disable", None),
        (lambda c: c.execution_webhooks.list_deliveries(endpoint_id="weh_1", limit=5), "GET",
         "/v1/execution-webhooks/deliveries?endpointId=weh_1&limit=5&offset=0", None),
        (lambda c: c.execution_webhooks.get_delivery("whd_1"), "GET", "/v1/execution-webhooks/deliveries/whd_1",
         None),
    ],
    ids=["get", "update", "delete", "enable", "disable", "deliveries", "delivery"],
)  # fmt: skip
def test_webhook_routes(call: Callable[[Client], Any], method: str, path: str, body: Any) -> None:
    answer = {**ENDPOINT, **DELIVERY} if "deliver" in path else ENDPOINT
    client, rec = client_for(ok(page(answer) if path.endswith("offset=0") else answer))
    call(client)
    assert rec.last == (method, path, body)


def test_enable_and_disable_tolerate_an_empty_answer() -> None:
    client, _ = client_for(ok(None))
    assert client.execution_webhooks.enable("weh_1") is None
    assert client.execution_webhooks.disable("weh_1") is None
    client, _ = client_for(ok(ENDPOINT))
    assert isinstance(client.execution_webhooks.disable("weh_1"), ExecutionWebhook)


def test_regenerate_secret_returns_the_new_secret_and_is_not_retried() -> None:
    client, rec = client_for(ok({"signingSecret": "whsec_new_one_1234"}))
    assert client.execution_webhooks.regenerate_secret("weh_1") == "whsec_new_one_1234"
    client, rec = client_for(httpx.Response(503), ok({"signingSecret": "x" * 10}))
    with pytest.raises(ServerError):
        client.execution_webhooks.regenerate_secret("weh_1")
    assert len(rec.requests) == 1
    client, _ = client_for(ok({}))
    with pytest.raises(APIError, match="no signingSecret"):
        client.execution_webhooks.regenerate_secret("weh_1")


def test_delivery_model() -> None:
    client, _ = client_for(ok(DELIVERY))
    delivery = client.execution_webhooks.get_delivery("whd_1")
    assert isinstance(delivery, ExecutionWebhookDelivery)
    assert (delivery.status, delivery.retry_count, delivery.response_status) == ("failure", 3, 500)


# -- variables ----------------------------------------------------------------------------------


def test_variable_put_is_an_upsert_retried_like_any_put() -> None:
    client, rec = client_for(httpx.Response(502), ok(VARIABLE))
    defined = client.variables.put("wf_1", "counter", type="number", lifetime="persist", default=0)
    assert isinstance(defined, VariableDef) and defined.default == 0
    assert len(rec.requests) == 2
    assert rec.last == (
        "PUT",
        "/v1/workflows/wf_1/variables/counter",
        {"name": "counter", "type": "number", "lifetime": "persist", "default": 0},
    )


def test_variable_list_reads_def_into_definition_enveloped_or_bare() -> None:
    row = {"def": VARIABLE, "hasValue": True, "value": 3, "version": 2, "lastRunId": "run_1"}
    for answer in (ok({"items": [row]}), httpx.Response(200, json={"items": [row]})):
        client, rec = client_for(answer)
        (variable,) = client.variables.list("wf_1")
        assert isinstance(variable, WorkflowVariable)
        assert (variable.name, variable.definition.lifetime, variable.value, variable.last_run_id) == (
            "counter",
            "persist",
            3,
            "run_1",
        )
        assert variable.to_wire()["def"] == VARIABLE
    assert rec.last[:2] == ("GET", "/v1/workflows/wf_1/variables")


def test_variable_delete_and_path_segments_are_quoted() -> None:
    client, rec = client_for(ok(None))
    client.variables.delete("wf_1", "a/b")
    assert rec.requests[-1].url.raw_path == b"/v1/workflows/wf_1/variables/a%2Fb"


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.connectors.delete("conn_1"),
        lambda c: c.execution_webhooks.delete("weh_1"),
        lambda c: c.variables.delete("wf_1", "n"),
    ],
    ids=["connector", "execution-webhook", "variable"],
)
def test_a_delete_whose_lost_answer_landed_is_done_on_the_retry(call: Callable[[Client], Any]) -> None:
    gone = httpx.Response(404, json={"code": 404001, "message": "not found", "details": []})
    client, rec = client_for(httpx.Response(502), gone)
    call(client)
    assert len(rec.requests) == 2
    client, rec = client_for(gone)
    with pytest.raises(APIError) as info:
        call(client)
    assert info.value.status_code == 404, "a 404 on the first attempt is still an error"


def test_a_signing_secret_the_client_received_is_scrubbed_from_later_errors() -> None:
    secret = "whsec_learned_secret_987"
    echo = {"code": 400001, "message": f"secret {secret} is wrong", "details": []}
    client, _ = client_for(
        ok({"endpoint": ENDPOINT, "signingSecret": secret}), httpx.Response(400, json=echo)
    )
    client.execution_webhooks.create(name="ops", url="http://127.0.0.1:9/x")
    with pytest.raises(APIError) as info:
        client.execution_webhooks.get("weh_1")
    assert secret not in str(info.value) and "secret *** is wrong" in str(info.value)
