"""b3os.client.Client against httpx.MockTransport: configuration, envelopes, errors, operations,
pagination and thread safety. Retries: test_client_retry.py; streams: test_client_stream.py."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from b3os import _version
from b3os.client import Client, new_run_id
from b3os.errors import (
    APIError,
    ConfigError,
    ConflictError,
    NotFoundError,
    ServerError,
    TransportError,
    ValidationFailedError,
)
from b3os.models import Page, Run, ValidationResult, Workflow, WorkflowListItem

KEY = "b3sk_test_5e1f0c2a9b8d7e6f"
Handler = Callable[[httpx.Request], httpx.Response]


def envelope(data: Any, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(
        status, json={"code": 200, "message": "success", "data": data, "requestId": "req_ok"}, headers=headers
    )


def error(
    status: int, code: int, message: str, details: list[Any] | None = None, **headers: str
) -> httpx.Response:
    body = {"code": code, "message": message, "details": details or [], "requestId": "req_err"}
    return httpx.Response(status, json=body, headers=headers)


class Recorder:
    """A MockTransport handler that records requests and answers from a function."""

    def __init__(self, answer: Handler) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
        return self.answer(request)

    def bodies(self) -> list[Any]:
        return [json.loads(r.content) if r.content else None for r in self.requests]


def make_client(answer: Handler, **kwargs: Any) -> tuple[Client, Recorder]:
    recorder = Recorder(answer)
    kwargs.setdefault("api_key", KEY)
    kwargs.setdefault("sleep", lambda s: None)
    return Client(transport=httpx.MockTransport(recorder), **kwargs), recorder


WF = {"id": "wf_1", "version": 1, "name": "n", "status": "draft", "definition": {"nodes": {}}}


# -- configuration ----------------------------------------------------------------------------


def test_defaults_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B3OS_API_KEY", KEY)
    monkeypatch.setenv("B3OS_API_URL", "http://127.0.0.1:8080/")
    client = Client()
    assert client.base_url == "http://127.0.0.1:8080"
    monkeypatch.delenv("B3OS_API_URL")
    assert Client().base_url == "https://api.b3os.org"


def test_arguments_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B3OS_API_KEY", "b3sk_env")
    monkeypatch.setenv("B3OS_API_URL", "https://env.example")
    client, rec = make_client(lambda r: envelope(WF), base_url="https://arg.example", api_key="b3sk_arg")
    client.get_workflow("wf_1")
    assert str(rec.requests[0].url) == "https://arg.example/v1/workflows/wf_1"
    assert rec.requests[0].headers["authorization"] == "Bearer b3sk_arg"


def test_missing_key_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("B3OS_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="B3OS_API_KEY"):
        Client()


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8080",
        "http://127.0.0.1",
        "http://127.8.9.10:9",
        "http://[::1]:8080",
        "https://api.b3os.org",
    ],
)
def test_allowed_base_urls(url: str) -> None:
    assert Client(base_url=url, api_key=KEY).base_url == url


@pytest.mark.parametrize(
    "url", ["http://api.b3os.org", "http://10.0.0.1:8080", "http://localhost.evil.com", "http://[::2]"]
)
def test_plain_http_to_remote_hosts_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="refusing plain http://") as info:
        Client(base_url=url, api_key=KEY)
    assert "loopback" in str(info.value)


@pytest.mark.parametrize("url", ["ftp://api.b3os.org", "api.b3os.org", "https://", "https://h/?x=1"])
def test_malformed_base_urls_are_refused(url: str) -> None:
    with pytest.raises(ConfigError):
        Client(base_url=url, api_key=KEY)


@pytest.mark.parametrize("timeout", [0, -1.0, float("nan")])
def test_bad_timeout_is_a_config_error(timeout: float) -> None:
    with pytest.raises(ConfigError, match="timeout"):
        Client(api_key=KEY, timeout=timeout)


def test_headers_user_agent_and_timeout() -> None:
    client, rec = make_client(lambda r: envelope(WF), timeout=4.5)
    client.get_workflow("wf_1")
    headers = rec.requests[0].headers
    assert headers["authorization"] == f"Bearer {KEY}"
    assert headers["user-agent"] == f"b3os-iac/{_version.__version__} python-httpx/{httpx.__version__}"
    assert headers["accept"] == "application/json"
    assert rec.requests[0].extensions["timeout"]["read"] == 4.5


def test_repr_masks_the_key_and_context_manager_closes() -> None:
    with make_client(lambda r: envelope(WF))[0] as client:
        assert KEY not in repr(client) and "***" in repr(client)
    with pytest.raises(RuntimeError):
        client.get_workflow("wf_1")


# -- envelopes and errors -----------------------------------------------------------------------


def test_envelope_is_unwrapped_and_typed() -> None:
    client, _ = make_client(lambda r: envelope({**WF, "futureField": 1}))
    wf = client.get_workflow("wf_1")
    assert isinstance(wf, Workflow) and wf.id == "wf_1" and wf.model_extra == {"futureField": 1}


def test_empty_body_and_null_data_are_tolerated() -> None:
    answers = iter([httpx.Response(200, content=b""), envelope(None)])
    client, _ = make_client(lambda r: next(answers))
    assert client.pause("wf_1") is None
    assert client.resume("wf_1") is None


def test_non_json_success_body_is_an_api_error() -> None:
    client, _ = make_client(lambda r: httpx.Response(200, text="<html>login</html>"))
    with pytest.raises(APIError, match="HTML page"):
        client.get_workflow("wf_1")


def test_a_success_body_of_the_wrong_shape_is_an_api_error() -> None:
    client, _ = make_client(lambda r: envelope({"name": "no id here"}))
    with pytest.raises(APIError, match="does not look like a Workflow: id: Field required"):
        client.get_workflow("wf_1")


def test_errors_are_typed_with_status_code_details_and_request_id() -> None:
    client, _ = make_client(lambda r: error(404, 404001, "workflow wf_x not found", [{"id": "wf_x"}]))
    with pytest.raises(NotFoundError) as info:
        client.get_workflow("wf_x")
    err = info.value
    assert (err.status_code, err.code, err.request_id, err.details) == (
        404,
        404001,
        "req_err",
        [{"id": "wf_x"}],
    )
    assert str(err).startswith("404 Not Found (code 404001): workflow wf_x not found")


def test_validation_error_on_create_carries_items() -> None:
    details = [
        {"type": "nodes", "message": "log needs payload.message", "nodeId": "say", "field": "payload.message"}
    ]
    client, _ = make_client(lambda r: error(400, 400228, "invalid definition", details))
    with pytest.raises(ValidationFailedError) as info:
        client.create_workflow("n", "d", {"nodes": {}})
    assert info.value.items[0].node_id == "say"


def test_html_502_is_readable() -> None:
    page = "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1><hr>cloudflare</body></html>"
    client, _ = make_client(lambda r: httpx.Response(502, text=page, headers={"content-type": "text/html"}))
    with pytest.raises(ServerError) as info:
        client.create_workflow("n", "d", {"nodes": {}})
    assert "HTML error page (HTTP 502)" in str(info.value)


def test_no_api_key_in_any_exception_text_or_repr() -> None:
    echo = {"code": 401001, "message": f"bad Authorization: Bearer {KEY}", "details": [KEY]}
    answers: list[Handler] = [
        lambda r: httpx.Response(401, json=echo),
        lambda r: error(403, 403001, "forbidden"),
        lambda r: httpx.Response(502, text="<html>bad gateway</html>"),
        lambda r: httpx.Response(503, text=f"echo {r.headers['authorization']}"),
    ]

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"refused {request.headers}", request=request)

    seen: list[BaseException] = []
    for answer in [*answers, refuse]:
        client, _ = make_client(answer)
        with pytest.raises((APIError, TransportError)) as info:
            client.get_workflow("wf_1")
        seen.append(info.value)
    client, _ = make_client(refuse)
    with pytest.raises(TransportError) as info:
        client.resume_node("run_1", "wait", secret="whsec_topsecret")
    seen.append(info.value)
    for exc in seen:
        for text in (str(exc), repr(exc), str(exc.args)):
            assert KEY not in text
            assert "whsec_topsecret" not in text


# -- operations: method, path, query and body ---------------------------------------------------

OPS: list[tuple[str, Callable[[Client], Any], str, str, dict[str, str], Any]] = [
    ("create", lambda c: c.create_workflow("N", "D", {"nodes": {}}, cooldown_ms=2000), "POST", "/v1/workflows",
     {}, {"name": "N", "description": "D", "definition": {"nodes": {}}, "cooldownMs": 2000}),
    ("list", lambda c: c.list_workflows(q="price", status="active", limit=5, offset=10), "GET", "/v1/workflows",
     {"q": "price", "status": "active", "limit": "5", "offset": "10"}, None),
    ("get", lambda c: c.get_workflow("wf_1"), "GET", "/v1/workflows/wf_1", {}, None),
    ("draft", lambda c: c.get_draft("wf_1"), "GET", "/v1/workflows/wf_1/draft", {}, None),
    ("live", lambda c: c.get_live("wf_1"), "GET", "/v1/workflows/wf_1/live", {}, None),
    ("update", lambda c: c.update_workflow("wf_1", name="M", expected_current_version=3), "PUT",
     "/v1/workflows/wf_1", {}, {"name": "M", "expectedCurrentVersion": 3}),
    ("archive", lambda c: c.archive_workflow("wf_1"), "DELETE", "/v1/workflows/wf_1", {}, None),
    ("unarchive", lambda c: c.unarchive_workflow("wf_1"), "POST", "/v1/workflows/wf_1/unarchive", {}, None),
    ("validate", lambda c: c.validate_definition({"nodes": {}}), "POST", "/v1/workflows/validate", {},
     {"definition": {"nodes": {}}, "name": "Untitled"}),
    ("publish", lambda c: c.publish("wf_1", expected_version=2), "POST", "/v1/workflows/wf_1/publish", {},
     {"expectedVersion": 2}),
    ("publish-empty", lambda c: c.publish("wf_1"), "POST", "/v1/workflows/wf_1/publish", {}, None),
    ("pause", lambda c: c.pause("wf_1"), "POST", "/v1/workflows/wf_1/pause", {}, None),
    ("resume", lambda c: c.resume("wf_1"), "POST", "/v1/workflows/wf_1/resume", {}, None),
    ("discard", lambda c: c.discard_draft("wf_1"), "DELETE", "/v1/workflows/wf_1/draft", {}, None),
    ("rollback", lambda c: c.rollback("wf_1", 2, expected_current_version=4), "POST", "/v1/workflows/wf_1/rollback",
     {}, {"targetVersion": 2, "expectedCurrentVersion": 4}),
    ("versions", lambda c: c.list_versions("wf_1", limit=10), "GET", "/v1/workflows/wf_1/versions",
     {"limit": "10", "offset": "0"}, None),
    ("version", lambda c: c.get_version("wf_1", 2), "GET", "/v1/workflows/wf_1/versions/2", {}, None),
    ("visibility", lambda c: c.set_visibility("wf_1", "org"), "PUT", "/v1/workflows/wf_1/visibility", {},
     {"visibility": "org"}),
    ("run", lambda c: c.run_workflow("wf_1", payload={"a": 1}, run_id="run_abc", version=2, simulate=True), "POST",
     "/v1/workflows/wf_1/run", {}, {"payload": {"a": 1}, "runId": "run_abc", "version": 2, "simulate": True}),
    ("runs", lambda c: c.list_runs(status="failure", limit=20), "GET", "/v1/runs",
     {"status": "failure", "limit": "20", "offset": "0"}, None),
    ("wf-runs", lambda c: c.list_runs(workflow_id="wf_1"), "GET", "/v1/workflows/wf_1/runs",
     {"limit": "100", "offset": "0"}, None),
    ("get-run", lambda c: c.get_run("run_1", summary=True, node_ids=["a", "b"]), "GET", "/v1/runs/run_1",
     {"summary": "true", "nodeIds": "a,b"}, None),
    ("cancel", lambda c: c.cancel_run("run_1"), "POST", "/v1/runs/run_1/cancel", {}, None),
    ("retry", lambda c: c.retry_run("run_1"), "POST", "/v1/runs/run_1/retry", {}, None),
    ("resume-node", lambda c: c.resume_node("run_1", "w", secret="s3", data={"ok": True}), "POST",
     "/v1/runs/run_1/nodes/w/resume", {"secret": "s3"}, {"data": {"ok": True}}),
]  # fmt: skip


def _generic_answer(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path.endswith("/validate"):
        return envelope({"valid": True, "errors": []})
    if path.endswith("/visibility"):
        return envelope({"id": "wf_1", "visibility": "org"})
    if path.endswith("/run"):
        return envelope({"runId": "run_abc"})
    if path.endswith("/resume") and "/nodes/" in path:
        return envelope({"action": "resumed"})
    if path.startswith("/v1/runs/run_1"):
        return envelope({"id": "run_1", "status": "cancelled"})
    if path.endswith(("/versions", "/runs", "/v1/workflows")) and request.method == "GET":
        return envelope({"items": [], "limit": 10, "offset": 0, "hasMore": False})
    if path == "/v1/runs":
        return envelope({"items": [], "limit": 10, "offset": 0, "hasMore": False})
    return envelope(WF)


@pytest.mark.parametrize(("name", "call", "method", "path", "query", "body"), OPS, ids=[o[0] for o in OPS])
def test_operation_sends_the_documented_request(
    name: str, call: Callable[[Client], Any], method: str, path: str, query: dict[str, str], body: Any
) -> None:
    client, rec = make_client(_generic_answer)
    call(client)
    (request,) = rec.requests
    assert (request.method, request.url.path) == (method, path)
    assert dict(request.url.params) == query
    assert rec.bodies()[0] == body
    if body is not None:
        assert request.headers["content-type"] == "application/json"


def test_operation_results_are_typed() -> None:
    client, _ = make_client(_generic_answer)
    assert isinstance(client.validate_definition({"nodes": {}}), ValidationResult)
    assert client.run_workflow("wf_1") == "run_abc"
    assert isinstance(client.get_run("run_1"), Run)
    assert isinstance(client.list_workflows(), Page)
    assert client.publish("wf_1") == Workflow.model_validate(WF)
    assert client.set_visibility("wf_1", "org") == {"id": "wf_1", "visibility": "org"}


@pytest.mark.parametrize("bad_id", ["wf_1?status=active", "../runs", "wf 1/draft", "wf_1#frag"])
def test_ids_cannot_change_the_route(bad_id: str) -> None:
    client, rec = make_client(lambda r: envelope(WF))
    client.get_workflow(bad_id)
    (request,) = rec.requests
    assert request.url.params == httpx.QueryParams()
    assert request.url.raw_path.count(b"/") == 3  # /v1/workflows/<one segment>


def test_run_workflow_picks_a_run_id_when_none_given() -> None:
    client, rec = make_client(lambda r: envelope({"runId": json.loads(r.content)["runId"]}))
    run_id = client.run_workflow("wf_1")
    assert run_id.startswith("run_") and rec.bodies()[0]["runId"] == run_id


def test_retry_run_answered_with_only_a_run_id_fetches_the_new_run() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/retry"):
            return envelope({"runId": "run_new"})
        return envelope({"id": "run_new", "status": "running", "sourceRunId": "run_old"})

    client, rec = make_client(answer)
    run = client.retry_run("run_old")
    assert run.id == "run_new" and run.source_run_id == "run_old"
    assert [r.url.path for r in rec.requests] == ["/v1/runs/run_old/retry", "/v1/runs/run_new"]


def test_new_run_id_format() -> None:
    assert Client.new_run_id().startswith("run_")
    ids = {new_run_id() for _ in range(100)}
    assert len(ids) == 100 and all(i.startswith("run_") and i[4:].isalnum() for i in ids)


def test_definition_model_is_dumped_to_the_wire() -> None:
    from b3os.models import WorkflowDefinition

    definition = WorkflowDefinition.model_validate({"nodes": {"root": {"type": "manual", "payload": {}}}})
    client, rec = make_client(lambda r: envelope(WF))
    client.update_workflow("wf_1", definition=definition)
    assert rec.bodies()[0] == {"definition": {"nodes": {"root": {"type": "manual", "payload": {}}}}}


def test_conflict_on_stale_version() -> None:
    client, _ = make_client(lambda r: error(409, 409001, "version conflict: expected 3, current 4"))
    with pytest.raises(ConflictError, match="version conflict"):
        client.update_workflow("wf_1", name="x", expected_current_version=3)


@pytest.mark.parametrize("limit", [0, 101])
def test_limit_is_bounded(limit: int) -> None:
    client, rec = make_client(_generic_answer)
    with pytest.raises(ValueError, match="limit"):
        client.list_workflows(limit=limit)
    assert rec.requests == []


# -- pagination ------------------------------------------------------------------------------------


def test_iter_workflows_follows_has_more_across_pages() -> None:
    total = 7

    def answer(request: httpx.Request) -> httpx.Response:
        offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
        ids = list(range(offset, min(offset + limit, total)))
        items = [{"id": f"wf_{i}", "name": f"w{i}"} for i in ids]
        return envelope({"items": items, "limit": limit, "offset": offset, "hasMore": offset + limit < total})

    client, rec = make_client(answer)
    items = list(client.iter_workflows(status="active", limit=3))
    assert [i.id for i in items] == [f"wf_{i}" for i in range(total)]
    assert all(isinstance(i, WorkflowListItem) for i in items)
    assert [r.url.params["offset"] for r in rec.requests] == ["0", "3", "6"]
    assert {r.url.params["status"] for r in rec.requests} == {"active"}


def test_pagination_uses_the_number_of_items_returned_not_the_limit() -> None:
    # A server that caps pages below the requested limit must not make the client skip rows.
    def answer(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        items = [{"id": f"run_{offset + i}"} for i in range(2)] if offset < 6 else []
        return envelope({"items": items, "limit": 2, "offset": offset, "hasMore": offset + 2 < 6})

    client, rec = make_client(answer)
    assert [r.id for r in client.iter_runs()] == [f"run_{i}" for i in range(6)]
    assert [r.url.params["offset"] for r in rec.requests] == ["0", "2", "4"]


def test_pagination_stops_on_an_empty_page_claiming_more() -> None:
    client, rec = make_client(lambda r: envelope({"items": [], "limit": 100, "offset": 0, "hasMore": True}))
    assert list(client.iter_workflows()) == []
    assert len(rec.requests) == 1


# -- thread safety --------------------------------------------------------------------------------


def test_one_client_shared_by_threads() -> None:
    client, rec = make_client(lambda r: envelope({**WF, "id": r.url.path.rsplit("/", 1)[-1]}))
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for j in range(20):
                results[i * 100 + j] = client.get_workflow(f"wf_{i}_{j}").id
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(rec.requests) == 160
    assert all(results[i * 100 + j] == f"wf_{i}_{j}" for i in range(8) for j in range(20))


def test_verify_false_reaches_httpx_for_self_signed_endpoints() -> None:
    client = Client(base_url="https://b3os.internal.example", api_key="b3sk_test", verify=False)
    try:
        pool = client._http._transport._pool  # type: ignore[attr-defined]
        assert pool._ssl_context.verify_mode.name == "CERT_NONE"
    finally:
        client.close()
