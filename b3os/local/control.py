"""The test-control API under ``/_local/`` (docs/internals.md): reset, orgs, request log,
fault injection and configuration. Off the B3OS namespace, unauthenticated, loopback only."""

from __future__ import annotations

import random
from typing import Any

from fastapi import APIRouter, Request, Response

from b3os.local.backend import Backend
from b3os.local.errors import BadRequest
from b3os.local.middleware import Faults, RequestLog
from b3os.local.routes import body_of
from b3os.local.util import dumps

__all__ = ["Settings", "build_control_router"]


class Settings:
    """Mutable server settings shared by the middleware, the SSE streams and the engine."""

    def __init__(self, *, heartbeat: float = 15.0, stream_wait: float = 30.0) -> None:
        self.faults = Faults()
        self.heartbeat = heartbeat
        self.stream_wait = stream_wait
        self.defaults = (heartbeat, stream_wait)


def _json(data: Any, status: int = 200) -> Response:
    return Response(dumps(data).encode(), status_code=status, media_type="application/json")


def _number(body: dict[str, Any], key: str, default: float, low: float, high: float | None = None) -> float:
    value = body.get(key, default)
    if value is None:
        return default
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or value < low
        or (high is not None and value > high)
    ):
        raise BadRequest(f"{key} must be a number >= {low}" + (f" and <= {high}" if high is not None else ""))
    return float(value)


def parse_faults(body: dict[str, Any]) -> Faults:
    statuses = body.get("statuses") or [503]
    if not isinstance(statuses, list) or not all(
        isinstance(s, int) and not isinstance(s, bool) and 400 <= s <= 599 for s in statuses
    ):
        raise BadRequest("statuses must be a list of HTTP error statuses (400..599)")
    methods = body.get("methods")
    if methods is not None and (
        not isinstance(methods, list) or not all(isinstance(m, str) for m in methods)
    ):
        raise BadRequest("methods must be a list of HTTP method names")
    path = body.get("path")
    if path is not None and not isinstance(path, str):
        raise BadRequest("path must be a path prefix or a glob such as /v1/workflows/*")
    retry_after = body.get("retryAfter")
    seed = body.get("seed")
    return Faults(
        error_rate=_number(body, "errorRate", 0.0, 0.0, 1.0),
        statuses=tuple(statuses),
        retry_after=None if retry_after is None else _number(body, "retryAfter", 0.0, 0.0),
        latency_ms=_number(body, "latencyMs", 0.0, 0.0, 60_000.0),
        path=path,
        methods=None if methods is None else tuple(m.upper() for m in methods),
        rng=random.Random(seed),
    )


def build_control_router(backend: Backend, settings: Settings, log: RequestLog) -> APIRouter:
    router = APIRouter(prefix="/_local")

    @router.get("/health")
    async def health() -> Response:
        from b3os._version import __version__

        return _json({"status": "ok", "version": __version__, "organizationId": backend.bootstrap_org})

    @router.post("/reset")
    async def reset() -> Response:
        backend.reset()
        log.clear()
        settings.faults = Faults()
        settings.heartbeat, settings.stream_wait = settings.defaults
        backend.engine.set_time_scale(1.0)
        return _json({"reset": True})

    @router.post("/orgs")
    async def create_org() -> Response:
        org, key = backend.create_org()
        return _json({"organizationId": org, "apiKey": key})

    @router.get("/requests")
    async def requests(request: Request) -> Response:
        since = request.query_params.get("since") or "0"
        if not since.isdigit():
            raise BadRequest("since must be the number of entries already seen (an integer >= 0)")
        return _json({"items": log.items(int(since))})

    @router.delete("/requests")
    async def clear_requests() -> Response:
        log.clear()
        return _json({"cleared": True})

    @router.put("/faults")
    async def put_faults(request: Request) -> Response:
        settings.faults = parse_faults(await body_of(request))
        f = settings.faults
        return _json(
            {
                "errorRate": f.error_rate,
                "statuses": list(f.statuses),
                "retryAfter": f.retry_after,
                "latencyMs": f.latency_ms,
                "path": f.path,
                "methods": None if f.methods is None else list(f.methods),
            }
        )

    @router.delete("/faults")
    async def clear_faults() -> Response:
        settings.faults = Faults()
        return _json({"cleared": True})

    @router.put("/config")
    async def put_config(request: Request) -> Response:
        body = await body_of(request)
        if "timeScale" in body:
            backend.engine.set_time_scale(_number(body, "timeScale", 1.0, 0.0, 1000.0))
        if "heartbeatSeconds" in body:
            settings.heartbeat = _number(body, "heartbeatSeconds", 15.0, 0.01)
        if "streamWaitSeconds" in body:
            settings.stream_wait = _number(body, "streamWaitSeconds", 30.0, 0.0)
        return _json(
            {
                "timeScale": backend.engine.time_scale(),
                "heartbeatSeconds": settings.heartbeat,
                "streamWaitSeconds": settings.stream_wait,
            }
        )

    return router
