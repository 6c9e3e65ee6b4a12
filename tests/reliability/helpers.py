"""Shared tools of the reliability suite: workflow files, running the `b3os` CLI (in process or as
a real process), counting writes in b3os-local's request log, scanning output for secrets, and two
misbehaving HTTP servers (an HTML-502 proxy and a proxy that truncates run streams)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from unittest import mock

import httpx

from b3os.local import LocalServer
from tests.reliability import figures
from tests.support import QUICKSTART_DEFINITION, Calls, with_message

DEFINITION = QUICKSTART_DEFINITION

B3OS_BIN = str(Path(sys.executable).with_name("b3os"))


def definition(message: str = "Incoming message: {{$trigger.body.message}}") -> dict[str, Any]:
    return with_message(message)


def write_spec(directory: Path, name: str, *, state: str = "published", message: str | None = None) -> Path:
    path = directory / f"{name}.json"
    body = {
        "name": name,
        "state": state,
        "definition": definition(message or f"{name}: {{{{$trigger.body.message}}}}"),
    }
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


def write_specs(directory: Path, count: int, prefix: str = "wf") -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    names = [f"{prefix}-{i:03d}" for i in range(count)]
    for name in names:
        write_spec(directory, name)
    return names


# -- the CLI -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CLIResult:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def cli_env(url: str | None, key: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("B3OS_API_URL", "B3OS_API_KEY")}
    env.update({"B3OS_API_URL": url or "", "B3OS_API_KEY": key or "", "NO_COLOR": "1", "COLUMNS": "200"})
    if url is None:
        env.pop("B3OS_API_URL")
    if key is None:
        env.pop("B3OS_API_KEY")
    return env


def run_cli(args: Sequence[str], *, url: str | None, key: str | None) -> CLIResult:
    """`b3os ARGS` in this process (fast): stdout/stderr captured, environment patched."""
    from b3os.cli import main

    out, err = io.StringIO(), io.StringIO()
    with (
        mock.patch.dict(os.environ, cli_env(url, key), clear=True),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0) if not isinstance(exc.code, str) else 2
    return CLIResult(code, out.getvalue(), err.getvalue())


def spawn_cli(args: Sequence[str], *, url: str, key: str, log: Path) -> subprocess.Popen[bytes]:
    """`b3os ARGS` as a real process (for kill -9 and end-to-end runs); output goes to ``log``."""
    handle = log.open("wb")
    try:
        return subprocess.Popen(
            [B3OS_BIN, *args], stdout=handle, stderr=subprocess.STDOUT, env=cli_env(url, key)
        )
    finally:
        handle.close()


def run_cli_process(args: Sequence[str], *, url: str, key: str, timeout: float = 240) -> CLIResult:
    proc = subprocess.run(
        [B3OS_BIN, *args], capture_output=True, text=True, env=cli_env(url, key), timeout=timeout
    )
    return CLIResult(proc.returncode, proc.stdout, proc.stderr)


# -- the request log ----------------------------------------------------------------------------


def writes(server: LocalServer, since: int = 0) -> int:
    return Calls.of(server.requests(since)).writes


def faults_seen(entries: Sequence[Mapping[str, Any]]) -> int:
    """Requests b3os-local answered with an injected 429/503 (nothing else answers with those)."""
    return sum(1 for e in entries if e["status"] in (429, 503))


def workflow_names(server: LocalServer) -> list[str]:
    """Every workflow of the server's default org, archived ones included (one row per workflow)."""
    from b3os.client import Client

    with Client(base_url=server.url, api_key=server.api_key) as client:
        names = [w.name for w in client.iter_workflows()]
        names += [w.name for w in client.iter_workflows(status="archived")]
    return sorted(n or "" for n in names)


# -- secrets -------------------------------------------------------------------------------------


def assert_no_secrets(text: str, secrets: Mapping[str, str | None], where: str) -> None:
    """Scan captured output for the exact secret values; count the scan and any finding."""
    found = [label for label, value in secrets.items() if value and value in text]
    figures.add("secret_scans")
    figures.add("secrets_found", len(found))
    assert not found, f"{where} contains the {', '.join(found)} in plain text"


# -- misbehaving HTTP servers ----------------------------------------------------------------------

HTML_502 = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def _any(self) -> None:
        self.server.owner.handle(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FakeServer


class FakeServer:
    """A loopback HTTP server; subclasses implement ``handle``. Stopped on exit."""

    def __init__(self) -> None:
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self.hits = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError


class HTML502Proxy(FakeServer):
    """What a load balancer says when the API behind it is down: an HTML 502 page, every time."""

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        self.hits += 1
        length = int(request.headers.get("content-length") or 0)
        request.rfile.read(length)
        request.send_response(502)
        request.send_header("content-type", "text/html")
        request.send_header("content-length", str(len(HTML_502)))
        request.end_headers()
        request.wfile.write(HTML_502)


class TruncatingProxy(FakeServer):
    """Forwards to b3os-local, but cuts every run stream after ``keep`` bytes, mid-frame."""

    def __init__(self, upstream: str, keep: int = 60) -> None:
        super().__init__()
        self.upstream = upstream
        self.keep = keep
        self.truncated = 0

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        self.hits += 1
        length = int(request.headers.get("content-length") or 0)
        body = request.rfile.read(length) if length else None
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() in ("authorization", "content-type", "accept")
        }
        with httpx.Client(base_url=self.upstream, timeout=30) as http:
            if request.path.split("?")[0].endswith("/stream"):
                with http.stream("GET", request.path, headers=headers) as upstream:
                    # Headers at once (the client subscribes before it starts the run), then
                    # the first ``keep`` bytes, then the connection drops mid-frame.
                    request.send_response(upstream.status_code)
                    request.send_header("content-type", "text/event-stream")
                    request.send_header("connection", "close")
                    request.end_headers()
                    request.wfile.flush()
                    sent = 0
                    for chunk in upstream.iter_bytes():
                        piece = chunk[: self.keep - sent]
                        request.wfile.write(piece)
                        request.wfile.flush()
                        sent += len(piece)
                        if sent >= self.keep:
                            break
                request.close_connection = True
                self.truncated += 1
                return
            answer = http.request(request.command, request.path, headers=headers, content=body)
        request.send_response(answer.status_code)
        for key in ("content-type", "x-request-id", "retry-after"):
            if key in answer.headers:
                request.send_header(key, answer.headers[key])
        request.send_header("content-length", str(len(answer.content)))
        request.end_headers()
        request.wfile.write(answer.content)


@contextlib.contextmanager
def html_502_proxy() -> Iterator[HTML502Proxy]:
    with HTML502Proxy() as proxy:
        yield proxy
