"""The B3OS routes: parse the request, call the backend, wrap the result in the envelope.

No rule lives here; each handler is a few lines. Errors raised by the backend become the
error envelope in the one exception handler of ``app.py``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from b3os.local.backend import Backend
from b3os.local.envelope import new_request_id, success_body
from b3os.local.errors import BadRequest
from b3os.local.jsonbody import parse_json
from b3os.local.kind_routes import register_kind_routes
from b3os.local.sse import run_stream, workflow_stream
from b3os.local.ui_metadata import register as register_ui_metadata
from b3os.local.validate import validate_request
from b3os.local.workflows import Caller

__all__ = ["build_router"]

Endpoint = Callable[[Request], Awaitable[Response]]

SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


def ok(data: Any) -> Response:
    request_id = new_request_id()
    return Response(
        success_body(data, request_id), media_type="application/json", headers={"x-request-id": request_id}
    )


def caller_of(request: Request) -> Caller:
    caller: Caller = request.state.caller  # set by B3OSMiddleware after authentication
    return caller


def _reason(exc: ValueError) -> str:
    """json's own message quotes the body's position only; ours say what to fix."""
    return str(exc).split(": line ")[0] if isinstance(exc, json.JSONDecodeError) else str(exc)


async def body_of(request: Request) -> dict[str, Any]:
    """Empty body, ``{}`` and a JSON object are all accepted (§1: body-less POSTs)."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        value = parse_json(raw)
    except ValueError as exc:
        raise BadRequest(f"request body is not valid JSON: {_reason(exc)}") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequest("request body must be a JSON object")
    return value


def build_router(backend: Backend, settings: Any) -> APIRouter:  # noqa: C901 - a flat list of routes
    router = APIRouter()
    wf = backend.workflows
    runs = backend.runs

    def route(method: str, path: str) -> Callable[[Endpoint], Endpoint]:
        """Plain Starlette routes inside the FastAPI router: handlers take the Request and read
        path parameters themselves, which skips FastAPI's per-request parameter solving."""

        def register(endpoint: Endpoint) -> Endpoint:
            router.add_route(path, endpoint, methods=[method])
            return endpoint

        return register

    # -- workflows -----------------------------------------------------------------------
    # The hottest read comes first: Starlette tries routes in order.
    @route("GET", "/v1/workflows/{wf_id}")
    async def get_workflow(request: Request) -> Response:
        wf_id = request.path_params["wf_id"]
        return ok(wf.get(caller_of(request), wf_id))

    @route("POST", "/v1/workflows")
    async def create_workflow(request: Request) -> Response:
        return ok(wf.create(caller_of(request), await body_of(request)))

    @route("GET", "/v1/workflows")
    async def list_workflows(request: Request) -> Response:
        return ok(wf.list(caller_of(request), dict(request.query_params)))

    @route("POST", "/v1/workflows/validate")
    async def validate_workflow(request: Request) -> Response:
        return ok(validate_request(await body_of(request)))

    @route("PUT", "/v1/workflows/{wf_id}")
    async def update_workflow(request: Request) -> Response:
        wf_id = request.path_params["wf_id"]
        return ok(wf.update(caller_of(request), wf_id, await body_of(request)))

    register_ui_metadata(router, wf, caller_of, body_of, ok)

    @route("DELETE", "/v1/workflows/{wf_id}")
    async def archive_workflow(request: Request) -> Response:
        wf_id = request.path_params["wf_id"]
        return ok(wf.archive(caller_of(request), wf_id))

    @route("POST", "/v1/workflows/{wf_id}/unarchive")
    async def unarchive_workflow(request: Request) -> Response:
        wf_id = request.path_params["wf_id"]
        return ok(wf.unarchive(caller_of(request), wf_id))

    @route("POST", "/v1/workflows/{wf_id}/publish")
    async def publish_workflow(request: Request) -> Response:
        wf_id = request.path_params["wf_id"]
        return ok(wf.publish(caller_of(request), wf_id, await body_of(request)))

    @route("POST", "/v1/workflows/{wf_id}/pause")
    async def pause_workflow(request: Request) -> Response:
        wf_id = request.path_params["wf_id"]
        return ok(wf.pause(caller_of(request), wf_id))

    @route("POST", "/v1/workflows/{wf_id}/resume")
    async def resume_workflow(request: Request) -> Response:
        wf_id = request.path_params["wf_id"]
        return ok(wf.resume(caller_of(request), wf_id))

    @route("GET", "/v1/workflows/{wf_id}/draft")
    async def get_draft(request: Request) -> Response:
        wf_id = request.path_params["wf_id"]
        return ok(wf.get_draft(caller_of(request), wf_id))

    @route("DELETE", "/v1/workflows/{wf_id}/draft")
    async def discard_draft(request: Request) -> Response:
        wf_id = request.path_params["wf_id"]
        return ok(wf.discard_draft(caller_of(request), wf_id))

    @route("GET", "/v1/workflows/{wf_id}/live")
    async def get_live(request: Request) -> Response:
        wf_id = request.path_params["wf_id"]
        return ok(wf.get_live(caller_of(request), wf_id))

    @route("GET", "/v1/workflows/{wf_id}/versions")
    async def list_versions(request: Request) -> Response:
        wf_id = request.path_params["wf_id"]
        return ok(wf.versions(caller_of(request), wf_id, dict(request.query_params)))

    @route("GET", "/v1/workflows/{wf_id}/versions/count")
    async def count_versions(request: Request) -> Response:
        wf_id = request.path_params["wf_id"]
        return ok(wf.version_count(caller_of(request), wf_id))

    @route("GET", "/v1/workflows/{wf_id}/versions/{number}")
    async def get_version(request: Request) -> Response:
        wf_id = request.path_params["wf_id"]
        number = request.path_params["number"]
        return ok(wf.version(caller_of(request), wf_id, number))

    @route("POST", "/v1/workflows/{wf_id}/rollback")
    async def rollback_workflow(request: Request) -> Response:
        wf_id = request.path_params["wf_id"]
        return ok(wf.rollback(caller_of(request), wf_id, await body_of(request)))

    @route("GET", "/v1/workflows/{wf_id}/trigger-info")
    async def trigger_info(request: Request) -> Response:
        wf_id = request.path_params["wf_id"]
        return ok(wf.trigger_info(caller_of(request), wf_id))

    @route("PUT", "/v1/workflows/{wf_id}/visibility")
    async def set_visibility(request: Request) -> Response:
        wf_id = request.path_params["wf_id"]
        return ok(wf.set_visibility(caller_of(request), wf_id, await body_of(request)))

    # -- runs ----------------------------------------------------------------------------
    @route("POST", "/v1/workflows/{wf_id}/run")
    async def run_workflow(request: Request) -> Response:
        wf_id = request.path_params["wf_id"]
        headers = {k: v for k, v in request.headers.items()}
        return ok(runs.run_workflow(caller_of(request), wf_id, await body_of(request), headers))

    @route("GET", "/v1/workflows/{wf_id}/runs")
    async def list_workflow_runs(request: Request) -> Response:
        wf_id = request.path_params["wf_id"]
        return ok(runs.list(caller_of(request), dict(request.query_params), workflow_id=wf_id))

    @route("GET", "/v1/workflows/{wf_id}/runs/stream")
    async def stream_workflow_runs(request: Request) -> StreamingResponse:
        wf_id = request.path_params["wf_id"]
        wf.load(caller_of(request), wf_id)
        return StreamingResponse(
            workflow_stream(backend, settings, wf_id), media_type="text/event-stream", headers=SSE_HEADERS
        )

    @route("GET", "/v1/runs")
    async def list_runs(request: Request) -> Response:
        return ok(runs.list(caller_of(request), dict(request.query_params)))

    @route("GET", "/v1/runs/{run_id}")
    async def get_run(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        return ok(runs.get(caller_of(request), run_id, dict(request.query_params)))

    @route("POST", "/v1/runs/{run_id}/cancel")
    async def cancel_run(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        return ok(runs.cancel(caller_of(request), run_id))

    @route("POST", "/v1/runs/{run_id}/retry")
    async def retry_run(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        return ok(runs.retry(caller_of(request), run_id))

    @route("POST", "/v1/runs/{run_id}/nodes/{node_id}/resume")
    async def resume_node(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        node_id = request.path_params["node_id"]
        secret = request.query_params.get("secret")
        body = await body_of(request)
        return ok(runs.resume_node(caller_of(request), run_id, node_id, secret, body))

    @route("GET", "/v1/runs/{run_id}/stream")
    async def stream_run(request: Request) -> StreamingResponse:
        run_id = request.path_params["run_id"]
        caller = caller_of(request)
        runs.check_stream(caller, run_id)
        return StreamingResponse(
            run_stream(backend, settings, caller, run_id), media_type="text/event-stream", headers=SSE_HEADERS
        )

    # -- webhooks (public: the secret in the path is the credential) ----------------------
    @route("POST", "/v1/webhooks/{secret}")
    async def webhook(request: Request) -> Response:
        secret = request.path_params["secret"]
        raw = await request.body()
        try:
            body: Any = parse_json(raw) if raw.strip() else {}
        except ValueError as exc:
            raise BadRequest(f"webhook body is not valid JSON: {_reason(exc)}") from None
        headers = {k: v for k, v in request.headers.items()}
        return ok(runs.webhook(secret, body, headers))

    register_kind_routes(route, backend)  # connectors, execution webhooks, workflow variables
    return router
