"""The error boundary: no httpx exception and no pydantic ValidationError escapes a client call.

Every public method of ``Client`` and of its sub-APIs (found by reflection, so a new method
without an entry here fails the suite) is driven through every exception class httpx defines
(also found by reflection), through error answers, and through malformed 2xx bodies.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from b3os.client import NO_RETRY, Client
from b3os.errors import B3OSError

KEY = "b3sk_boundary_0a1b2c3d"
SECRET = "whsec_boundary_secret_value"

Call = Callable[[Client], Any]

CALLS: dict[str, Call] = {
    # flat workflow and run methods
    "create_workflow": lambda c: c.create_workflow("n", "", {"nodes": {}}),
    "list_workflows": lambda c: c.list_workflows(),
    "iter_workflows": lambda c: list(c.iter_workflows()),
    "get_workflow": lambda c: c.get_workflow("wf_1"),
    "get_draft": lambda c: c.get_draft("wf_1"),
    "get_live": lambda c: c.get_live("wf_1"),
    "update_workflow": lambda c: c.update_workflow("wf_1", name="x"),
    "set_ui_metadata": lambda c: c.set_ui_metadata("wf_1", {"b3osIac": {"owner": "dir:x"}}),
    "archive_workflow": lambda c: c.archive_workflow("wf_1"),
    "unarchive_workflow": lambda c: c.unarchive_workflow("wf_1"),
    "validate_definition": lambda c: c.validate_definition({"nodes": {}}),
    "publish": lambda c: c.publish("wf_1"),
    "pause": lambda c: c.pause("wf_1"),
    "resume": lambda c: c.resume("wf_1"),
    "discard_draft": lambda c: c.discard_draft("wf_1"),
    "rollback": lambda c: c.rollback("wf_1", 1),
    "list_versions": lambda c: c.list_versions("wf_1"),
    "get_version": lambda c: c.get_version("wf_1", 1),
    "set_visibility": lambda c: c.set_visibility("wf_1", "org"),
    "run_workflow": lambda c: c.run_workflow("wf_1"),
    "list_runs": lambda c: c.list_runs(),
    "iter_runs": lambda c: list(c.iter_runs()),
    "get_run": lambda c: c.get_run("run_1"),
    "cancel_run": lambda c: c.cancel_run("run_1"),
    "retry_run": lambda c: c.retry_run("run_1"),
    "resume_node": lambda c: c.resume_node("run_1", "n", secret=SECRET),
    "stream_run": lambda c: list(c.stream_run("run_1")),
    "run_and_follow": lambda c: list(c.run_and_follow("wf_1", wait_timeout=1.0)),
    # sub-APIs
    "workflows.create": lambda c: c.workflows.create("n", "", {"nodes": {}}),
    "workflows.set_ui_metadata": lambda c: c.workflows.set_ui_metadata("wf_1", {}),
    "workflows.list": lambda c: c.workflows.list(),
    "workflows.iter": lambda c: list(c.workflows.iter()),
    "workflows.get": lambda c: c.workflows.get("wf_1"),
    "workflows.get_draft": lambda c: c.workflows.get_draft("wf_1"),
    "workflows.get_live": lambda c: c.workflows.get_live("wf_1"),
    "workflows.update": lambda c: c.workflows.update("wf_1", name="x"),
    "workflows.archive": lambda c: c.workflows.archive("wf_1"),
    "workflows.unarchive": lambda c: c.workflows.unarchive("wf_1"),
    "workflows.validate": lambda c: c.workflows.validate({"nodes": {}}),
    "workflows.publish": lambda c: c.workflows.publish("wf_1"),
    "workflows.pause": lambda c: c.workflows.pause("wf_1"),
    "workflows.resume": lambda c: c.workflows.resume("wf_1"),
    "workflows.discard_draft": lambda c: c.workflows.discard_draft("wf_1"),
    "workflows.rollback": lambda c: c.workflows.rollback("wf_1", 1),
    "workflows.list_versions": lambda c: c.workflows.list_versions("wf_1"),
    "workflows.get_version": lambda c: c.workflows.get_version("wf_1", 1),
    "workflows.set_visibility": lambda c: c.workflows.set_visibility("wf_1", "org"),
    "runs.start": lambda c: c.runs.start("wf_1"),
    "runs.list": lambda c: c.runs.list(),
    "runs.iter": lambda c: list(c.runs.iter()),
    "runs.get": lambda c: c.runs.get("run_1"),
    "runs.cancel": lambda c: c.runs.cancel("run_1"),
    "runs.retry": lambda c: c.runs.retry("run_1"),
    "runs.resume_node": lambda c: c.runs.resume_node("run_1", "n", secret=SECRET),
    "runs.stream": lambda c: list(c.runs.stream("run_1")),
    "runs.stream_workflow": lambda c: list(c.runs.stream_workflow("wf_1")),
    "runs.run_and_follow": lambda c: list(c.runs.run_and_follow("wf_1", wait_timeout=1.0)),
    "connectors.list": lambda c: c.connectors.list(),
    "connectors.iter": lambda c: list(c.connectors.iter()),
    "connectors.get": lambda c: c.connectors.get("conn_1"),
    "connectors.create": lambda c: c.connectors.create(name="n", type="slack", data={"token": SECRET}),
    "connectors.update": lambda c: c.connectors.update("conn_1", data={"token": SECRET}),
    "connectors.delete": lambda c: c.connectors.delete("conn_1"),
    "execution_webhooks.list": lambda c: c.execution_webhooks.list(),
    "execution_webhooks.iter": lambda c: list(c.execution_webhooks.iter()),
    "execution_webhooks.get": lambda c: c.execution_webhooks.get("weh_1"),
    "execution_webhooks.create": lambda c: c.execution_webhooks.create(name="n", url="http://127.0.0.1/x"),
    "execution_webhooks.update": lambda c: c.execution_webhooks.update("weh_1", name="x"),
    "execution_webhooks.delete": lambda c: c.execution_webhooks.delete("weh_1"),
    "execution_webhooks.enable": lambda c: c.execution_webhooks.enable("weh_1"),
    "execution_webhooks.disable": lambda c: c.execution_webhooks.disable("weh_1"),
    "execution_webhooks.regenerate_secret": lambda c: c.execution_webhooks.regenerate_secret("weh_1"),
    "execution_webhooks.list_deliveries": lambda c: c.execution_webhooks.list_deliveries(),
    "execution_webhooks.iter_deliveries": lambda c: list(c.execution_webhooks.iter_deliveries()),
    "execution_webhooks.get_delivery": lambda c: c.execution_webhooks.get_delivery("whd_1"),
    "execution_webhooks.retry_delivery": lambda c: c.execution_webhooks.retry_delivery("whd_1"),
    "execution_webhooks.replay_delivery": lambda c: c.execution_webhooks.replay_delivery("whd_1"),
    "variables.list": lambda c: c.variables.list("wf_1"),
    "variables.put": lambda c: c.variables.put("wf_1", "n", type="number", lifetime="persist"),
    "variables.delete": lambda c: c.variables.delete("wf_1", "n"),
}

# The calls that send SECRET: an error answer echoing it must not show it.
SENDS_SECRET = {"resume_node", "runs.resume_node", "connectors.create", "connectors.update"}
NOT_REQUESTS = {"close", "backoff", "retry_budget", "new_run_id"}
SUB_APIS = ("workflows", "runs", "connectors", "execution_webhooks", "variables")


def _public_methods(obj: object) -> set[str]:
    return {
        name
        for name, value in inspect.getmembers(obj)
        if not name.startswith("_") and callable(value) and not isinstance(value, type)
    }


def _client(handler: Callable[[httpx.Request], httpx.Response]) -> Client:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += max(seconds, 0.01)

    return Client(
        base_url="https://api.b3os.example",
        api_key=KEY,
        transport=httpx.MockTransport(handler),
        retry=NO_RETRY,
        sleep=sleep,
        clock=lambda: now[0],
    )


def _httpx_exception_classes() -> list[type[Exception]]:
    found = []
    for name in dir(httpx):
        value = getattr(httpx, name)
        if isinstance(value, type) and issubclass(value, Exception) and value.__module__.startswith("httpx"):
            found.append(value)
    return sorted(found, key=lambda c: c.__name__)


def _instance(cls: type[Exception], request: httpx.Request) -> Exception:
    if issubclass(cls, httpx.HTTPStatusError):
        return cls("boom", request=request, response=httpx.Response(500, request=request))
    if issubclass(cls, httpx.RequestError):
        return cls("boom", request=request)
    try:
        return cls("boom")
    except TypeError:
        return cls()


def test_the_table_covers_every_public_method() -> None:
    client = _client(lambda r: httpx.Response(200))
    try:
        expected = {m for m in _public_methods(client) if m not in NOT_REQUESTS | set(SUB_APIS)}
        for api in SUB_APIS:
            expected |= {f"{api}.{m}" for m in _public_methods(getattr(client, api))}
    finally:
        client.close()
    assert set(CALLS) == expected


def test_reflection_finds_the_httpx_exception_families() -> None:
    classes = set(_httpx_exception_classes())
    assert {httpx.ConnectError, httpx.ReadTimeout, httpx.HTTPStatusError, httpx.InvalidURL} <= classes
    assert len(classes) >= 20


@pytest.mark.parametrize("exc_class", _httpx_exception_classes(), ids=lambda c: c.__name__)
def test_no_httpx_exception_escapes_any_method(exc_class: type[Exception]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise _instance(exc_class, request)

    client = _client(handler)
    try:
        for name, call in CALLS.items():
            with pytest.raises(B3OSError) as info:
                call(client)
            assert SECRET not in str(info.value) and KEY not in str(info.value), name
    finally:
        client.close()


BAD_ANSWERS: dict[str, Callable[[], httpx.Response]] = {
    "html-502": lambda: httpx.Response(
        502, text="<html>bad gateway</html>", headers={"content-type": "text/html"}
    ),
    "404-envelope": lambda: httpx.Response(404, json={"code": 404001, "message": "nope", "details": []}),
    "2xx-not-json": lambda: httpx.Response(200, text="<html>ok</html>"),
    "2xx-data-is-a-number": lambda: httpx.Response(200, json={"code": 200, "data": 5}),
    "2xx-id-not-a-string": lambda: httpx.Response(200, json={"code": 200, "data": {"id": 7, "items": 3}}),
    "2xx-wrong-types": lambda: httpx.Response(
        200,
        json={
            "code": 200,
            "data": {"id": "x", "version": "seven", "items": [{"id": []}], "hasMore": "maybe"},
        },
    ),
    "2xx-deeply-nested": lambda: httpx.Response(200, text='{"data":' + "[" * 100_000 + "]" * 100_000 + "}"),
    "400-echoes-secrets": lambda: httpx.Response(
        400,
        json={"code": 400001, "message": f"bad {SECRET} {KEY}", "details": [{"data": {"token": SECRET}}]},
    ),
}


@pytest.mark.parametrize("answer", list(BAD_ANSWERS), ids=list(BAD_ANSWERS))
def test_every_method_answers_bad_bodies_with_b3os_errors_only(answer: str) -> None:
    client = _client(lambda request: BAD_ANSWERS[answer]())
    try:
        for name, call in CALLS.items():
            try:
                call(client)
            except B3OSError as exc:
                text = f"{exc} {exc!r}"
                assert KEY not in text, name
                if name in SENDS_SECRET:
                    assert SECRET not in text, name
            except Exception as exc:  # pragma: no cover - the failure this test exists for
                pytest.fail(f"{name} leaked {type(exc).__name__}: {exc}")
    finally:
        client.close()


def test_a_malformed_pause_answer_is_an_api_error_not_a_validation_error() -> None:
    """The defect issue 12 names: a 2xx body of the wrong shape on pause leaked ValidationError."""
    body = {"code": 200, "data": {"id": "wf_1", "version": "not a number"}}
    client = _client(lambda request: httpx.Response(200, content=json.dumps(body).encode()))
    try:
        from b3os.errors import APIError

        with pytest.raises(APIError, match="does not look like a Workflow"):
            client.pause("wf_1")
    finally:
        client.close()
