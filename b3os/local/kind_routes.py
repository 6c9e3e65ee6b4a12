"""Routes of the kinds around workflows: connectors, execution webhooks (and their deliveries),
workflow variables. Parse, call the backend, wrap; nothing else (like ``routes.py``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request, Response

from b3os.local.backend import Backend

__all__ = ["register_kind_routes"]

Endpoint = Callable[[Request], Awaitable[Response]]
Route = Callable[[str, str], Callable[[Endpoint], Endpoint]]


def register_kind_routes(route: Route, backend: Backend) -> None:  # noqa: C901 - a flat list of routes
    from b3os.local.routes import body_of, caller_of, ok

    conn = backend.connectors
    hooks = backend.execution_hooks
    variables = backend.variables

    def query(request: Request) -> dict[str, Any]:
        return dict(request.query_params)

    # -- connectors --------------------------------------------------------------------------
    @route("GET", "/v1/connectors")
    async def list_connectors(request: Request) -> Response:
        return ok(conn.list(caller_of(request), query(request)))

    @route("POST", "/v1/connectors")
    async def create_connector(request: Request) -> Response:
        return ok(conn.create(caller_of(request), await body_of(request)))

    @route("GET", "/v1/connectors/{conn_id}")
    async def get_connector(request: Request) -> Response:
        return ok(conn.get(caller_of(request), request.path_params["conn_id"]))

    @route("PUT", "/v1/connectors/{conn_id}")
    async def update_connector(request: Request) -> Response:
        return ok(conn.update(caller_of(request), request.path_params["conn_id"], await body_of(request)))

    @route("DELETE", "/v1/connectors/{conn_id}")
    async def delete_connector(request: Request) -> Response:
        conn.delete(caller_of(request), request.path_params["conn_id"])
        return ok(None)

    # -- execution webhooks: deliveries first (literal segment before {hook_id}) ---------------
    @route("GET", "/v1/execution-webhooks/deliveries")
    async def list_deliveries(request: Request) -> Response:
        return ok(hooks.list_deliveries(caller_of(request), query(request)))

    @route("GET", "/v1/execution-webhooks/deliveries/{delivery_id}")
    async def get_delivery(request: Request) -> Response:
        return ok(hooks.get_delivery(caller_of(request), request.path_params["delivery_id"]))

    @route("POST", "/v1/execution-webhooks/deliveries/{delivery_id}/retry")
    async def retry_delivery(request: Request) -> Response:
        return ok(hooks.retry_delivery(caller_of(request), request.path_params["delivery_id"]))

    @route("POST", "/v1/execution-webhooks/deliveries/{delivery_id}/replay")
    async def replay_delivery(request: Request) -> Response:
        return ok(hooks.replay_delivery(caller_of(request), request.path_params["delivery_id"]))

    @route("GET", "/v1/execution-webhooks")
    async def list_hooks(request: Request) -> Response:
        return ok(hooks.list(caller_of(request), query(request)))

    @route("POST", "/v1/execution-webhooks")
    async def create_hook(request: Request) -> Response:
        return ok(hooks.create(caller_of(request), await body_of(request)))

    @route("GET", "/v1/execution-webhooks/{hook_id}")
    async def get_hook(request: Request) -> Response:
        return ok(hooks.get(caller_of(request), request.path_params["hook_id"]))

    @route("PUT", "/v1/execution-webhooks/{hook_id}")
    async def update_hook(request: Request) -> Response:  # ASSUMPTION: not in the OAS
        return ok(hooks.update(caller_of(request), request.path_params["hook_id"], await body_of(request)))

    @route("DELETE", "/v1/execution-webhooks/{hook_id}")
    async def delete_hook(request: Request) -> Response:  # ASSUMPTION: not in the OAS
        hooks.delete(caller_of(request), request.path_params["hook_id"])
        return ok(None)

    @route("POST", "/v1/execution-webhooks/{hook_id}/enable")
    async def enable_hook(request: Request) -> Response:
        return ok(hooks.set_enabled(caller_of(request), request.path_params["hook_id"], True))

    @route("POST", "/v1/execution-webhooks/{hook_id}/disable")
    async def disable_hook(request: Request) -> Response:
        return ok(hooks.set_enabled(caller_of(request), request.path_params["hook_id"], False))

    @route("POST", "/v1/execution-webhooks/{hook_id}/regenerate-secret")
    async def regenerate_secret(request: Request) -> Response:
        return ok(hooks.regenerate_secret(caller_of(request), request.path_params["hook_id"]))

    # -- workflow variables --------------------------------------------------------------------
    @route("GET", "/v1/workflows/{wf_id}/variables")
    async def list_variables(request: Request) -> Response:
        return ok(variables.list(caller_of(request), request.path_params["wf_id"]))

    @route("PUT", "/v1/workflows/{wf_id}/variables/{name}")
    async def put_variable(request: Request) -> Response:
        wf_id, name = request.path_params["wf_id"], request.path_params["name"]
        return ok(variables.put(caller_of(request), wf_id, name, await body_of(request)))

    @route("DELETE", "/v1/workflows/{wf_id}/variables/{name}")
    async def delete_variable(request: Request) -> Response:
        wf_id, name = request.path_params["wf_id"], request.path_params["name"]
        variables.delete(caller_of(request), wf_id, name)
        return ok(None)
