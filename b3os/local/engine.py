"""The run engine: executes runs in background threads (shared/b3os-api.md §7, §8.2, §11).

Depth-first from the trigger in ``children`` order; expressions see the trigger and the
ancestors on the path. A node runs with the handler its b3os.catalog entry names (``local``):
log, delay, if, for-each, wait, format, filter and pluck today; every other type is simulated
when ``simulate`` is set and fails otherwise. No node
executes code or touches the network. State changes are persisted and published as SSE events.
"""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

from b3os import catalog
from b3os.local.conditions import ConditionError, evaluate
from b3os.local.events import TERMINAL_EVENT, EventBus
from b3os.local.expressions import Scope, resolve
from b3os.local.nodes import HANDLERS, NodeFailed
from b3os.local.store import Store
from b3os.local.util import now_iso

__all__ = ["BUILTIN_TYPES", "Engine", "RunHandle"]

# The types this engine really runs: every catalog action with a local handler (b3os.catalog).
BUILTIN_TYPES = frozenset(t for t in catalog.action_types() if catalog.local_handler(t))
MAX_ITERATIONS = 100  # for-each limit (§6)
HEAVY_FIELDS = ("executionState", "workflowDefinition")
PERSIST_INTERVAL = 0.25  # seconds between per-node writes of a live run
TERMINAL = frozenset({"success", "partial", "failure", "cancelled"})


_ABSENT = object()


class _Stop(Exception):
    """The run was cancelled (or the server is stopping): unwind without writing."""


class RunHandle:
    """One live run: its document, its cancel/resume signals and its worker thread."""

    def __init__(
        self,
        engine: Engine,
        run: dict[str, Any],
        definition: dict[str, Any],
        *,
        simulate: bool,
        prefilled: frozenset[str] = frozenset(),
    ) -> None:
        self.engine = engine
        self.run = run
        self.definition = definition
        self.nodes: dict[str, dict[str, Any]] = definition.get("nodes") or {}
        self.simulate = simulate
        self.prefilled = prefilled
        self.lock = threading.RLock()
        self.stop_event = threading.Event()
        self.finished = False
        self.partial = False
        self._resume: dict[str, tuple[threading.Event, list[Any]]] = {}
        self._persisted_at = 0.0

    # -- bookkeeping (every write checks ``finished`` under the lock) ---------------------
    def _emit(self, event: dict[str, Any]) -> None:
        self.engine.bus.publish(self.run["id"], {**event, "runId": self.run["id"]}, self.run["workflowId"])

    def _persist(self, *, throttle: bool = False) -> None:
        """Write the run row. Per-node writes are throttled: a 10,000-node run must not rewrite its
        growing document 10,000 times; readers of a live run get the in-memory snapshot anyway."""
        now = time.monotonic()
        if throttle and now - self._persisted_at < PERSIST_INTERVAL:
            return
        self._persisted_at = now
        self.engine.store.put_run(self.run)

    def _set_node(self, es: dict[str, Any], nid: str, event: str | None, **fields: Any) -> None:
        with self.lock:
            if self.finished:
                raise _Stop
            entry = es[nid]
            entry.update(fields)
            if event is not None:
                payload: dict[str, Any] = {
                    "type": event,
                    "nodeId": nid,
                    "nodeType": entry.get("type"),
                    "status": entry["status"],
                }
                for key in ("startedAt", "finishedAt", "result", "iteration"):
                    if key in entry:
                        payload[key] = entry[key]
                if entry["status"] == "failure":
                    payload["error"] = (entry.get("result") or {}).get("error")
                self._emit(payload)
            if event in ("node_completed", "node_failed") and es is self.run["executionState"]:
                self._persist(throttle=True)

    def snapshot(self, *, light: bool = False) -> dict[str, Any]:
        """A copy of the live run; ``light`` leaves out the (large) per-node state and definition."""
        with self.lock:
            if light:
                return {k: copy.deepcopy(v) for k, v in self.run.items() if k not in HEAVY_FIELDS}
            return copy.deepcopy(self.run)

    # -- control from request handlers ---------------------------------------------------
    def cancel(self) -> dict[str, Any] | None:
        with self.lock:
            if self.finished:
                return None
            now = now_iso()
            for entry in self.run["executionState"].values():
                if entry.get("status") in ("pending", "running", "waiting", "scheduled"):
                    entry["status"] = "cancelled"
                    entry.setdefault("finishedAt", now)
            self._finish("cancelled", "run cancelled by user")
            return copy.deepcopy(self.run)

    def resume(self, nid: str, data: Any) -> bool:
        with self.lock:
            slot = self._resume.get(nid)
            if self.finished or slot is None or slot[0].is_set():
                return False
            slot[1].append(data)
            slot[0].set()
            return True

    def abort(self, reason: str) -> None:
        """Server stop or reset: end the run as failure (or just stop if already gone)."""
        with self.lock:
            if not self.finished:
                self._finish("failure", reason, persist=self.engine.persist_aborts)
        self.stop_event.set()

    def _finish(self, status: str, summary: str, *, persist: bool = True) -> None:
        self.finished = True
        self.run["status"] = status
        self.run["finishedAt"] = now_iso()
        self.run["summary"] = summary
        if persist:
            self._persist()
        self._emit(
            {
                "type": TERMINAL_EVENT,
                "workflowId": self.run["workflowId"],
                "status": status,
                "finishedAt": self.run["finishedAt"],
                "summary": summary,
            }
        )
        self.stop_event.set()
        self.engine.forget(self.run["id"])

    # -- the worker ----------------------------------------------------------------------
    def execute(self) -> None:
        try:
            with self.lock:
                if self.finished:
                    return
                self._emit(
                    {
                        "type": "run_started",
                        "workflowId": self.run["workflowId"],
                        "status": "running",
                        "startedAt": self.run["startedAt"],
                    }
                )
            trigger_id = self.run["triggerNodeId"]
            root = self.run["executionState"][trigger_id]
            scope = Scope(
                trigger=root["result"],
                trigger_payload=self.nodes.get(trigger_id, {}).get("payload") or {},
                nodes={trigger_id: {"result": root["result"]}},
                workflow_id=self.run["workflowId"],
                props=self.run.get("propValues") or {},
            )
            es = self.run["executionState"]
            self._walk(self._children(trigger_id, None), scope, es, None)
            with self.lock:
                if not self.finished:
                    if self.partial:
                        self._finish("partial", "some for-each iterations failed")
                    else:
                        self._finish("success", "run completed")
        except _Stop:
            return
        except NodeFailed as exc:
            with self.lock:
                if not self.finished:
                    self._finish("failure", str(exc))
        except Exception as exc:  # noqa: BLE001 - a bug must end the run, not hang it
            with self.lock:
                if not self.finished:
                    self._finish("failure", f"b3os-local engine error: {type(exc).__name__}: {exc}")

    def _children(self, nid: str, branch: str | None) -> list[str]:
        node = self.nodes.get(nid) or {}
        out = []
        for cid in node.get("children") or []:
            child = self.nodes.get(cid)
            if child is None:
                continue
            if branch is None or child.get("branch") in (None, branch):
                out.append(cid)
        return out

    def _skip(self, nid: str, es: dict[str, Any], iteration: int | None) -> None:
        """Mark an untaken branch skipped, down to every still-pending descendant."""
        stack = [nid]
        while stack:
            cur = stack.pop()
            entry = es.get(cur)
            if entry is None or entry.get("status") != "pending":
                continue
            now = now_iso()
            extra = {} if iteration is None else {"iteration": iteration}
            self._set_node(es, cur, "node_skipped", status="skipped", startedAt=now, finishedAt=now, **extra)
            stack.extend(reversed(self._children(cur, None)))

    def _walk(self, roots: list[str], scope: Scope, es: dict[str, Any], iteration: int | None) -> None:
        """Depth-first, children in order, with an explicit stack (a 10,000-node chain is fine).

        ``scope.nodes`` holds exactly the ancestors on the current path: a node's result is added
        when it completes and removed again when its whole subtree is done (the "exit" marker).
        """
        stack: list[tuple[bool, str, Any]] = [(False, nid, None) for nid in reversed(roots)]
        while stack:
            leaving, nid, saved = stack.pop()
            if leaving:
                if saved is _ABSENT:
                    scope.nodes.pop(nid, None)
                else:
                    scope.nodes[nid] = saved
                continue
            step = self._step(nid, scope, es, iteration)
            if step is None:
                continue
            result, follow = step
            stack.append((True, nid, scope.nodes.get(nid, _ABSENT)))
            scope.nodes[nid] = {"result": result}
            stack.extend((False, cid, None) for cid in reversed(follow))

    def _step(
        self, nid: str, scope: Scope, es: dict[str, Any], iteration: int | None
    ) -> tuple[dict[str, Any], list[str]] | None:
        """Run one node; return its result and the children to visit next (None: do not descend)."""
        if self.stop_event.is_set():
            raise _Stop
        entry = es.get(nid)
        if entry is None:
            return None
        node = self.nodes[nid]
        ntype = str(node.get("type"))
        if entry.get("status") == "success" and nid in self.prefilled:
            result = entry.get("result") or {}  # retry: a node that succeeded before is skipped
        elif entry.get("status") != "pending":
            return None  # already reached through another parent
        else:
            extra = {} if iteration is None else {"iteration": iteration}
            self._set_node(es, nid, "node_started", status="running", startedAt=now_iso(), **extra)
            raw = node.get("payload") or {}
            try:
                result = self._run_node(nid, ntype, raw, scope, es, iteration)
            except NodeFailed as exc:
                self._set_node(
                    es, nid, "node_failed", status="failure", finishedAt=now_iso(), result={"error": str(exc)}
                )
                raise NodeFailed(f"node {nid} ({ntype}) failed: {exc}") from None
            status = "partial" if result.pop("_partial", False) else "success"
            if status == "partial":
                self.partial = True
            self._set_node(es, nid, "node_completed", status=status, finishedAt=now_iso(), result=result)
        branch = result.get("branch") if catalog.branches_of(ntype) else None
        follow = []
        for cid in self._children(nid, None):
            if branch is not None and self.nodes[cid].get("branch") not in (None, branch):
                self._skip(cid, es, iteration)
            else:
                follow.append(cid)
        return result, follow

    # -- node types ----------------------------------------------------------------------
    def _run_node(
        self,
        nid: str,
        ntype: str,
        raw: dict[str, Any],
        scope: Scope,
        es: dict[str, Any],
        iteration: int | None,
    ) -> dict[str, Any]:
        how = catalog.local_handler(ntype)  # the catalog table says how a type runs
        if how == "if":
            try:
                taken = evaluate(raw.get("condition", {}), scope)
            except ConditionError as exc:
                raise NodeFailed(f"payload.condition: {exc}") from None
            return {"result": taken, "branch": "then" if taken else "else"}
        if how == "for-each":
            return self._for_each(nid, raw, scope, iteration)
        if how == "wait":
            return self._wait(nid, raw, es, scope)
        payload = resolve({k: v for k, v in raw.items() if not (how == "filter" and k == "condition")}, scope)
        if how == "filter" and "condition" in raw:
            payload["condition"] = raw["condition"]
        with self.lock:
            es[nid]["input"] = payload if isinstance(payload, dict) else {"value": payload}
        if how == "delay":
            return self._delay(payload, scope)
        handler = HANDLERS.get(how or "")
        if handler is not None:
            return handler(payload, scope)
        if self.simulate:
            return {
                "simulated": True,
                "type": ntype,
                "message": f"simulated by b3os-local: action {ntype!r} was not executed (no network)",
            }
        raise NodeFailed(
            f"action type {ntype!r} is not executed by b3os-local (it never reaches the network); "
            "run with simulate=true to get a simulated result"
        )

    def _sleep(self, seconds: float) -> None:
        if self.stop_event.wait(min(max(0.0, seconds), threading.TIMEOUT_MAX)):
            raise _Stop

    def _delay(self, payload: dict[str, Any], scope: Scope) -> dict[str, Any]:
        delay = payload.get("delayMs", 0)
        if isinstance(delay, str) and delay.strip().isdigit():
            delay = int(delay)
        if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
            raise NodeFailed("payload.delayMs must be a non-negative number of milliseconds")
        self._sleep(delay / 1000.0 * self.engine.time_scale())
        return {"status": "ok", "delayMs": delay}

    def _wait(self, nid: str, raw: dict[str, Any], es: dict[str, Any], scope: Scope) -> dict[str, Any]:
        payload = resolve(raw, scope)
        timeout_ms = payload.get("timeoutMs") if isinstance(payload, dict) else None
        if timeout_ms is not None and (
            isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int | float)
        ):
            raise NodeFailed("payload.timeoutMs must be a number of milliseconds")
        signal = threading.Event()
        box: list[Any] = []
        with self.lock:
            if self.finished:
                raise _Stop
            self._resume[nid] = (signal, box)
            es[nid]["input"] = payload if isinstance(payload, dict) else {}
            self.run["status"] = "waiting"
            self._set_node(es, nid, None, status="waiting")
            self._persist()
            self._emit(
                {
                    "type": "run_waiting",
                    "workflowId": self.run["workflowId"],
                    "nodeId": nid,
                    "status": "waiting",
                }
            )
        timeout = None if timeout_ms is None else timeout_ms / 1000.0 * self.engine.time_scale()
        waited = 0.0
        while not signal.is_set():
            if self.stop_event.is_set():
                raise _Stop
            step = 0.05 if timeout is None else min(0.05, max(0.0, timeout - waited))
            signal.wait(step)
            waited += step
            if timeout is not None and waited >= timeout:
                break
        with self.lock:
            if self.finished:
                raise _Stop
            self.run["status"] = "running"
            self._resume.pop(nid, None)
        if signal.is_set():
            return {
                "branch": "resumed",
                "resumed": True,
                "data": box[0] if box else {},
                "resumedAt": now_iso(),
            }
        return {"branch": "timed_out", "timedOut": True}

    def _for_each(self, nid: str, raw: dict[str, Any], scope: Scope, iteration: int | None) -> dict[str, Any]:
        items = resolve(raw.get("array"), scope)
        if not isinstance(items, list):
            raise NodeFailed("payload.array must resolve to a list (e.g. '{{$trigger.body.items}}')")
        if len(items) > MAX_ITERATIONS:
            raise NodeFailed(
                f"payload.array has {len(items)} items; a for-each runs at most {MAX_ITERATIONS}"
            )
        body = [b for b in (self.nodes[nid].get("loopBody") or []) if b in self.nodes]
        inner = {c for b in body for c in self._descendants(b)}
        entries = [b for b in body if not any(b in (self.nodes[o].get("children") or []) for o in body)]
        iterations: list[dict[str, Any]] = []
        failed = 0
        results: list[Any] = []
        parent_item = scope.loop.get("$item")
        for index, item in enumerate(items):
            state = {
                b: {"type": self.nodes[b].get("type"), "status": "pending"} for b in sorted(inner | set(body))
            }
            loop = {
                "$item": item,
                "$index": index,
                "$for": {**scope.loop.get("$for", {}), nid: {"item": item, "index": index}},
            }
            if parent_item is not None:
                loop["$parent_item"] = parent_item
            child_scope = scope.with_loop(loop)
            try:
                self._walk(entries, child_scope, state, index)
            except NodeFailed:
                failed += 1
            iterations.append(state)
            last = [s.get("result") for s in state.values() if s.get("status") == "success"]
            results.append(last[-1] if last else None)
        with self.lock:
            main = self.run["executionState"]
            for b in body:
                if b in main and iterations:
                    main[b].update({k: v for k, v in iterations[-1].get(b, {}).items() if k != "iteration"})
            main[nid]["iterations"] = iterations
        if items and failed == len(items):
            raise NodeFailed(f"all {failed} iterations failed")
        out: dict[str, Any] = {
            "count": len(items),
            "succeeded": len(items) - failed,
            "failed": failed,
            "results": results,
        }
        if failed:
            out["_partial"] = True
        return out

    def _descendants(self, nid: str) -> set[str]:
        seen: set[str] = set()
        stack = [nid]
        while stack:
            cur = stack.pop()
            if cur in seen or cur not in self.nodes:
                continue
            seen.add(cur)
            stack.extend(self.nodes[cur].get("children") or [])
        return seen


class Engine:
    """Owns the live runs; one daemon thread per run so requests never block on a run."""

    def __init__(self, store: Store, bus: EventBus) -> None:
        self.store = store
        self.bus = bus
        self._scale = 1.0
        self._lock = threading.Lock()
        self._live: dict[str, RunHandle] = {}
        self.persist_aborts = True

    def time_scale(self) -> float:
        return self._scale

    def set_time_scale(self, value: float) -> None:
        self._scale = value

    def start(self, handle: RunHandle) -> None:
        with self._lock:
            self._live[handle.run["id"]] = handle
        self.bus.open(handle.run["id"])
        threading.Thread(target=handle.execute, name=f"b3os-run-{handle.run['id']}", daemon=True).start()

    def forget(self, run_id: str) -> None:
        with self._lock:
            self._live.pop(run_id, None)

    def live(self, run_id: str) -> RunHandle | None:
        with self._lock:
            return self._live.get(run_id)

    def abort_all(self, reason: str, *, persist: bool) -> None:
        self.persist_aborts = persist
        with self._lock:
            handles = list(self._live.values())
        for handle in handles:
            handle.abort(reason)
        self.persist_aborts = True
