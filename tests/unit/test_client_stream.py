"""Client.stream_run and Client.run_and_follow over a MockTransport that streams SSE bodies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from b3os.client import Client
from b3os.errors import PermissionDeniedError, TransportError

KEY = "b3sk_stream_77aa88bb"


def ok(data: Any) -> httpx.Response:
    return httpx.Response(200, json={"code": 200, "message": "success", "data": data, "requestId": "r"})


def frame(payload: dict[str, Any], event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(payload)}\n\n".encode()


class FakeRunServer:
    """Serves one workflow's run: the stream, the run POST and the run GET, recording the order."""

    def __init__(self, frames: list[bytes], run_statuses: list[str], *, break_stream: bool = False) -> None:
        self.frames = frames
        self.run_statuses = iter(run_statuses)
        self.break_stream = break_stream
        self.calls: list[str] = []
        self.run_id: str | None = None
        self.started = False

    def body(self) -> Iterator[bytes]:
        # Nothing is produced before the run exists: proves the client subscribed *before* starting it.
        assert self.started, "stream body read before the run was started"
        yield b": connected\r\n\r\n"
        yield from self.frames
        if self.break_stream:
            raise httpx.ReadError("connection reset by peer")

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.calls.append(f"{request.method} {path}")
        if path.endswith("/stream"):
            self.run_id = path.split("/")[3]
            return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=self.body())
        if request.method == "POST" and path == "/v1/workflows/wf_1/run":
            body = json.loads(request.content)
            assert body["runId"] == self.run_id, "the run must use the id the stream subscribed to"
            self.started = True
            return ok({"runId": body["runId"]})
        if request.method == "GET" and path.startswith("/v1/runs/"):
            return ok({"id": path.split("/")[3], "status": next(self.run_statuses), "workflowId": "wf_1"})
        return httpx.Response(404, json={"code": 404001, "message": f"no route {path}"})


def client_for(server: Any, sleeps: list[float] | None = None) -> Client:
    record = sleeps if sleeps is not None else []
    return Client(api_key=KEY, transport=httpx.MockTransport(server), sleep=record.append)


RUN_FRAMES = [
    frame({"type": "run_started", "runId": "X", "status": "running"}),
    frame(
        {"type": "node_completed", "runId": "X", "nodeId": "say", "status": "success"}, event="node_completed"
    ),
    frame({"type": "run_completed", "runId": "X", "status": "success"}),
]


def test_run_and_follow_subscribes_first_then_confirms_with_get() -> None:
    server = FakeRunServer(RUN_FRAMES, ["success"])
    events = list(client_for(server).run_and_follow("wf_1", payload={"m": 1}))
    assert [e.type for e in events] == ["run_started", "node_completed", "run_completed", "run_final"]
    run_id = server.run_id
    assert run_id is not None and run_id.startswith("run_")
    assert server.calls == [
        f"GET /v1/runs/{run_id}/stream",
        "POST /v1/workflows/wf_1/run",
        f"GET /v1/runs/{run_id}",
    ]
    final = events[-1]
    assert final.status == "success" and final.run_id == run_id and final.data["workflowId"] == "wf_1"


def test_run_and_follow_when_the_stream_ends_without_a_terminal_event() -> None:
    frames = [frame({"type": "run_started", "status": "running"})]
    sleeps: list[float] = []
    server = FakeRunServer(frames, ["running", "running", "failure"])
    events = list(client_for(server, sleeps).run_and_follow("wf_1"))
    assert [e.type for e in events] == ["run_started", "run_final"]
    assert events[-1].status == "failure"
    assert len(sleeps) == 2  # polled until the GET showed a terminal status


def test_run_and_follow_survives_a_broken_stream() -> None:
    server = FakeRunServer(RUN_FRAMES[:1], ["success"], break_stream=True)
    events = list(client_for(server).run_and_follow("wf_1"))
    assert [e.type for e in events] == ["run_started", "run_final"]
    assert events[-1].status == "success"


def test_run_and_follow_polling_is_bounded() -> None:
    clock = iter(range(0, 10_000, 30))
    server = FakeRunServer([], ["running"] * 100)
    client = Client(
        api_key=KEY,
        transport=httpx.MockTransport(server),
        sleep=lambda s: None,
        clock=lambda: float(next(clock)),
    )
    events = list(client.run_and_follow("wf_1", wait_timeout=100.0))
    assert events[-1].type == "run_final" and events[-1].status == "running"
    assert server.calls.count(f"GET /v1/runs/{server.run_id}") <= 6


def _stream_only(body: bytes | Iterator[bytes], status: int = 200) -> Client:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["accept"] == "text/event-stream"
        assert request.extensions["timeout"]["read"] >= 60
        return httpx.Response(status, headers={"content-type": "text/event-stream"}, content=body)

    return Client(api_key=KEY, transport=httpx.MockTransport(handler), sleep=lambda s: None)


def test_stream_run_ends_on_the_terminal_event() -> None:
    body = b"".join([*RUN_FRAMES, frame({"type": "node_started", "nodeId": "late"})])
    assert [e.type for e in _stream_only(body).stream_run("run_1")] == [
        "run_started",
        "node_completed",
        "run_completed",
    ]


def test_stream_run_ends_at_eof_without_a_terminal_event() -> None:
    body = frame({"type": "run_started", "status": "running"}) + b":heartbeat\n\n"
    assert [e.type for e in _stream_only(body).stream_run("run_1")] == ["run_started"]


def test_stream_run_broken_connection_is_a_transport_error() -> None:
    def body() -> Iterator[bytes]:
        yield frame({"type": "run_started", "status": "running"})
        raise httpx.ReadTimeout("no heartbeat")

    stream = _stream_only(body()).stream_run("run_1")
    assert next(stream).type == "run_started"
    with pytest.raises(TransportError, match="timed out"):
        next(stream)


def test_stream_open_error_is_typed() -> None:
    client = _stream_only(json.dumps({"code": 403001, "message": "missing run:stream"}).encode(), status=403)
    with pytest.raises(PermissionDeniedError, match="run:stream"):
        list(client.stream_run("run_1"))


def test_stream_open_is_retried_on_503() -> None:
    answers = iter(
        [
            httpx.Response(503, json={"code": 503001, "message": "busy"}),
            httpx.Response(200, headers={"content-type": "text/event-stream"}, content=RUN_FRAMES[2]),
        ]
    )
    client = Client(api_key=KEY, transport=httpx.MockTransport(lambda r: next(answers)), sleep=lambda s: None)
    assert [e.type for e in client.stream_run("run_1")] == ["run_completed"]
