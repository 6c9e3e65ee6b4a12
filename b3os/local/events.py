"""In-memory event channels for the SSE streams.

Each run has a channel holding its events in order; a subscriber replays from the first
event, so one that arrives late (even after the end) still sees the whole run and then the
terminal event at once (§9 G1). Workflow feeds carry run_started/run_completed per workflow.
Channels of finished runs are kept for the most recent ``keep`` runs only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

__all__ = ["EventBus", "Listener", "RunChannel", "TERMINAL_EVENT"]

TERMINAL_EVENT = "run_completed"
# Called with (run_id, event, workflow_id) after each publish, outside the bus lock; must not block.
Listener = Callable[[str, dict[str, Any], str | None], None]


class RunChannel:
    __slots__ = ("events", "done")

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.done = False


class EventBus:
    def __init__(self, keep: int = 2000, feed_keep: int = 1000) -> None:
        self._lock = threading.Lock()
        self._runs: OrderedDict[str, RunChannel] = OrderedDict()
        self._keep = keep
        self._feeds: dict[str, tuple[int, list[dict[str, Any]]]] = {}
        self._feed_keep = feed_keep
        self._listeners: list[Listener] = []

    def add_listener(self, listener: Listener) -> None:
        """Also hand every published event to ``listener`` (execution webhook delivery)."""
        self._listeners.append(listener)

    def channel(self, run_id: str) -> RunChannel | None:
        with self._lock:
            return self._runs.get(run_id)

    def open(self, run_id: str) -> RunChannel:
        with self._lock:
            channel = self._runs.get(run_id)
            if channel is None:
                channel = self._runs[run_id] = RunChannel()
            return channel

    def publish(self, run_id: str, event: dict[str, Any], workflow_id: str | None = None) -> None:
        with self._lock:
            channel = self._runs.get(run_id)
            if channel is None:
                channel = self._runs[run_id] = RunChannel()
            channel.events.append(event)
            if event["type"] == TERMINAL_EVENT:
                channel.done = True
                self._runs.move_to_end(run_id)
                self._evict()
            if workflow_id and event["type"] in ("run_started", TERMINAL_EVENT, "run_waiting"):
                base, items = self._feeds.get(workflow_id, (0, []))
                items.append(event)
                if len(items) > self._feed_keep:
                    drop = len(items) - self._feed_keep
                    base, items = base + drop, items[drop:]
                self._feeds[workflow_id] = (base, items)
        for listener in self._listeners:
            listener(run_id, event, workflow_id)

    def _evict(self) -> None:
        finished = [rid for rid, ch in self._runs.items() if ch.done]
        for rid in finished[: max(0, len(finished) - self._keep)]:
            del self._runs[rid]

    def feed_position(self, workflow_id: str) -> int:
        with self._lock:
            base, items = self._feeds.get(workflow_id, (0, []))
            return base + len(items)

    def feed_since(self, workflow_id: str, position: int) -> tuple[int, list[dict[str, Any]]]:
        with self._lock:
            base, items = self._feeds.get(workflow_id, (0, []))
            start = max(0, position - base)
            return base + len(items), items[start:]

    def clear(self) -> None:
        with self._lock:
            self._runs.clear()
            self._feeds.clear()
