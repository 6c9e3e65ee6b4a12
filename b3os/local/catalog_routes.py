"""The public catalog routes (no API key, as in the real service): the b3os.catalog table.

``GET /v1/actions`` lists every action the table describes (logic ones included: the official
client looks ``if`` or ``delay`` up there too), ``GET /v1/logic-actions`` only the Logic category,
``GET /v1/triggers`` the triggers; ``?tags=a,b`` keeps entries holding all the tags (AND).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from b3os import catalog
from b3os.local.errors import NotFound
from b3os.local.routes import ok

__all__ = ["PUBLIC_GET_PATHS", "build_catalog_router", "is_public"]

PUBLIC_GET_PATHS = ("/v1/actions", "/v1/triggers", "/v1/logic-actions", "/v1/connector-types")


def is_public(method: str, path: str) -> bool:
    """GETs of the catalog need no key; a wrong key is ignored there too (they are public)."""
    if method not in ("GET", "HEAD"):
        return False
    for prefix in PUBLIC_GET_PATHS:
        if path == prefix or (path.startswith(prefix + "/") and "/" not in path[len(prefix) + 1 :]):
            return True
    return False


def _tags(request: Request) -> set[str]:
    wanted: set[str] = set()
    for raw in request.query_params.getlist("tags"):
        wanted |= {t.strip() for t in raw.split(",") if t.strip()}
    return wanted


def _listing(kind: str, request: Request, *, logic_only: bool = False) -> list[dict[str, object]]:
    wanted = _tags(request)
    out = []
    for node_type in sorted(catalog.NODE_TYPES):
        entry = catalog.NODE_TYPES[node_type]
        if (entry.get("kind") == "trigger") != (kind == "trigger"):
            continue
        if logic_only and not catalog.is_logic(node_type):
            continue
        if wanted and not wanted <= set(entry.get("tags") or ()):
            continue
        out.append(catalog.wire_entry(node_type))
    return out


def _one(kind: str, node_type: str) -> dict[str, object]:
    entry = catalog.entry(node_type)
    if entry is None or (entry.get("kind") == "trigger") != (kind == "trigger"):
        raise NotFound(f"{kind} type {node_type!r} not found: GET /v1/{kind}s lists the known types")
    return catalog.wire_entry(node_type)


def build_catalog_router() -> APIRouter:
    router = APIRouter()

    async def list_actions(request: Request) -> Response:
        return ok(_listing("action", request))

    async def get_action(request: Request) -> Response:
        return ok(_one("action", request.path_params["type"]))

    async def list_triggers(request: Request) -> Response:
        return ok(_listing("trigger", request))

    async def get_trigger(request: Request) -> Response:
        return ok(_one("trigger", request.path_params["type"]))

    async def list_logic_actions(request: Request) -> Response:
        return ok(_listing("action", request, logic_only=True))

    async def list_connector_types(request: Request) -> Response:
        return ok(list(catalog.CONNECTOR_TYPES))

    async def get_connector_type(request: Request) -> Response:
        wanted = request.path_params["type"]
        for item in catalog.CONNECTOR_TYPES:
            if item.get("type") == wanted:
                return ok(item)
        raise NotFound(f"connector type {wanted!r} not found: GET /v1/connector-types lists them")

    for path, endpoint in (
        ("/v1/actions", list_actions),
        ("/v1/actions/{type}", get_action),
        ("/v1/triggers", list_triggers),
        ("/v1/triggers/{type}", get_trigger),
        ("/v1/logic-actions", list_logic_actions),
        ("/v1/connector-types", list_connector_types),
        ("/v1/connector-types/{type}", get_connector_type),
    ):
        router.add_route(path, endpoint, methods=["GET"])
    return router
