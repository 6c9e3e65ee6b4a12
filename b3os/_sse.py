"""A tolerant Server-Sent Events reader for run streams.

Accepts both styles the API may use (b3os-api.md §9 G1): an ``event:`` line naming the event,
and/or a JSON ``data:`` payload with a ``type`` field (the JSON ``type`` wins when both exist).
``:`` lines are comments/heartbeats, several ``data:`` lines of one frame are joined with ``\\n``,
CRLF and CR line ends are accepted. Unknown event types are passed through as progress.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from b3os.models import RunEvent

__all__ = ["SSEFrame", "iter_frames", "iter_run_events", "run_event_from_frame"]


@dataclass(frozen=True)
class SSEFrame:
    event: str | None
    data: str
    id: str | None = None


def _split_lines(lines: Iterable[str]) -> Iterator[str]:
    # Input is lines (httpx.iter_lines already splits \n, \r\n, \r); a line that still carries
    # terminators (a test feeding whole frames, a stray CR) is split again rather than misread.
    for chunk in lines:
        if "\n" not in chunk and "\r" not in chunk:
            yield chunk
            continue
        text = chunk.replace("\r\n", "\n").replace("\r", "\n")
        yield from (text[:-1] if text.endswith("\n") else text).split("\n")


def iter_frames(lines: Iterable[str]) -> Iterator[SSEFrame]:
    """Group lines into frames; a blank line dispatches, EOF dispatches a pending frame too."""
    event: str | None = None
    event_id: str | None = None
    data: list[str] = []
    for line in _split_lines(lines):
        if line == "":
            if data:
                yield SSEFrame(event=event, data="\n".join(data), id=event_id)
            event, data = None, []
            continue
        if line.startswith(":"):
            continue  # comment / heartbeat
        field, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if field == "data":
            data.append(value)
        elif field == "event":
            event = value or None
        elif field == "id":
            event_id = value or None
        # "retry" and unknown fields are ignored, as the SSE spec says.
    if data:
        yield SSEFrame(event=event, data="\n".join(data), id=event_id)


def run_event_from_frame(frame: SSEFrame) -> RunEvent:
    """Decode one frame into a RunEvent; a non-JSON payload is kept as ``data={"raw": text}``."""
    try:
        payload = json.loads(frame.data)
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        kind = payload.get("type")
        type_ = kind if isinstance(kind, str) and kind else (frame.event or "message")
        return RunEvent(
            type=type_,
            run_id=_str_or_none(payload.get("runId")),
            node_id=_str_or_none(payload.get("nodeId")),
            status=_str_or_none(payload.get("status")),
            data=payload,
        )
    return RunEvent(type=frame.event or "message", data={"raw": frame.data})


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def iter_run_events(lines: Iterable[str]) -> Iterator[RunEvent]:
    """Yield run events until the terminal one (inclusive) or until the lines run out."""
    for frame in iter_frames(lines):
        event = run_event_from_frame(frame)
        yield event
        if event.is_terminal:
            return
