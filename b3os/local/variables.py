"""Workflow variable operations of b3os-local (``/v1/workflows/{id}/variables``): no HTTP.

ASSUMPTION (docs/internals.md "Kinds on the wire"): variables managed through this route live
in their own table, next to the workflow. ``PUT`` and ``DELETE`` change neither the workflow's
definition (``variableDefs``) nor its versions, so a Workflow's plan/diff is never disturbed by
them. ``GET`` lists the route-managed variables (by name) followed by those declared in the
newest version's ``definition.variableDefs`` that the route does not manage (read-only here:
``DELETE`` of one of those is a 409 that says to edit the definition).
"""

from __future__ import annotations

import re
from typing import Any

from b3os.local.errors import BadRequest, Conflict, NotFound
from b3os.local.store import Store
from b3os.local.util import now_iso
from b3os.local.workflows import Caller, WorkflowBackend

__all__ = ["KIND", "VARIABLE_LIFETIMES", "VARIABLE_TYPES", "VariableBackend"]

KIND = "workflow_variable"
VARIABLE_TYPES = ("number", "text", "boolean", "list", "object")
VARIABLE_LIFETIMES = ("persist", "reset")
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def _matches(type_: str, value: Any) -> bool:
    if type_ == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_ == "text":
        return isinstance(value, str)
    if type_ == "boolean":
        return isinstance(value, bool)
    if type_ == "list":
        return isinstance(value, list)
    return isinstance(value, dict)


def check_definition(name: str, body: dict[str, Any]) -> dict[str, Any]:
    """The VariableDef to store, from the path name and an UpsertWorkflowVariableDefParams body."""
    if not NAME_RE.match(name):
        raise BadRequest(
            f"invalid variable name {name!r}: use letters, digits and _ (not starting with a digit), at most 64"
        )
    if body.get("name") is not None and body["name"] != name:
        raise BadRequest(f"name in the body ({body['name']!r}) differs from the name in the path ({name!r})")
    type_ = body.get("type")
    if type_ not in VARIABLE_TYPES:
        raise BadRequest(f"type is required: one of {', '.join(VARIABLE_TYPES)}")
    lifetime = body.get("lifetime")
    if lifetime not in VARIABLE_LIFETIMES:
        raise BadRequest(f"lifetime is required: one of {', '.join(VARIABLE_LIFETIMES)}")
    out: dict[str, Any] = {"name": name, "type": type_, "lifetime": lifetime}
    if body.get("default") is not None:
        if not _matches(str(type_), body["default"]):
            raise BadRequest(f"default does not match type {type_!r}")
        out["default"] = body["default"]
    if body.get("description") is not None:
        if not isinstance(body["description"], str) or len(body["description"]) > 2000:
            raise BadRequest("description must be a string of at most 2000 characters")
        out["description"] = body["description"]
    return out


class VariableBackend:
    def __init__(self, store: Store, workflows: WorkflowBackend) -> None:
        self.store = store
        self.workflows = workflows

    @staticmethod
    def _key(wf_id: str, name: str) -> str:
        return f"{wf_id}/{name}"

    def _declared(self, agg: dict[str, Any]) -> list[dict[str, Any]]:
        """variableDefs of the newest version's definition (read-only through this route)."""
        ver = self.workflows.version_doc(agg, self.workflows.newest_version(agg))
        defs = (ver.get("definition") or {}).get("variableDefs") or []
        return [d for d in defs if isinstance(d, dict) and isinstance(d.get("name"), str)]

    def list(self, caller: Caller, wf_id: str) -> dict[str, Any]:
        agg = self.workflows.load(caller, wf_id)
        managed = sorted(
            self.store.list_docs(KIND, org_id=caller.org_id, parent=wf_id),
            key=lambda d: str(d["def"]["name"]),
        )
        names = {d["def"]["name"] for d in managed}
        items = [{k: v for k, v in d.items() if k != "id"} for d in managed]
        for declared in self._declared(agg):
            if declared["name"] not in names:
                items.append({"def": declared, "hasValue": False, "version": 0})
        return {"items": items}

    def put(self, caller: Caller, wf_id: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.store.transaction():
            agg = self.workflows.load(caller, wf_id)
            if agg["archived"]:
                raise BadRequest(
                    f"cannot change variables of workflow {wf_id}: it is archived; unarchive it first"
                )
            definition = check_definition(name, body)
            key = self._key(wf_id, name)
            old = self.store.get_doc(KIND, key)
            doc: dict[str, Any] = {
                "id": key,
                "def": definition,
                "hasValue": bool(old and old.get("hasValue")),
                "version": int(old.get("version") or 0) if old else 0,  # the value's version
                "updatedAt": now_iso(),
            }
            if old and old.get("hasValue"):
                doc["value"] = old.get("value")
            self.store.put_doc(KIND, doc, org_id=caller.org_id, parent=wf_id)
        return definition

    def delete(self, caller: Caller, wf_id: str, name: str) -> None:
        with self.store.transaction():
            agg = self.workflows.load(caller, wf_id)
            if self.store.delete_doc(KIND, self._key(wf_id, name)):
                return
            if any(d["name"] == name for d in self._declared(agg)):
                raise Conflict(
                    f"variable {name!r} is declared in the definition of workflow {wf_id} (variableDefs): "
                    "remove it there, not through the variables route"
                )
            raise NotFound(f"workflow {wf_id} has no variable {name!r}")
