"""The ASGI layer in front of the routes: request log, fault injection, body limit, auth.

Pure ASGI (no BaseHTTPMiddleware) so that streaming responses pass straight through and the
hot path stays cheap. Everything under ``/_local/`` bypasses it: the control API is neither
logged, faulted nor authenticated (it is refused from non-loopback clients instead).
"""

from __future__ import annotations

import asyncio
import fnmatch
import random
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from b3os.local.backend import Backend
from b3os.local.catalog_routes import is_public
from b3os.local.envelope import error_body, new_request_id
from b3os.local.errors import LocalError
from b3os.local.util import now_iso

__all__ = ["B3OSMiddleware", "Faults", "RequestLog"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PUBLIC_PREFIXES = ("/v1/webhooks/",)
LOOPBACK = ("127.0.0.1", "::1", "localhost", "testclient")
FAULT_MESSAGES = {
    429: "rate limit exceeded (injected by b3os-local)",
    500: "internal server error (injected by b3os-local)",
    502: "bad gateway (injected by b3os-local)",
    503: "service unavailable (injected by b3os-local)",
    504: "gateway timeout (injected by b3os-local)",
}


@dataclass
class Faults:
    """Fault injection settings (PUT /_local/faults)."""

    error_rate: float = 0.0
    statuses: tuple[int, ...] = (503,)
    retry_after: float | None = None
    latency_ms: float = 0.0
    path: str | None = None
    methods: tuple[str, ...] | None = None
    rng: random.Random = field(default_factory=random.Random)

    def matches(self, method: str, path: str) -> bool:
        if self.methods is not None and method not in self.methods:
            return False
        if self.path is None:
            return True
        if any(ch in self.path for ch in "*?["):
            return fnmatch.fnmatchcase(path, self.path)
        return self.path in path  # a plain string matches anywhere: "/publish", "/v1/runs"

    @property
    def active(self) -> bool:
        return self.error_rate > 0 or self.latency_ms > 0


class RequestLog:
    """Every B3OS request, one entry, in arrival order (what tests count API calls with)."""

    def __init__(self, cap: int = 200_000) -> None:
        self._lock = threading.Lock()
        self._items: list[dict[str, Any]] = []
        self._cap = cap

    def open(self, method: str, path: str) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "method": method,
            "path": path,
            "status": None,
            "durationMs": None,
            "organizationId": None,
            "at": now_iso(),
        }
        with self._lock:
            self._items.append(entry)
            if len(self._items) > self._cap:
                del self._items[: len(self._items) - self._cap]
        return entry

    def items(self, since: int = 0) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._items[since:]]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class B3OSMiddleware:
    def __init__(
        self, app: ASGIApp, control: ASGIApp, backend: Backend, log: RequestLog, state: Any, max_body: int
    ) -> None:
        self.app = app
        self.control = control
        self.backend = backend
        self.log = log
        self.state = state  # holds .faults (Faults), replaced by the control API
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith("/_local"):
            client = scope.get("client")
            if client and client[0] not in LOOPBACK:
                await _respond(send, 403, 403001, "the b3os-local control API only answers loopback clients")
                return
            await self.control(scope, receive, send)
            return
        method: str = scope["method"]
        # The webhook path holds the workflow's trigger secret: it never reaches the log.
        logged = "/v1/webhooks/{secret}" if path.startswith(PUBLIC_PREFIXES) else path
        entry = self.log.open(method, logged)
        started = time.perf_counter()

        async def logged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                entry["durationMs"] = round((time.perf_counter() - started) * 1000, 3)
            await send(message)

        try:
            await self._handle(scope, receive, logged_send, method, path, entry)
        finally:
            if entry["durationMs"] is None:
                entry["durationMs"] = round((time.perf_counter() - started) * 1000, 3)

    async def _handle(
        self, scope: Scope, receive: Receive, send: Send, method: str, path: str, entry: dict[str, Any]
    ) -> None:
        faults: Faults = self.state.faults
        if faults.active and faults.matches(method, path):
            if faults.latency_ms > 0:
                await asyncio.sleep(faults.latency_ms / 1000.0)
            if faults.error_rate > 0 and faults.rng.random() < faults.error_rate:
                status = faults.rng.choice(faults.statuses)
                headers = []
                if faults.retry_after is not None:
                    headers.append((b"retry-after", f"{faults.retry_after:g}".encode()))
                message = FAULT_MESSAGES.get(status, f"HTTP {status} (injected by b3os-local)")
                await _respond(send, status, status * 1000 + 900, message, headers)
                return
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            body = await _read_body(scope, receive, self.max_body)
            if body is None:
                await _respond(
                    send, 413, 413001, f"request body too large: the limit is {self.max_body} bytes"
                )
                return
            receive = _replay(body, receive)
        if not path.startswith(PUBLIC_PREFIXES) and not is_public(method, path):
            raw = next((v for k, v in scope["headers"] if k == b"authorization"), None)
            try:
                caller = self.backend.authenticate(raw.decode("latin-1") if raw else None)
            except LocalError as exc:
                await _respond(send, exc.status, exc.code, exc.message)
                return
            entry["organizationId"] = caller.org_id
            scope.setdefault("state", {})["caller"] = caller
        await self.app(scope, receive, send)


async def _read_body(scope: Scope, receive: Receive, limit: int) -> bytes | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                if int(value) > limit:
                    return None
            except ValueError:
                pass
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, original: Receive) -> Receive:
    """Hand the already-read body to the app once, then pass on later messages (disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive


async def _respond(
    send: Send, status: int, code: int, message: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    request_id = new_request_id()
    body = error_body(code, message, [], request_id)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
