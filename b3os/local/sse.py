"""Server-sent event streams (§8.3, G1): ``event:`` line + JSON ``data:`` with a ``type``.

A run stream replays the run's events from the start, then follows it until the terminal
``run_completed`` and closes. A subscriber may connect before the run exists (client-chosen
run id): the stream waits for it, bounded by ``settings.stream_wait``. Heartbeats are ``:``
comment lines every ``settings.heartbeat`` seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from b3os.local.backend import Backend
from b3os.local.events import TERMINAL_EVENT
from b3os.local.util import dumps
from b3os.local.workflows import Caller

__all__ = ["frame", "run_stream", "workflow_stream"]

POLL_SECONDS = 0.02


def frame(event: dict[str, Any]) -> bytes:
    return f"event: {event['type']}\ndata: {dumps(event)}\n\n".encode()


def _synthesized(run: dict[str, Any]) -> list[dict[str, Any]]:
    """Events rebuilt from a stored run whose live channel is gone (restart, eviction)."""
    rid = run["id"]
    events: list[dict[str, Any]] = [
        {
            "type": "run_started",
            "runId": rid,
            "workflowId": run["workflowId"],
            "status": "running",
            "startedAt": run["startedAt"],
        }
    ]
    names = {
        "success": "node_completed",
        "partial": "node_completed",
        "failure": "node_failed",
        "skipped": "node_skipped",
    }
    nodes = sorted(
        ((nid, e) for nid, e in (run.get("executionState") or {}).items() if nid != run.get("triggerNodeId")),
        key=lambda item: item[1].get("startedAt") or "",
    )
    for nid, entry in nodes:
        name = names.get(entry.get("status", ""))
        if name is None:
            continue
        event = {
            "type": name,
            "runId": rid,
            "nodeId": nid,
            "nodeType": entry.get("type"),
            "status": entry["status"],
        }
        for key in ("result", "startedAt", "finishedAt"):
            if key in entry:
                event[key] = entry[key]
        events.append(event)
    events.append(
        {
            "type": TERMINAL_EVENT,
            "runId": rid,
            "workflowId": run["workflowId"],
            "status": run["status"],
            "finishedAt": run.get("finishedAt"),
            "summary": run.get("summary", ""),
        }
    )
    return events


async def run_stream(backend: Backend, settings: Any, caller: Caller, run_id: str) -> AsyncIterator[bytes]:
    yield b": connected\n\n"
    waited_since = time.monotonic()
    last_beat = time.monotonic()
    channel = None
    while channel is None:
        channel = backend.bus.channel(run_id)
        if channel is None:
            stored = backend.store.get_run(run_id)
            if stored is not None and backend.engine.live(run_id) is None:
                if stored["organizationId"] != caller.org_id:
                    yield frame({"type": "error", "runId": run_id, "error": f"run {run_id} not found"})
                    return
                for event in _synthesized(stored):
                    yield frame(event)
                return
            if time.monotonic() - waited_since > settings.stream_wait:
                yield frame(
                    {
                        "type": "error",
                        "runId": run_id,
                        "error": f"run {run_id} did not start within {settings.stream_wait:g} s",
                    }
                )
                return
            if time.monotonic() - last_beat >= settings.heartbeat:
                last_beat = time.monotonic()
                yield b": heartbeat\n\n"
            await asyncio.sleep(POLL_SECONDS)
    handle = backend.engine.live(run_id)
    doc = handle.run if handle is not None else backend.store.get_run(run_id)
    if doc is not None and doc["organizationId"] != caller.org_id:
        yield frame({"type": "error", "runId": run_id, "error": f"run {run_id} not found"})
        return
    index = 0
    while True:
        events = channel.events[index:]
        for event in events:
            index += 1
            yield frame(event)
            if event["type"] == TERMINAL_EVENT:
                return
        if not events:
            if time.monotonic() - last_beat >= settings.heartbeat:
                last_beat = time.monotonic()
                yield b": heartbeat\n\n"
            await asyncio.sleep(POLL_SECONDS)
        else:
            last_beat = time.monotonic()


async def workflow_stream(backend: Backend, settings: Any, workflow_id: str) -> AsyncIterator[bytes]:
    """Run starts/ends of one workflow from now on; never ends by itself (client closes)."""
    yield b": connected\n\n"
    position = backend.bus.feed_position(workflow_id)
    last_beat = time.monotonic()
    while True:
        position, events = backend.bus.feed_since(workflow_id, position)
        for event in events:
            yield frame(event)
        if events:
            last_beat = time.monotonic()
        elif time.monotonic() - last_beat >= settings.heartbeat:
            last_beat = time.monotonic()
            yield b": heartbeat\n\n"
        await asyncio.sleep(POLL_SECONDS)
