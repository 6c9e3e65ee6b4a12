"""Execution webhook operations of b3os-local (``/v1/execution-webhooks``): pure Python, no HTTP.

Create answers ``{endpoint, signingSecret}``; the secret is never in any other answer (except
regenerate-secret, which answers ``{signingSecret}`` with the new one). ASSUMPTIONS (the OAS has
neither): ``PUT /v1/execution-webhooks/{id}`` takes the create fields, only those given change;
``DELETE`` removes the endpoint, its delivery records stay. Delivery itself: ``delivery.py``.
"""

from __future__ import annotations

import secrets
from typing import Any

from b3os.local.delivery import DELIVERY_KIND, ENDPOINT_KIND, EVENT_TYPES, Deliverer, check_target
from b3os.local.errors import BadRequest, Conflict, NotFound
from b3os.local.store import Store
from b3os.local.util import new_id, now_iso
from b3os.local.workflows import Caller, page_args

__all__ = ["DEFAULT_MAX_RETRIES", "MAX_RETRIES_LIMIT", "ExecutionHookBackend"]

DEFAULT_MAX_RETRIES = 3
MAX_RETRIES_LIMIT = 10
PUBLIC_FIELDS = (
    "id",
    "organizationId",
    "name",
    "url",
    "description",
    "status",
    "subscribedEventTypes",
    "maxRetries",
    "createdAt",
    "createdBy",
    "updatedAt",
    "disabledAt",
)


def _new_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


def _name(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 255:
        raise BadRequest("name is required: a non-empty string of at most 255 characters")
    return value


def _url(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 2048:
        raise BadRequest("url is required: an http(s) URL of at most 2048 characters")
    refused = check_target(value)
    if refused is not None:
        raise BadRequest(refused)
    return value


def _description(value: object) -> str:
    if not isinstance(value, str) or len(value) > 2000:
        raise BadRequest("description must be a string of at most 2000 characters")
    return value


def _events(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRequest("subscribedEventTypes must be a list of event type names")
    unknown = [v for v in value if v not in EVENT_TYPES]
    if unknown:
        raise BadRequest(f"unknown event type(s) {unknown}: use any of {', '.join(EVENT_TYPES)}")
    return list(dict.fromkeys(value))


def _max_retries(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RETRIES_LIMIT:
        raise BadRequest(f"maxRetries must be an integer 0..{MAX_RETRIES_LIMIT}")
    return value


class ExecutionHookBackend:
    def __init__(self, store: Store, deliverer: Deliverer) -> None:
        self.store = store
        self.deliverer = deliverer

    @staticmethod
    def render(doc: dict[str, Any]) -> dict[str, Any]:
        return {k: doc[k] for k in PUBLIC_FIELDS if doc.get(k) is not None}

    def load(self, caller: Caller, hook_id: str) -> dict[str, Any]:
        doc = self.store.get_doc(ENDPOINT_KIND, hook_id)
        if doc is None or doc["organizationId"] != caller.org_id:
            raise NotFound(f"execution webhook {hook_id} not found")
        return doc

    def _save(self, doc: dict[str, Any]) -> None:
        doc["updatedAt"] = now_iso()
        self.store.put_doc(ENDPOINT_KIND, doc, org_id=doc["organizationId"])
        self.deliverer.refresh()

    # -- endpoints ---------------------------------------------------------------------------
    def create(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        now = now_iso()
        doc: dict[str, Any] = {
            "id": new_id("weh_"),
            "organizationId": caller.org_id,
            "name": _name(body.get("name")),
            "url": _url(body.get("url")),
            "description": _description(body["description"]) if body.get("description") is not None else "",
            "status": "active",
            "subscribedEventTypes": _events(body["subscribedEventTypes"])
            if body.get("subscribedEventTypes") is not None
            else [],
            "maxRetries": _max_retries(body["maxRetries"])
            if body.get("maxRetries") is not None
            else DEFAULT_MAX_RETRIES,
            "signingSecret": _new_secret(),
            "createdAt": now,
            "createdBy": caller.user_id,
        }
        self._save(doc)
        return {"endpoint": self.render(doc), "signingSecret": doc["signingSecret"]}

    def list(self, caller: Caller, query: dict[str, Any]) -> dict[str, Any]:
        limit, offset = page_args(query.get("limit"), query.get("offset"))
        docs = self.store.list_docs(ENDPOINT_KIND, org_id=caller.org_id, limit=limit + 1, offset=offset)
        return {
            "items": [self.render(d) for d in docs[:limit]],
            "limit": limit,
            "offset": offset,
            "hasMore": len(docs) > limit,
        }

    def get(self, caller: Caller, hook_id: str) -> dict[str, Any]:
        return self.render(self.load(caller, hook_id))

    def update(self, caller: Caller, hook_id: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.store.transaction():
            doc = self.load(caller, hook_id)
            if body.get("name") is not None:
                doc["name"] = _name(body["name"])
            if body.get("url") is not None:
                doc["url"] = _url(body["url"])
            if body.get("description") is not None:
                doc["description"] = _description(body["description"])
            if body.get("subscribedEventTypes") is not None:
                doc["subscribedEventTypes"] = _events(body["subscribedEventTypes"])
            if body.get("maxRetries") is not None:
                doc["maxRetries"] = _max_retries(body["maxRetries"])
            self._save(doc)
        return self.render(doc)

    def delete(self, caller: Caller, hook_id: str) -> None:
        with self.store.transaction():
            self.load(caller, hook_id)
            self.store.delete_doc(ENDPOINT_KIND, hook_id)
        self.deliverer.refresh()

    def set_enabled(self, caller: Caller, hook_id: str, enabled: bool) -> dict[str, Any]:
        with self.store.transaction():
            doc = self.load(caller, hook_id)
            if enabled and doc["status"] != "active":
                doc["status"] = "active"
                doc.pop("disabledAt", None)
                self._save(doc)
            elif not enabled and doc["status"] != "disabled":
                doc["status"] = "disabled"
                doc["disabledAt"] = now_iso()
                self._save(doc)
        return self.render(doc)

    def regenerate_secret(self, caller: Caller, hook_id: str) -> dict[str, Any]:
        with self.store.transaction():
            doc = self.load(caller, hook_id)
            doc["signingSecret"] = _new_secret()
            self._save(doc)
        return {"signingSecret": doc["signingSecret"]}

    # -- deliveries --------------------------------------------------------------------------
    def load_delivery(self, caller: Caller, delivery_id: str) -> dict[str, Any]:
        doc = self.store.get_doc(DELIVERY_KIND, delivery_id)
        if doc is None or doc["organizationId"] != caller.org_id:
            raise NotFound(f"execution webhook delivery {delivery_id} not found")
        return doc

    def list_deliveries(self, caller: Caller, query: dict[str, Any]) -> dict[str, Any]:
        limit, offset = page_args(query.get("limit"), query.get("offset"))
        endpoint = query.get("endpointId") or None
        docs = self.store.list_docs(
            DELIVERY_KIND, org_id=caller.org_id, parent=endpoint, limit=limit + 1, offset=offset
        )
        return {"items": docs[:limit], "limit": limit, "offset": offset, "hasMore": len(docs) > limit}

    def get_delivery(self, caller: Caller, delivery_id: str) -> dict[str, Any]:
        return self.load_delivery(caller, delivery_id)

    def retry_delivery(self, caller: Caller, delivery_id: str) -> dict[str, Any]:
        """Re-queue the same delivery (only a failed one); it gets one more attempt."""
        with self.store.transaction():
            doc = self.load_delivery(caller, delivery_id)
            if doc["status"] != "failure":
                raise Conflict(f"cannot retry delivery {delivery_id}: it is {doc['status']}, not failure")
            doc["status"] = "pending"
            doc["maxRetries"] = int(doc.get("retryCount") or 0)
            doc["updatedAt"] = now_iso()
            self.store.put_doc(DELIVERY_KIND, doc, org_id=doc["organizationId"], parent=doc["endpointId"])
        self.deliverer.queue(doc["id"], 0.0)
        return doc

    def replay_delivery(self, caller: Caller, delivery_id: str) -> dict[str, Any]:
        """Send the same event again as a new delivery."""
        source = self.load_delivery(caller, delivery_id)
        endpoint = self.load(caller, source["endpointId"])
        return self.deliverer.enqueue_new(endpoint, source["eventType"], source["requestBody"])
