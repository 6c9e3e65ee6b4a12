"""``create_app``: the FastAPI application of b3os-local, wired to one backend."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from b3os.local.backend import Backend
from b3os.local.catalog_routes import build_catalog_router
from b3os.local.client_routes import build_client_router
from b3os.local.control import Settings, build_control_router
from b3os.local.envelope import error_body, new_request_id
from b3os.local.errors import LocalError
from b3os.local.middleware import B3OSMiddleware, RequestLog
from b3os.local.routes import build_router

__all__ = ["DEFAULT_MAX_BODY", "LocalApp", "create_app"]

DEFAULT_MAX_BODY = 6 * 1024 * 1024  # 6 MiB → 413 with the error envelope


def _error(status: int, code: int, message: str, details: list[Any] | None = None) -> Response:
    request_id = new_request_id()
    return Response(
        error_body(code, message, details or [], request_id),
        status_code=status,
        media_type="application/json",
        headers={"x-request-id": request_id},
    )


class LocalApp:
    """The ASGI app plus the objects tests and the server wrapper reach into."""

    def __init__(self, backend: Backend, settings: Settings, log: RequestLog, asgi: Any) -> None:
        self.backend = backend
        self.settings = settings
        self.log = log
        self.asgi = asgi

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.asgi(scope, receive, send)


def _fastapi() -> FastAPI:
    """A FastAPI app whose every error is the B3OS envelope (one place for the handlers)."""
    app = FastAPI(title="b3os-local", docs_url=None, redoc_url=None, openapi_url=None)

    @app.exception_handler(LocalError)
    async def local_error(request: Request, exc: LocalError) -> Response:
        return _error(exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = "route not found" if exc.status_code == 404 else str(exc.detail)
        return _error(
            exc.status_code, exc.status_code * 1000 + 1, f"{message}: {request.method} {request.url.path}"
        )

    @app.exception_handler(RequestValidationError)
    async def request_error(request: Request, exc: RequestValidationError) -> Response:
        return _error(400, 400001, "invalid request parameters")

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        return _error(500, 500001, f"internal error in b3os-local: {type(exc).__name__}")

    return app


def create_app(
    *,
    db: str = ":memory:",
    api_keys: list[str] | None = None,
    max_body: int = DEFAULT_MAX_BODY,
    heartbeat: float = 15.0,
    stream_wait: float = 30.0,
) -> LocalApp:
    backend = Backend(db, list(api_keys or []))
    settings = Settings(heartbeat=heartbeat, stream_wait=stream_wait)
    log = RequestLog()
    app = _fastapi()
    app.include_router(build_router(backend, settings))
    app.include_router(build_catalog_router())
    app.include_router(build_client_router(backend))
    # The control API is its own app: B3OS requests never walk its routes (route matching is
    # the largest cost of a GET), and the middleware sends /_local/* straight to it.
    control = _fastapi()
    control.include_router(build_control_router(backend, settings, log))
    asgi = B3OSMiddleware(app, control, backend, log, settings, max_body)
    return LocalApp(backend, settings, log, asgi)
