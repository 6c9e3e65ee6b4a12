"""b3os.errors and the one translation point b3os._http: types, readable text, nothing secret."""

from __future__ import annotations

import traceback

import httpx
import pytest

from b3os import _http
from b3os.errors import (
    APIError,
    AuthenticationError,
    B3OSError,
    BadRequestError,
    ConfigError,
    ConflictError,
    DefinitionError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
    ValidationFailedError,
)
from b3os.models import ValidationItem

KEY = "b3sk_live_9f8e7d6c5b4a39281706"


def _response(
    status: int, body: object = None, *, text: str | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    request = httpx.Request(
        "GET", "https://api.b3os.org/v1/workflows/wf_x", headers={"Authorization": f"Bearer {KEY}"}
    )
    if text is not None:
        return httpx.Response(status, text=text, headers=headers, request=request)
    return httpx.Response(status, json=body, headers=headers, request=request)


def _error(status: int, code: int, message: str = "boom", details: list[object] | None = None) -> APIError:
    body = {"code": code, "message": message, "details": details or [], "requestId": "req_123"}
    return _http.error_from_response(_response(status, body), method="GET", path="/v1/workflows/wf_x")


def test_hierarchy_matches_the_documented_tree() -> None:
    for cls in (ConfigError, DefinitionError, TransportError, APIError):
        assert issubclass(cls, B3OSError)
    for cls in (
        BadRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        ConflictError,
        RateLimitError,
        ServerError,
    ):
        assert issubclass(cls, APIError)
    assert issubclass(ValidationFailedError, BadRequestError)


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, 400001, BadRequestError),
        (400, 400228, ValidationFailedError),
        (401, 401001, AuthenticationError),
        (402, 402001, APIError),
        (403, 403001, PermissionDeniedError),
        (404, 404001, NotFoundError),
        (409, 409001, ConflictError),
        (429, 429001, RateLimitError),
        (500, 500001, ServerError),
        (502, 502001, ServerError),
        (503, 503001, ServerError),
        (504, 504001, ServerError),
    ],
)
def test_each_status_maps_to_its_class_with_all_fields(status: int, code: int, cls: type[APIError]) -> None:
    err = _error(status, code, "workflow wf_x not found", details=[{"field": "name"}])
    assert type(err) is cls
    assert (err.status_code, err.code, err.message, err.request_id) == (
        status,
        code,
        "workflow wf_x not found",
        "req_123",
    )
    assert err.details == [{"field": "name"}]
    text = str(err)
    for part in (str(status), f"code {code}", "workflow wf_x not found", "req_123", '"field":"name"'):
        assert part in text
    for part in (f"status_code={status}", f"code={code}", "req_123", "'field': 'name'"):
        assert part in repr(err)


def test_str_is_one_readable_line_in_the_documented_format() -> None:
    err = _error(404, 404001, "workflow wf_x not found")
    assert (
        str(err)
        == "404 Not Found (code 404001): workflow wf_x not found (GET /v1/workflows/wf_x) [request req_123]"
    )
    assert "\n" not in str(err)


def test_validation_failed_error_parses_items() -> None:
    details = [
        {"type": "connectivity", "message": "unreachable", "nodeId": "orphan", "field": "children"},
        "free text detail",
    ]
    err = _error(400, 400228, "invalid definition", details)
    assert isinstance(err, ValidationFailedError)
    assert [(i.node_id, i.field, i.type) for i in err.items] == [("orphan", "children", "connectivity")]


def test_rate_limit_carries_retry_after() -> None:
    resp = _response(429, {"code": 429001, "message": "slow down"}, headers={"Retry-After": "7"})
    err = _http.error_from_response(resp, method="GET", path="/v1/runs")
    assert isinstance(err, RateLimitError) and err.retry_after == 7.0
    assert "retry after 7 s" in str(err)


def test_request_id_from_header_when_body_has_none() -> None:
    resp = _response(500, {"code": 500001, "message": "oops"}, headers={"X-Request-Id": "req_hdr"})
    assert _http.error_from_response(resp, method="GET", path="/x").request_id == "req_hdr"


@pytest.mark.parametrize(
    "page",
    [
        "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
        "\n  <html><body><h1>502 Bad Gateway</h1></body></html>",
    ],
)
def test_html_proxy_page_becomes_a_readable_server_error(page: str) -> None:
    resp = _response(502, text=page, headers={"Content-Type": "text/html"})
    err = _http.error_from_response(resp, method="GET", path="/v1/workflows")
    assert isinstance(err, ServerError)
    assert err.code is None and err.details == []
    assert "HTML error page (HTTP 502)" in str(err) and "proxy" in str(err)
    assert "<html" not in str(err).lower()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty body"),
        ("upstream connect error or disconnect/reset before headers", "unexpected (non-envelope) error body"),
        ("[1, 2]", "unexpected (non-envelope) error body"),
        ('{"unexpected": true}', "without a message"),
    ],
)
def test_odd_error_bodies_are_handled(text: str, expected: str) -> None:
    resp = _response(503, text=text, headers={"Content-Type": "text/plain"})
    err = _http.error_from_response(resp, method="GET", path="/v1/workflows")
    assert isinstance(err, ServerError)
    assert expected in str(err)


def test_api_key_echoed_by_a_server_is_scrubbed() -> None:
    body = {"code": 401001, "message": f"invalid token Bearer {KEY}", "details": [{"got": KEY}]}
    err = _http.error_from_response(_response(401, body), method="GET", path="/v1/x", secrets=(KEY,))
    assert KEY not in str(err) and KEY not in repr(err) and KEY not in str(err.details)


def test_transport_error_translation_keeps_the_cause_and_hides_the_query() -> None:
    request = httpx.Request("POST", f"https://api.b3os.org/v1/runs/run_1/nodes/n/resume?secret={KEY}")
    exc = httpx.ConnectError(f"connection refused to {request.url}", request=request)
    err = _http.translate_transport_error(
        exc, method="POST", path="/v1/runs/run_1/nodes/n/resume", secrets=(KEY,)
    )
    assert isinstance(err, TransportError)
    assert "could not connect" in str(err) and "/v1/runs/run_1/nodes/n/resume" in str(err)
    assert KEY not in str(err) and KEY not in repr(err)
    timeout = _http.translate_transport_error(
        httpx.ReadTimeout("read timed out"), method="GET", path="/v1/runs"
    )
    assert "timed out" in str(timeout)


def test_no_api_key_in_any_rendered_error_chain() -> None:
    # The httpx cause keeps its request (with headers), but nothing of it is rendered.
    request = httpx.Request("GET", "https://api.b3os.org/v1/x", headers={"Authorization": f"Bearer {KEY}"})
    try:
        try:
            raise httpx.ConnectError("refused", request=request)
        except httpx.ConnectError as exc:
            raise _http.translate_transport_error(exc, method="GET", path="/v1/x") from exc
    except TransportError as err:
        rendered = "".join(traceback.format_exception(err))
    assert "refused" in rendered and KEY not in rendered


def test_definition_error_lists_node_and_field() -> None:
    items = [
        ValidationItem(
            type="connectivity", message="not reachable from a trigger", node_id="orphan", field="children"
        ),
        ValidationItem(type="nodes", message="add payload.message", node_id="say", field="payload.message"),
    ]
    err = DefinitionError(items)
    assert err.items == items
    text = str(err)
    assert text.startswith("invalid workflow definition (2 problems)")
    assert "node 'orphan' field 'children': not reachable from a trigger" in text
    assert "node 'say': add payload.message" in text, "the field is not repeated when the message names it"
    assert "orphan" in repr(err)


def test_definition_error_does_not_repeat_what_the_message_already_says() -> None:
    item = ValidationItem(
        type="root",
        message="node 'root': children[0] references unknown node 'x'",
        node_id="root",
        field="children[0]",
    )
    assert str(DefinitionError([item])).endswith(": node 'root': children[0] references unknown node 'x'")
