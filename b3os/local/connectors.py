"""Connector operations of b3os-local (``/v1/connectors``): pure Python, no HTTP.

``data`` (the credentials) is write-only: it is stored, and every answer carries ``maskedData``
instead (each value ``"***"``; ASSUMPTION, docs/internals.md "Kinds on the wire"). Another
organization's connector is as invisible as a missing one.
"""

from __future__ import annotations

import re
from typing import Any

from b3os.local.errors import BadRequest, NotFound
from b3os.local.store import Store
from b3os.local.util import new_id, now_iso
from b3os.local.workflows import Caller, page_args

__all__ = ["KIND", "ConnectorBackend", "mask"]

KIND = "connector"
MASK = "***"
TYPE_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
PUBLIC_FIELDS = (
    "id",
    "organizationId",
    "name",
    "type",
    "description",
    "provider",
    "createdAt",
    "createdBy",
    "updatedAt",
    "updatedBy",
)


def mask(data: Any) -> dict[str, Any]:
    """``maskedData``: the keys of ``data`` (nested objects keep their shape), every value ``***``."""
    if not isinstance(data, dict):
        return {}
    return {str(k): mask(v) if isinstance(v, dict) else MASK for k, v in data.items()}


def _name(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 255:
        raise BadRequest("name is required: a non-empty string of at most 255 characters")
    return value


def _type(value: object) -> str:
    if not isinstance(value, str) or not TYPE_RE.match(value):
        raise BadRequest(
            "type is required: a connector type such as 'slack' (lowercase letters, digits, _ . -)"
        )
    return value


def _description(value: object) -> str:
    if not isinstance(value, str) or len(value) > 2000:
        raise BadRequest("description must be a string of at most 2000 characters")
    return value


def _data(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadRequest("data is required: a JSON object with the connector's credentials")
    return value


class ConnectorBackend:
    def __init__(self, store: Store) -> None:
        self.store = store

    @staticmethod
    def render(doc: dict[str, Any]) -> dict[str, Any]:
        out = {k: doc[k] for k in PUBLIC_FIELDS if doc.get(k) is not None}
        out["maskedData"] = mask(doc.get("data"))
        return out

    def load(self, caller: Caller, conn_id: str) -> dict[str, Any]:
        doc = self.store.get_doc(KIND, conn_id)
        if doc is None or doc["organizationId"] != caller.org_id:
            raise NotFound(f"connector {conn_id} not found")
        return doc

    def create(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        name = _name(body.get("name"))
        type_ = _type(body.get("type"))
        data = _data(body.get("data"))
        description = _description(body.get("description") if body.get("description") is not None else "")
        now = now_iso()
        doc = {
            "id": new_id("conn_"),
            "organizationId": caller.org_id,
            "name": name,
            "type": type_,
            "description": description,
            "provider": "b3os",
            "data": data,
            "createdAt": now,
            "createdBy": caller.user_id,
            "updatedAt": now,
            "updatedBy": caller.user_id,
        }
        self.store.put_doc(KIND, doc, org_id=caller.org_id)
        return self.render(doc)

    def list(self, caller: Caller, query: dict[str, Any]) -> dict[str, Any]:
        limit, offset = page_args(query.get("limit"), query.get("offset"))
        type_ = query.get("type") or None
        docs = self.store.list_docs(KIND, org_id=caller.org_id)
        if type_ is not None:
            docs = [d for d in docs if d["type"] == type_]
        page = docs[offset : offset + limit]
        return {
            "items": [self.render(d) for d in page],
            "limit": limit,
            "offset": offset,
            "hasMore": offset + limit < len(docs),
        }

    def get(self, caller: Caller, conn_id: str) -> dict[str, Any]:
        return self.render(self.load(caller, conn_id))

    def update(self, caller: Caller, conn_id: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.store.transaction():
            doc = self.load(caller, conn_id)
            if body.get("name") is not None:
                doc["name"] = _name(body["name"])
            if body.get("description") is not None:
                doc["description"] = _description(body["description"])
            if body.get("data") is not None:
                doc["data"] = _data(body["data"])
            if "type" in body and body["type"] is not None and body["type"] != doc["type"]:
                raise BadRequest("type cannot be changed: create a new connector of the other type")
            doc["updatedAt"] = now_iso()
            doc["updatedBy"] = caller.user_id
            self.store.put_doc(KIND, doc, org_id=caller.org_id)
        return self.render(doc)

    def delete(self, caller: Caller, conn_id: str) -> None:
        with self.store.transaction():
            self.load(caller, conn_id)
            self.store.delete_doc(KIND, conn_id)
