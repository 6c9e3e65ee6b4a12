# Copyright: b3os-iac contributors
# Apache License 2.0 (see LICENSE at https://www.apache.org/licenses/LICENSE-2.0)

"""b3os.b3os.run_events: B3OS run events for Event-Driven Ansible (ansible-rulebook).

Puts one event on the queue per run or node transition of the runs of some workflows, or of the
whole organization: ``run_started``, ``node_completed`` / ``node_failed`` / ``node_skipped`` /
``node_waiting`` ..., ``run_completed`` (with the final ``status``: success, partial, failure,
cancelled).

Arguments (all optional):

  api_url         B3OS API base URL (default: B3OS_API_URL, then https://api.b3os.org)
  api_key         API key (default: B3OS_API_KEY); never put in events or logs
  workflows       list of workflow ids (wf_...) or names to follow; without it, every run of the
                  organization (discovered by listing runs every ``poll_interval``)
  node_events     false to get run_started / run_completed only (default true)
  cursor_file     JSON file keeping the cursor, so a restarted source resumes where it stopped
                  (default: the cursor lives in memory and survives reconnects only)
  poll_interval   seconds between listings of recent runs (default 2; also the reconnect delay)
  since           "now" (default): runs started from the first start on; "all": every run
                  listed (with a cursor_file, the file's start time wins)

Each event looks like::

  {"b3os": {"event_id": "run_.../node_failed/check/1", "type": "node_failed",
            "run_id": "run_...", "workflow_id": "wf_...", "node_id": "check",
            "status": "failure", "data": {...the stream frame...}}}

How nothing is missed or duplicated: a run's stream (``GET /v1/runs/{id}/stream``) replays the
run from its start, so after any disconnect the source reopens it and skips the transitions it
already delivered; each transition has a stable ``event_id`` (run id, event type, node id and
occurrence number). Runs that started while the source was disconnected are found by listing the
workflow's (or the organization's) runs started since the cursor's start time; the workflow feed
(``GET /v1/workflows/{id}/runs/stream``) only makes new runs show up at once. The cursor (ids
delivered per unfinished run, finished runs, start time) is written to ``cursor_file`` after the
rulebook has taken each event off the queue, one event at a time. Stopped normally (SIGTERM or
SIGINT, which ansible-rulebook turns into a cancellation of the source), the source records the
event the rulebook took and not one still queued: exactly once across the restart. (While it
runs, the source has the event loop take the two signals and then call the handler that was
installed before, so that the stop lands between two steps, never inside a delivery.) Killed
(SIGKILL) after an event was taken and before the write, it redelivers that one event with the
same ``event_id`` (at-least-once in that window); rules that must act once can compare
``event.b3os.event_id``.

Needs the b3os-iac Python package in the Python that runs ansible-rulebook.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
from datetime import datetime, timezone
from typing import Any

DOCUMENTATION = r"""
---
short_description: Follow B3OS run events (runs and node transitions) of workflows or an organization.
description:
  - An ansible-rulebook event source that puts one event per B3OS run or node transition on the
    queue, reconnecting with its cursor so that no event is lost or delivered twice.
options:
  api_url:
    description: B3OS API base URL. Defaults to the B3OS_API_URL environment variable.
    type: str
  api_key:
    description: B3OS API key. Defaults to the B3OS_API_KEY environment variable.
    type: str
  workflows:
    description: Workflow ids or names; without it, every run of the organization.
    type: list
    elements: str
  node_events:
    description: Whether node transitions are events too (not only run_started / run_completed).
    type: bool
    default: true
  cursor_file:
    description: File that keeps the cursor across restarts of the source.
    type: str
  poll_interval:
    description: Seconds between listings of recent runs, and the reconnect delay.
    type: float
    default: 2
  since:
    description: V(now) to start with runs started from now on, V(all) for every listed run.
    type: str
    default: now
"""

EXAMPLES = r"""
- name: React to failed B3OS runs
  hosts: localhost
  sources:
    - b3os.b3os.run_events:
        workflows: [nightly report]
        cursor_file: /var/lib/eda/b3os-cursor.json
  rules:
    - name: A run failed
      condition: event.b3os.type == "run_completed" and event.b3os.status == "failure"
      action:
        run_playbook:
          name: playbooks/on_failed_run.yml
"""

RUN_TERMINAL = "run_completed"
TERMINAL_STATUSES = ("success", "partial", "failure", "cancelled", "canceled")
FINISHED_KEEP = 5000  # finished run ids kept in the cursor (older ones are before `since` anyway)


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _before(started: str, since: str) -> bool:
    """Whether an ISO-8601 time is before another (unparsable times count as not before)."""
    try:
        return datetime.fromisoformat(started.replace("Z", "+00:00")) < datetime.fromisoformat(
            since.replace("Z", "+00:00")
        )
    except ValueError:
        return False


class Cursor:
    """What was delivered: event ids per unfinished run, finished runs, and the start time."""

    def __init__(self, path: str | None, since: str | None) -> None:
        self.path = path
        self.since = since
        self.delivered: dict[str, list[str]] = {}
        self.finished: list[str] = []
        self.workflow_of: dict[str, str] = {}
        if path and os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                doc = json.load(handle)
            self.since = doc.get("since", since)
            self.delivered = {k: list(v) for k, v in doc.get("delivered", {}).items()}
            self.finished = list(doc.get("finished", []))
        self._finished = set(self.finished)
        self._seen = {run: set(ids) for run, ids in self.delivered.items()}

    def is_finished(self, run_id: str) -> bool:
        return run_id in self._finished

    def seen(self, run_id: str, event_id: str) -> bool:
        return run_id in self._finished or event_id in self._seen.get(run_id, ())

    def record(self, run_id: str, event_id: str, terminal: bool) -> None:
        if terminal:
            self._seen.pop(run_id, None)
            self.delivered.pop(run_id, None)
            self._finished.add(run_id)
            self.finished.append(run_id)
            if len(self.finished) > FINISHED_KEEP:
                drop = self.finished[: len(self.finished) - FINISHED_KEEP]
                self.finished = self.finished[len(drop) :]
                self._finished.difference_update(drop)
        else:
            self._seen.setdefault(run_id, set()).add(event_id)
            self.delivered.setdefault(run_id, []).append(event_id)
        self.save()

    def save(self) -> None:
        if not self.path:
            return
        doc = {"since": self.since, "delivered": self.delivered, "finished": self.finished}
        tmp = "%s.tmp" % self.path
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(doc, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)


def _event_key(event: Any, counts: dict[tuple[str, str], int]) -> str:
    node = event.node_id or "-"
    key = (event.type, node)
    counts[key] = counts.get(key, 0) + 1
    return "%s/%s/%s/%d" % (event.run_id, event.type, node, counts[key])


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_active: set[RunEvents] = set()
_previous: dict[int, Any] = {}


def _on_stop_signal(signum: int) -> None:
    """SIGINT/SIGTERM, run by the event loop between two steps of its tasks: stop every source,
    then what the process had installed (ansible-rulebook's handler raises KeyboardInterrupt)."""
    for source in list(_active):
        source.stop.set()
    previous = _previous.get(signum)
    if callable(previous):
        previous(signum, None)
    elif previous != signal.SIG_IGN:  # SIG_DFL: die of the signal, as without the source
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


def _take_stop_signals(source: RunEvents, loop: asyncio.AbstractEventLoop) -> None:
    """While sources run, SIGINT/SIGTERM go through the loop. Raised by a plain Python handler,
    the KeyboardInterrupt lands at any bytecode of the main thread, e.g. between the hand-out of
    an event and its cursor write (a duplicate after the restart); from the loop, the stop
    cancels the source at an await, where a delivery knows whether the consumer took its event."""
    if not _active:
        for signum in _STOP_SIGNALS:
            previous = signal.getsignal(signum)
            try:
                loop.add_signal_handler(signum, _on_stop_signal, signum)
            except (ValueError, RuntimeError, NotImplementedError):
                continue  # not the main thread, or no signals on this loop: stops land as before
            _previous[signum] = previous
    _active.add(source)


def _give_back_stop_signals(source: RunEvents, loop: asyncio.AbstractEventLoop) -> None:
    _active.discard(source)
    if _active:
        return
    for signum, previous in list(_previous.items()):
        del _previous[signum]
        if not loop.is_closed():
            loop.remove_signal_handler(signum)
        signal.signal(signum, previous)


class RunEvents:
    """The source: discovery (feed + listings) and one follower thread per unfinished run."""

    def __init__(self, queue: asyncio.Queue[Any], args: dict[str, Any]) -> None:
        from b3os.client import Client

        self.queue = queue
        self.args = args
        self.client_factory = lambda: Client(
            base_url=args.get("api_url") or None,
            api_key=args.get("api_key") or None,
            timeout=float(args.get("timeout", 30)),
            user_agent="b3os.b3os.run_events",
        )
        self.node_events = bool(args.get("node_events", True))
        self.poll = float(args.get("poll_interval", 2))
        since = None if str(args.get("since", "now")).lower() == "all" else _now_iso()
        self.cursor = Cursor(args.get("cursor_file"), since)
        self.cursor.save()
        self.following: set[str] = set()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stop = threading.Event()
        self.delivering = asyncio.Lock()
        self.errors: asyncio.Queue[BaseException] = asyncio.Queue()

    # -- delivery (runs in the event loop) ------------------------------------------------------

    async def deliver(self, event: Any, event_id: str, workflow_id: str | None) -> None:
        # One delivery at a time: at most one event is handed out and not yet in the cursor, so
        # a stop can tell whether the consumer has it (the queue is empty) or not.
        async with self.delivering:
            await self._deliver(event, event_id, workflow_id)

    async def _deliver(self, event: Any, event_id: str, workflow_id: str | None) -> None:
        run_id = event.run_id
        if self.stop.is_set() or self.cursor.seen(run_id, event_id):
            return
        terminal = event.type == RUN_TERMINAL or (
            event.type.startswith("run_") and event.status in TERMINAL_STATUSES
        )
        if not (self.node_events or event.type.startswith("run_")):
            self.cursor.record(run_id, event_id, terminal)  # not wanted: only remembered
            return
        handed = False
        try:
            await self.queue.put(
                {
                    "b3os": {
                        "event_id": event_id,
                        "type": event.type,
                        "run_id": run_id,
                        "workflow_id": workflow_id,
                        "node_id": event.node_id,
                        "status": event.status,
                        "data": event.data,
                    }
                }
            )
            handed = True
            # Commit once the consumer has taken the event off the queue (ansible-rulebook hands
            # sources a FilteredQueue wrapping the real asyncio.Queue as .queue).
            while self._pending() and not self.stop.is_set():
                await asyncio.sleep(0.005)
        finally:
            # Also when a normal stop (SIGTERM/SIGINT: ansible-rulebook cancels the source)
            # interrupts the wait: an event the consumer took is recorded, one still queued is
            # not (it is delivered again after the restart). Exactly once across a normal stop.
            if handed and not self._pending():
                self.cursor.record(run_id, event_id, terminal)

    def _pending(self) -> int:
        inner = getattr(self.queue, "queue", self.queue)
        qsize = getattr(inner, "qsize", None)
        return int(qsize()) if callable(qsize) else 0

    def _call(self, coro: Any) -> Any:
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    # -- threads ---------------------------------------------------------------------------------

    def _thread(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=self._guard, args=(target,) + args, daemon=True)
        thread.start()

    def _guard(self, target: Any, *args: Any) -> None:
        try:
            target(*args)
        except BaseException as exc:  # surfaced by main(): a source must not die silently
            if self.loop is not None and not self.stop.is_set():
                self.loop.call_soon_threadsafe(self.errors.put_nowait, exc)

    def follow(self, run_id: str, workflow_id: str | None) -> None:
        """Deliver a run's transitions; reopen its replaying stream until the terminal one."""
        if run_id in self.following or self.cursor.is_finished(run_id):
            return
        self.following.add(run_id)
        self._thread(self._follow, run_id, workflow_id)

    def _follow(self, run_id: str, workflow_id: str | None) -> None:
        from b3os.errors import NotFoundError, TransportError

        try:
            with self.client_factory() as client:
                while not self.stop.is_set():
                    counts: dict[tuple[str, str], int] = {}
                    try:
                        for event in client.stream_run(run_id):
                            if event.run_id is None:
                                continue  # comments, errors without a run
                            workflow_id = workflow_id or event.data.get("workflowId")
                            self._call(self.deliver(event, _event_key(event, counts), workflow_id))
                            if self.cursor.is_finished(run_id):
                                return
                    except (TransportError, NotFoundError):
                        pass  # reconnect below; the replay skips what was delivered
                    if self.cursor.is_finished(run_id):
                        return
                    self.stop.wait(self.poll)
        finally:
            self.loop.call_soon_threadsafe(self.following.discard, run_id)  # type: ignore[union-attr]

    def _resolve(self, client: Any) -> list[str] | None:
        names = self.args.get("workflows")
        if not names:
            return None
        from b3os.workflow import WorkflowSpec, read

        ids = []
        for name in names:
            name = str(name)
            spec = WorkflowSpec.build(id=name) if name.startswith("wf_") else WorkflowSpec.build(name=name)
            state = read(client, spec)
            if state is None:
                raise ValueError("b3os.b3os.run_events: no workflow %s" % spec.label)
            ids.append(state.id)
        return ids

    def _feed(self, workflow_id: str) -> None:
        """New runs of one workflow at once (the listing in _discover covers any gap)."""
        from b3os.errors import TransportError

        with self.client_factory() as client:
            while not self.stop.is_set():
                try:
                    for event in client.runs.stream_workflow(workflow_id):
                        if event.type == "run_started" and event.run_id:
                            self.loop.call_soon_threadsafe(  # type: ignore[union-attr]
                                self.follow, event.run_id, workflow_id
                            )
                        if self.stop.is_set():
                            return
                except TransportError:
                    pass
                self.stop.wait(self.poll)

    def _discover(self, workflow_ids: list[str] | None) -> None:
        """List recent runs (per workflow, or the organization's) and follow the unfinished ones."""
        from b3os.errors import TransportError

        with self.client_factory() as client:
            while not self.stop.is_set():
                try:
                    for workflow_id in workflow_ids or [None]:
                        for run in client.iter_runs(workflow_id=workflow_id):
                            started = run.started_at or ""
                            if self.cursor.since and started and _before(started, self.cursor.since):
                                break  # newest first: the rest started before the cursor's start
                            if not self.cursor.is_finished(run.id):
                                self.loop.call_soon_threadsafe(  # type: ignore[union-attr]
                                    self.follow, run.id, run.workflow_id or workflow_id
                                )
                except TransportError:
                    pass
                self.stop.wait(self.poll)

    async def run(self) -> None:
        self.loop = asyncio.get_running_loop()
        _take_stop_signals(self, self.loop)
        try:
            await self._run()
        finally:
            _give_back_stop_signals(self, self.loop)

    async def _run(self) -> None:
        client = self.client_factory()
        with client:
            workflow_ids = await asyncio.to_thread(self._resolve, client)
        # Runs the cursor knows as unfinished first (a restart resumes them even if listings page away).
        for run_id in list(self.cursor.delivered):
            self.follow(run_id, None)
        for workflow_id in workflow_ids or []:
            self._thread(self._feed, workflow_id)
        self._thread(self._discover, workflow_ids)
        try:
            raise await self.errors.get()
        finally:
            self.stop.set()
            # A stop's KeyboardInterrupt may have cut a cursor write short (record() updates the
            # cursor in memory first): write it whole once more, after the last delivery.
            self.cursor.save()


async def main(queue: asyncio.Queue[Any], args: dict[str, Any]) -> None:
    """ansible-rulebook entry point."""
    source = RunEvents(queue, dict(args))
    await source.run()


if __name__ == "__main__":
    # Try it: B3OS_API_URL=... B3OS_API_KEY=... python run_events.py [workflow ...]
    import sys

    class _Printer(asyncio.Queue):  # type: ignore[type-arg]
        async def put(self, item: Any) -> None:
            print(json.dumps(item), flush=True)

    asyncio.run(main(_Printer(), {"workflows": sys.argv[1:] or None, "since": "now"}))
