"""``LocalServer``: b3os-local on 127.0.0.1 in a thread or a subprocess, for tests and users.

    with LocalServer(port=0) as srv:          # a free port, an in-memory database
        client = Client(base_url=srv.url, api_key=srv.api_key)

Thread mode runs uvicorn in a daemon thread of this process (fast to start, same memory);
subprocess mode runs ``python -m b3os.local`` (separate process; ``restart()`` keeps the
SQLite file, which is how restart persistence is tested).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import httpx

__all__ = ["LocalServer", "READY_PREFIX", "bind_socket", "is_write"]

READY_PREFIX = "b3os-local listening on "
START_TIMEOUT = 20.0
READ_ONLY_POSTS = frozenset({"/v1/workflows/validate"})


def is_write(entry: Mapping[str, Any]) -> bool:
    """Whether a request-log entry changed something: any non-GET but the side-effect-free validator."""
    return entry["method"] != "GET" and entry["path"] not in READ_ONLY_POSTS


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket. ``proto=IPPROTO_TCP`` matters: asyncio only sets TCP_NODELAY on
    accepted sockets whose proto says TCP; without it every response stalls ~40 ms (Nagle)."""
    sock = socket.socket(
        socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP
    )
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


class LocalServer:
    """Start/stop b3os-local and drive its ``/_local`` control API (docs/internals.md)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        db: str | None = None,
        api_keys: list[str] | None = None,
        mode: Literal["thread", "subprocess"] = "thread",
        heartbeat: float = 15.0,
        stream_wait: float = 30.0,
    ) -> None:
        from b3os.local.backend import new_api_key, org_for_key

        if mode not in ("thread", "subprocess"):
            raise ValueError("mode must be 'thread' or 'subprocess'")
        self.host = host
        self.port = port
        self.mode = mode
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if db is None:
            if mode == "subprocess":  # a file, so that restart() keeps the state
                self._tmp = tempfile.TemporaryDirectory(prefix="b3os-local-")
                db = str(Path(self._tmp.name) / "b3os-local.db")
            else:
                db = ":memory:"
        self.db = db
        self.api_keys = list(api_keys) if api_keys else [new_api_key()]
        self.api_key = self.api_keys[0]
        self.org_id = org_for_key(self.api_key)
        self.heartbeat = heartbeat
        self.stream_wait = stream_wait
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._app: Any = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._out: Any = None
        self._http: httpx.Client | None = None

    def __repr__(self) -> str:  # never shows the key
        return f"LocalServer(url={self.url!r}, mode={self.mode!r}, db={self.db!r})"

    @property
    def pid(self) -> int | None:
        """The server's process id (this process in thread mode; None when stopped)."""
        if self.mode == "thread":
            return os.getpid() if self._server is not None else None
        return None if self._proc is None else self._proc.pid

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> LocalServer:
        if self.mode == "thread":
            self._start_thread()
        else:
            self._start_process()
        self._http = httpx.Client(base_url=self.url, timeout=30.0)
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None
        if self.mode == "thread":
            self._stop_thread()
        else:
            self._stop_process()

    def close(self) -> None:
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def restart(self) -> None:
        """Stop and start again on the same port and database (subprocess mode)."""
        if self.mode != "subprocess":
            raise RuntimeError(
                "restart() needs mode='subprocess' (a thread cannot simulate a process restart)"
            )
        self.stop()
        self.start()

    def _start_thread(self) -> None:
        import uvicorn

        from b3os.local.app import create_app

        sock = bind_socket(self.host, self.port)
        self.port = sock.getsockname()[1]
        self._app = create_app(
            db=self.db, api_keys=self.api_keys, heartbeat=self.heartbeat, stream_wait=self.stream_wait
        )
        config = uvicorn.Config(
            self._app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="b3os-local", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("b3os-local did not start")
            time.sleep(0.005)

    def _stop_thread(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._app is not None:
            self._app.backend.close()
        self._server = self._thread = self._app = None

    def _start_process(self) -> None:
        args = [
            sys.executable,
            "-m",
            "b3os.local",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--db",
            self.db,
            "--heartbeat",
            str(self.heartbeat),
            "--stream-wait",
            str(self.stream_wait),
        ]
        env = dict(os.environ)
        env["B3OS_LOCAL_API_KEYS"] = ",".join(self.api_keys)  # keys never appear on a command line
        self._out = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(args, stdout=self._out, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            for line in self._output().splitlines():
                if line.startswith(READY_PREFIX):
                    url = line[len(READY_PREFIX) :].split()[0]
                    self.port = int(url.rsplit(":", 1)[1])
                    return
            if self._proc.poll() is not None or time.monotonic() > deadline:
                output = self._output()
                self._stop_process()
                raise RuntimeError(f"b3os-local did not start:\n{output}")
            time.sleep(0.02)

    def _output(self) -> str:
        """What the subprocess has printed so far. Read with pread: the child writes through the same
        open file, so a seek here would move its write position too and its next line would
        overwrite the start of the file (the ready line was lost that way once)."""
        fd, data = self._out.fileno(), b""
        while chunk := os.pread(fd, 65536, len(data)):
            data += chunk
        return data.decode(errors="replace")

    def _stop_process(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        if self._out is not None:
            self._out.close()
            self._out = None

    def kill(self) -> None:
        """Kill the subprocess without a clean shutdown (crash simulation)."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()

    # -- control API ---------------------------------------------------------------------
    def _control(self, method: str, path: str, **kwargs: Any) -> Any:
        if self._http is None:
            raise RuntimeError("the server is not running; use it as a context manager or call start()")
        response = self._http.request(method, "/_local" + path, **kwargs)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self._control("POST", "/reset")

    def requests(self, since: int | None = None) -> list[dict[str, Any]]:
        """The request log (every B3OS request, in order); ``since`` = entries already seen."""
        params = {} if since is None else {"since": since}
        items: list[dict[str, Any]] = self._control("GET", "/requests", params=params)["items"]
        return items

    def clear_requests(self) -> None:
        self._control("DELETE", "/requests")

    def inject_faults(
        self,
        error_rate: float = 0.2,
        statuses: tuple[int, ...] | list[int] = (429, 503),
        retry_after: float | None = 0.1,
        latency_ms: float = 50.0,
        path: str | None = None,
        methods: tuple[str, ...] | list[str] | None = None,
        seed: int | None = None,
    ) -> None:
        body = {
            "errorRate": error_rate,
            "statuses": list(statuses),
            "retryAfter": retry_after,
            "latencyMs": latency_ms,
            "path": path,
            "methods": None if methods is None else list(methods),
            "seed": seed,
        }
        self._control("PUT", "/faults", json=body)

    def clear_faults(self) -> None:
        self._control("DELETE", "/faults")

    def configure(
        self,
        *,
        time_scale: float | None = None,
        heartbeat_seconds: float | None = None,
        stream_wait_seconds: float | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if time_scale is not None:
            body["timeScale"] = time_scale
        if heartbeat_seconds is not None:
            body["heartbeatSeconds"] = heartbeat_seconds
        if stream_wait_seconds is not None:
            body["streamWaitSeconds"] = stream_wait_seconds
        result: dict[str, Any] = self._control("PUT", "/config", json=body)
        return result

    def set_time_scale(self, value: float) -> None:
        self.configure(time_scale=value)

    def create_org(self) -> tuple[str, str]:
        data = self._control("POST", "/orgs")
        return str(data["organizationId"]), str(data["apiKey"])
