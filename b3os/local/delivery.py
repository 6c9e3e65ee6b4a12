"""Real delivery of run/node events to execution webhooks (b3os-api.md §5.5).

The engine's events (``EventBus``) reach :meth:`Deliverer.on_event`, which only enqueues: the
run's thread never waits for a receiver. A background thread turns each event into one delivery
record per active endpoint of the run's organization subscribed to its type, and POSTs the event
JSON with ``x-b3os-signature`` = lowercase hex HMAC-SHA256 of the raw body under the endpoint's
signing secret. A non-2xx answer or a connection failure is retried up to the endpoint's
``maxRetries`` after ``base · 2^(n-1)`` seconds (``base`` = ``B3OS_LOCAL_WEBHOOK_BACKOFF``,
default 1 s, multiplied by the engine's time scale, so tests compress it).

Targets must be loopback addresses (127.0.0.0/8, ::1, localhost) unless
``B3OS_LOCAL_WEBHOOK_ALLOW_REMOTE=1`` is set: b3os-local must not become a way to make requests
to other hosts.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import ipaddress
import os
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from b3os.local.store import Store
from b3os.local.util import dumps, new_id, now_iso

__all__ = [
    "DELIVERY_KIND",
    "ENDPOINT_KIND",
    "EVENT_TYPES",
    "Deliverer",
    "allow_remote",
    "check_target",
    "event_type_of",
    "sign",
]

ENDPOINT_KIND = "execution_webhook"
DELIVERY_KIND = "execution_webhook_delivery"
SIGNATURE_HEADER = "x-b3os-signature"
RESPONSE_BODY_LIMIT = 2048
SEND_TIMEOUT = 5.0

# ASSUMPTION (docs/internals.md "Kinds on the wire"): the dotted names the docs spell out
# (run.completed, run.failed, node.failed) plus the lifecycle words they list.
EVENT_TYPES: tuple[str, ...] = (
    "run.started",
    "run.waiting",
    "run.completed",
    "run.failed",
    "run.cancelled",
    "node.running",
    "node.succeeded",
    "node.failed",
    "node.skipped",
)
_NODE_EVENTS = {
    "node_started": "node.running",
    "node_completed": "node.succeeded",
    "node_failed": "node.failed",
    "node_skipped": "node.skipped",
}
_RUN_END = {"success": "run.completed", "partial": "run.completed", "failure": "run.failed"}


def event_type_of(event: dict[str, Any]) -> str | None:
    """The webhook event type of one engine event (None: not delivered)."""
    kind = event.get("type")
    if kind == "run_started":
        return "run.started"
    if kind == "run_waiting":
        return "run.waiting"
    if kind == "run_completed":
        return _RUN_END.get(str(event.get("status")), "run.cancelled")
    return _NODE_EVENTS.get(str(kind))


def sign(secret: str, body: bytes) -> str:
    """Lowercase hex HMAC-SHA256 of the raw body with the signing secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def allow_remote() -> bool:
    return os.environ.get("B3OS_LOCAL_WEBHOOK_ALLOW_REMOTE", "").strip().lower() in ("1", "true", "yes")


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost",) or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_target(url: str) -> str | None:
    """Why ``url`` cannot receive deliveries, or None when it can."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return "url must be an absolute http(s) URL"
    if parts.scheme not in ("http", "https") or not host:
        return "url must be an absolute http(s) URL such as http://127.0.0.1:9000/hooks"
    if not _is_loopback(host) and not allow_remote():
        return (
            f"b3os-local delivers execution webhooks to loopback addresses only (127.0.0.1, ::1, "
            f"localhost), not {host!r}; set B3OS_LOCAL_WEBHOOK_ALLOW_REMOTE=1 to allow other hosts"
        )
    return None


def _backoff_base() -> float:
    try:
        return max(0.0, float(os.environ.get("B3OS_LOCAL_WEBHOOK_BACKOFF", "1.0")))
    except ValueError:
        return 1.0


class Deliverer:
    """The delivery queue and its worker threads (started lazily, on the first endpoint)."""

    def __init__(self, store: Store, time_scale: Callable[[], float]) -> None:
        self.store = store
        self.time_scale = time_scale
        self.active_orgs: set[str] = set()
        self._orgs: dict[str, str] = {}
        self._inbox: queue.Queue[tuple[str, dict[str, Any], str | None] | None] = queue.Queue()
        self._due: list[tuple[float, int, str]] = []
        self._seq = 0
        self._cond = threading.Condition()
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pool: ThreadPoolExecutor | None = None
        self._start_lock = threading.Lock()
        self.refresh()

    # -- bookkeeping ------------------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute which organizations have an active endpoint (after any endpoint change)."""
        active = {
            d["organizationId"]
            for d in self.store.list_docs(ENDPOINT_KIND, org_id=None)
            if d.get("status") == "active"
        }
        self.active_orgs = active
        if active:
            self._ensure_started()

    def _ensure_started(self) -> None:
        with self._start_lock:
            if self._threads or self._stopped.is_set():
                return
            self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="b3os-local-delivery")
            for target, name in ((self._ingest, "ingest"), (self._schedule, "schedule")):
                thread = threading.Thread(target=target, name=f"b3os-local-webhooks-{name}", daemon=True)
                thread.start()
                self._threads.append(thread)

    def stop(self) -> None:
        self._stopped.set()
        self._inbox.put(None)
        with self._cond:
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def clear(self) -> None:
        """On reset: forget queued work (the records are gone with the store's tables)."""
        with self._cond:
            self._due.clear()
        self._orgs.clear()
        self.active_orgs = set()

    # -- from the engine: must be cheap --------------------------------------------------------
    def on_event(self, run_id: str, event: dict[str, Any], workflow_id: str | None) -> None:
        if not self.active_orgs or workflow_id is None or event_type_of(event) is None:
            return
        self._inbox.put((run_id, dict(event), workflow_id))

    # -- worker threads ------------------------------------------------------------------------
    def _org_of(self, workflow_id: str) -> str | None:
        org = self._orgs.get(workflow_id)
        if org is None:
            agg = self.store.get_workflow(workflow_id)
            if agg is None:
                return None
            org = self._orgs[workflow_id] = str(agg["organizationId"])
        return org

    def _ingest(self) -> None:
        while not self._stopped.is_set():
            item = self._inbox.get()
            if item is None:
                return
            try:
                self._fan_out(*item)
            except Exception:  # noqa: BLE001 - a bad event must not stop deliveries
                continue

    def _fan_out(self, run_id: str, event: dict[str, Any], workflow_id: str | None) -> None:
        event_type = event_type_of(event)
        org = self._org_of(workflow_id) if workflow_id else None
        if event_type is None or org is None or org not in self.active_orgs:
            return
        body = {
            "id": new_id("evt_"),
            "type": event_type,
            "createdAt": now_iso(),
            "organizationId": org,
            "workflowId": workflow_id,
            "runId": run_id,
            "data": event,
        }
        if event.get("nodeId"):
            body["nodeId"] = event["nodeId"]
        for endpoint in self.store.list_docs(ENDPOINT_KIND, org_id=org):
            subscribed = endpoint.get("subscribedEventTypes") or []
            if endpoint.get("status") != "active" or (subscribed and event_type not in subscribed):
                continue
            self.enqueue_new(endpoint, event_type, body)

    def enqueue_new(self, endpoint: dict[str, Any], event_type: str, body: dict[str, Any]) -> dict[str, Any]:
        """Record a pending delivery of ``body`` to ``endpoint`` and queue it now."""
        now = now_iso()
        delivery = {
            "id": new_id("whd_"),
            "organizationId": endpoint["organizationId"],
            "endpointId": endpoint["id"],
            "eventType": event_type,
            "runId": body.get("runId"),
            "workflowId": body.get("workflowId"),
            "executionId": body.get("nodeId"),
            "status": "pending",
            "retryCount": 0,
            "maxRetries": int(endpoint.get("maxRetries") or 0),
            "requestBody": body,
            "createdAt": now,
            "updatedAt": now,
        }
        self.store.put_doc(DELIVERY_KIND, delivery, org_id=endpoint["organizationId"], parent=endpoint["id"])
        self.queue(delivery["id"], 0.0)
        return delivery

    def queue(self, delivery_id: str, delay: float) -> None:
        self._ensure_started()
        with self._cond:
            self._seq += 1
            heapq.heappush(self._due, (time.monotonic() + delay, self._seq, delivery_id))
            self._cond.notify()

    def _schedule(self) -> None:
        while not self._stopped.is_set():
            with self._cond:
                while not self._stopped.is_set():
                    now = time.monotonic()
                    if self._due and self._due[0][0] <= now:
                        _, _, delivery_id = heapq.heappop(self._due)
                        break
                    self._cond.wait(timeout=None if not self._due else self._due[0][0] - now)
                else:
                    return
            if self._pool is not None:
                try:
                    self._pool.submit(self._attempt, delivery_id)
                except RuntimeError:  # the pool is shutting down
                    return

    def _attempt(self, delivery_id: str) -> None:
        import httpx

        delivery = self.store.get_doc(DELIVERY_KIND, delivery_id)
        if delivery is None:
            return
        endpoint = self.store.get_doc(ENDPOINT_KIND, delivery["endpointId"])
        if endpoint is None or endpoint.get("status") != "active":
            self._save(delivery, status="failure", errorMessage="the endpoint was deleted or disabled")
            return
        refused = check_target(str(endpoint.get("url")))
        if refused is not None:
            self._save(delivery, status="failure", errorMessage=refused)
            return
        raw = dumps(delivery["requestBody"]).encode()
        headers = {
            "content-type": "application/json",
            "user-agent": "b3os-local-webhooks",
            "x-b3os-event": str(delivery["eventType"]),
            "x-b3os-delivery": delivery["id"],
            SIGNATURE_HEADER: sign(str(endpoint["signingSecret"]), raw),
        }
        delivery["requestHeaders"] = headers
        started = time.monotonic()
        status: int | None = None
        error: str | None = None
        try:
            with httpx.Client(timeout=SEND_TIMEOUT, follow_redirects=False, trust_env=False) as http:
                response = http.post(str(endpoint["url"]), content=raw, headers=headers)
            status = response.status_code
            delivery["responseStatus"] = status
            delivery["responseBody"] = response.text[:RESPONSE_BODY_LIMIT]
            delivery["responseHeaders"] = dict(response.headers)
            if not 200 <= status < 300:
                error = f"the receiver answered HTTP {status}"
        except httpx.HTTPError as exc:
            error = f"delivery failed: {type(exc).__name__}: {exc}"
        delivery["durationMs"] = int((time.monotonic() - started) * 1000)
        if error is None:
            self._save(delivery, status="success", errorMessage=None, nextRetryAt=None)
            return
        if int(delivery.get("retryCount") or 0) < int(delivery.get("maxRetries") or 0):
            delivery["retryCount"] = int(delivery.get("retryCount") or 0) + 1
            delay = _backoff_base() * 2 ** (delivery["retryCount"] - 1) * self.time_scale()
            due = time.time() + delay
            self._save(
                delivery,
                status="retrying",
                errorMessage=error,
                nextRetryAt=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(due)),
            )
            self.queue(delivery["id"], delay)
            return
        self._save(delivery, status="failure", errorMessage=error, nextRetryAt=None)

    def _save(self, delivery: dict[str, Any], **fields: Any) -> None:
        for key, value in fields.items():
            if value is None:
                delivery.pop(key, None)
            else:
                delivery[key] = value
        delivery["updatedAt"] = now_iso()
        with self.store.transaction():
            if self.store.get_doc(DELIVERY_KIND, delivery["id"]) is None:
                return  # reset while in flight
            self.store.put_doc(
                DELIVERY_KIND, delivery, org_id=delivery["organizationId"], parent=delivery["endpointId"]
            )
