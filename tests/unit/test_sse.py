"""b3os._sse: the tolerant run-stream reader (b3os-api.md §8.3 and §9 G1)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from b3os._sse import SSEFrame, iter_frames, iter_run_events, run_event_from_frame


def lines(text: str) -> list[str]:
    """What httpx.iter_lines yields: one line per item, terminators stripped."""
    return text.replace("\r\n", "\n").split("\n")


def test_type_style_frames_with_heartbeats() -> None:
    body = (
        ": connected\n\n"
        'data: {"type":"run_started","runId":"run_1","workflowId":"wf_1","status":"running"}\n\n'
        ":heartbeat\n\n"
        'data: {"type":"node_completed","runId":"run_1","nodeId":"say","status":"success","result":{"m":1}}\n\n'
        'data: {"type":"run_completed","runId":"run_1","status":"success"}\n\n'
    )
    events = list(iter_run_events(lines(body)))
    assert [e.type for e in events] == ["run_started", "node_completed", "run_completed"]
    assert (
        events[1].node_id == "say" and events[1].status == "success" and events[1].data["result"] == {"m": 1}
    )
    assert all(e.run_id == "run_1" for e in events)


def test_event_line_style_without_type_in_payload() -> None:
    body = (
        "event: run_started\n"
        'data: {"runId":"run_1","status":"running"}\n'
        "\n"
        "event: node_failed\n"
        'data: {"runId":"run_1","nodeId":"x","status":"failure","error":"boom"}\n'
        "\n"
        "event: run_completed\n"
        'data: {"runId":"run_1","status":"failure"}\n'
        "\n"
    )
    events = list(iter_run_events(lines(body)))
    assert [(e.type, e.status) for e in events] == [
        ("run_started", "running"),
        ("node_failed", "failure"),
        ("run_completed", "failure"),
    ]


def test_json_type_wins_over_event_line() -> None:
    frame = SSEFrame(event="message", data='{"type":"node_started","nodeId":"a"}')
    assert run_event_from_frame(frame).type == "node_started"


def test_multi_line_data_is_joined_with_newlines() -> None:
    body = 'data: {"type":"node_completed",\ndata:  "nodeId":"a",\ndata: "status":"success"}\n\n'
    frames = list(iter_frames(lines(body)))
    assert frames == [
        SSEFrame(event=None, data='{"type":"node_completed",\n "nodeId":"a",\n"status":"success"}')
    ]
    event = run_event_from_frame(frames[0])
    assert (event.type, event.node_id) == ("node_completed", "a")


def test_crlf_and_cr_line_endings() -> None:
    raw = [
        'event: run_started\r\ndata: {"runId":"r"}\r\n\r\n',
        'data: {"type":"run_completed","status":"success"}\r\r',
    ]
    assert [e.type for e in iter_run_events(raw)] == ["run_started", "run_completed"]


def test_non_json_data_and_unknown_types_pass_through_as_progress() -> None:
    body = 'data: plain text progress\n\ndata: {"type":"brand_new_event","x":1}\n\nid: 7\nretry: 10\ndata: {}\n\n'
    events = list(iter_run_events(lines(body)))
    assert [e.type for e in events] == ["message", "brand_new_event", "message"]
    assert events[0].data == {"raw": "plain text progress"}
    assert events[1].data == {"type": "brand_new_event", "x": 1}


def test_frames_without_data_are_not_dispatched() -> None:
    assert list(iter_frames(lines("event: ping\n\n: comment only\n\n\n"))) == []


def test_reader_stops_at_the_terminal_event_even_if_more_follows() -> None:
    body = (
        'data: {"type":"run_started","status":"running"}\n\n'
        'data: {"type":"run_failed","status":"failure"}\n\n'
        'data: {"type":"node_started"}\n\n'
    )
    assert [e.type for e in iter_run_events(lines(body))] == ["run_started", "run_failed"]


def test_stream_that_ends_without_terminal_event_ends_cleanly() -> None:
    # Last frame lacks its blank line: EOF still dispatches it, and the generator simply ends.
    body = 'data: {"type":"run_started","status":"running"}\n\ndata: {"type":"node_started","nodeId":"a"}'
    events = list(iter_run_events(lines(body)))
    assert [e.type for e in events] == ["run_started", "node_started"]
    assert not events[-1].is_terminal


def test_reader_does_not_read_past_the_terminal_event() -> None:
    # A server that keeps the connection open after run_completed must not block the reader.
    consumed: list[str] = []

    def endless() -> Iterator[str]:
        yield 'data: {"type":"run_completed","status":"success"}'
        yield ""
        while True:
            consumed.append(":heartbeat")
            yield ":heartbeat"

    assert [e.type for e in iter_run_events(endless())] == ["run_completed"]
    assert consumed == []


def test_event_data_is_the_raw_frame() -> None:
    payload = {"type": "node_completed", "runId": "r", "nodeId": "n", "status": "success", "finishedAt": "t"}
    (event,) = iter_run_events([f"data: {json.dumps(payload)}", ""])
    assert event.data == payload
