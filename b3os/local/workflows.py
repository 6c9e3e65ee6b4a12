"""Workflow operations of b3os-local: pure Python, no HTTP.

A workflow is one aggregate document (pointers to its live and draft versions, flags,
workflow-level fields) plus immutable version rows (name, description, definition, limits).
Every rule below mimics a fact or a labelled assumption of shared/b3os-api.md (§5.1, §5.2, §8.1,
G2-G9); each method raises a LocalError that the app renders as the error envelope.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from b3os.local import shared
from b3os.local.errors import BadRequest, Conflict, NotFound, ValidationFailed
from b3os.local.store import Store
from b3os.local.util import dumps, new_id, now_iso

__all__ = ["Caller", "WorkflowBackend", "root_trigger_type", "trigger_node_ids"]

VISIBILITIES = ("private", "org", "public_view", "public_execute")
STATUSES = ("draft", "active", "paused", "archived")
SORTS = {
    "updatedAt:desc": "updated_at DESC, seq DESC",
    "createdAt:desc": "created_at DESC, seq DESC",
    "name:asc": "name COLLATE NOCASE ASC, seq ASC",
    "runs:desc": "run_count DESC, seq DESC",
}
# The Go service parses integers as int64: anything outside is a 400, never an OverflowError.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_DECIMAL = re.compile(r"[+-]?[0-9]{1,40}")
# Version-row fields a PUT may change; any change makes a new immutable version (§5.1 PUT).
CONTENT_FIELDS = ("name", "description", "definition", "cooldownMs", "maxRuns")


class Caller:
    """Who is calling: the organization of the API key and its service-account user."""

    __slots__ = ("org_id", "user_id")

    def __init__(self, org_id: str, user_id: str) -> None:
        self.org_id = org_id
        self.user_id = user_id


def trigger_node_ids(definition: dict[str, Any]) -> list[str]:
    """The trigger (root) nodes: ``root`` for single-trigger workflows, else typed triggers."""
    nodes = definition.get("nodes")
    if not isinstance(nodes, dict):
        return []
    declared = definition.get("triggerNodeIds")
    if isinstance(declared, list) and declared and all(isinstance(x, str) for x in declared):
        return list(declared)
    if "root" in nodes:
        return ["root"]
    try:
        triggers = shared.trigger_types()
    except ImportError:  # pragma: no cover - only while b3os.definition is being written
        triggers = frozenset({"manual"})
    return [nid for nid, node in nodes.items() if isinstance(node, dict) and node.get("type") in triggers]


def root_trigger_type(definition: dict[str, Any]) -> str:
    ids = trigger_node_ids(definition)
    nodes = definition.get("nodes") or {}
    node = nodes.get(ids[0]) if ids else None
    return str(node.get("type")) if isinstance(node, dict) and node.get("type") else "manual"


def _backfill(definition: dict[str, Any]) -> dict[str, Any]:
    """Add what the real server adds to a stored definition (b3os.normalize owns the list)."""
    out = dict(definition)
    if "triggerNodeIds" in shared.server_added_definition_fields() and "triggerNodeIds" not in out:
        out["triggerNodeIds"] = trigger_node_ids(out)
    return out


def _check_definition(definition: object) -> dict[str, Any]:
    if not isinstance(definition, dict):
        raise ValidationFailed(
            "invalid workflow definition: definition must be a JSON object with a 'nodes' map",
            details=[{"type": "nodes", "field": "definition", "message": "definition must be an object"}],
        )
    items = shared.validate(definition)
    if items:
        first = items[0]
        where = f" (node {first['nodeId']})" if first.get("nodeId") else ""
        raise ValidationFailed(
            f"invalid workflow definition: {len(items)} error(s); first: {first.get('message', '')}{where}",
            details=items,
        )
    return _backfill(definition)


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise ValidationFailed(
            "invalid workflow name: name must be a non-empty string of at most 255 characters",
            details=[{"type": "name", "field": "name", "message": "name must be 1..255 characters"}],
        )
    return name


def _check_description(value: object) -> str:
    if not isinstance(value, str) or len(value) > 2000:
        raise BadRequest("description must be a string of at most 2000 characters")
    return value


def _check_int(field: str, value: object, low: int, high: int | None = None) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and not INT64_MIN <= value <= INT64_MAX:
        raise BadRequest(
            f"{field} must be an integer {low}..{high if high is not None else INT64_MAX} (int64)"
        )
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        bound = f"{low}..{high}" if high is not None else f">= {low}"
        raise BadRequest(f"{field} must be an integer {bound}")
    return value


def page_args(limit: object, offset: object, *, max_limit: int = 100) -> tuple[int, int]:
    """Offset pagination: limit default 20, max 100; offset default 0 (§3.4).

    ASSUMPTION: limit=0 means the default (Go's zero value), as ``limit`` absent does."""
    lim = _query_int("limit", limit, 20) or 20
    off = _query_int("offset", offset, 0)
    if lim < 1 or lim > max_limit:
        raise BadRequest(f"limit must be between 1 and {max_limit}")
    if off < 0:
        raise BadRequest("offset must be >= 0")
    return lim, off


def _query_int(name: str, value: object, default: int) -> int:
    if value is None or value == "":
        return default
    return parse_int64(name, value)


def parse_int64(name: str, value: object) -> int:
    """A decimal integer string as Go's strconv.ParseInt(s, 10, 64) reads it, or a 400."""
    text = str(value).strip()
    if not _DECIMAL.fullmatch(text):
        raise BadRequest(f"{name} must be an integer")
    number = int(text)
    if not INT64_MIN <= number <= INT64_MAX:
        raise BadRequest(
            f"{name} is out of range: it must fit in a signed 64-bit integer (at most {INT64_MAX})"
        )
    return number


class WorkflowBackend:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- loading and rendering -----------------------------------------------------------
    def load(self, caller: Caller, wf_id: str) -> dict[str, Any]:
        agg = self.store.get_workflow(wf_id)
        if agg is None or agg["organizationId"] != caller.org_id:
            # Another organization's workflow is as invisible as a missing one (§2).
            raise NotFound(f"workflow {wf_id} not found")
        return agg

    def version_doc(self, agg: dict[str, Any], version: int) -> dict[str, Any]:
        doc = self.store.get_version(agg["id"], version)
        if doc is None:
            raise NotFound(f"workflow {agg['id']} has no version {version}")
        return doc

    @staticmethod
    def newest_version(agg: dict[str, Any]) -> int:
        """The row GET returns: the draft if any, else the live row; archived → the latest (G6)."""
        if agg["archived"]:
            return int(agg["latestVersion"])
        if agg.get("draftVersion") is not None:
            return int(agg["draftVersion"])
        if agg.get("liveVersion") is not None:
            return int(agg["liveVersion"])
        return int(agg["latestVersion"])

    @staticmethod
    def row_status(agg: dict[str, Any], version: int) -> str:
        if agg["archived"]:
            return "archived"
        if version == agg.get("liveVersion"):
            return str(agg["liveStatus"])
        if version == agg.get("draftVersion"):
            return "draft"
        # ASSUMPTION: superseded and discarded rows read as archived.
        return "archived"

    def render(self, agg: dict[str, Any], ver: dict[str, Any]) -> dict[str, Any]:
        version = int(ver["version"])
        row: dict[str, Any] = {
            "id": agg["id"],
            "version": version,
            "organizationId": agg["organizationId"],
            "name": ver["name"],
            "description": ver["description"],
            "status": self.row_status(agg, version),
            "type": root_trigger_type(ver["definition"]),
            "definition": ver["definition"],
            "visibility": agg["visibility"],
            "maxRuns": ver.get("maxRuns") or 0,
            "remainRuns": agg.get("remainRuns") or 0,
            "cooldownMs": ver.get("cooldownMs") or 0,
            "triggerSecret": agg["triggerSecret"],
            "hasDraft": agg.get("draftVersion") is not None and not agg["archived"],
            "hasLiveVersion": agg.get("liveVersion") is not None and not agg["archived"],
            "createdAt": agg["createdAt"],
            "createdBy": agg["createdBy"],
            "updatedAt": agg["updatedAt"],
            "updatedBy": agg["updatedBy"],
            "versionCreatedBy": ver["versionCreatedBy"],
            "ownerUserId": agg["createdBy"],
            "uiMetadata": agg.get("uiMetadata") or {"nodePositions": {}, "comments": [], "stickyNotes": []},
            "variableDefs": ver["definition"].get("variableDefs") or [],
        }
        if agg.get("lastTriggeredAt"):
            row["lastTriggeredAt"] = agg["lastTriggeredAt"]
        if agg.get("pausedReason") and row["status"] == "paused":
            row["pausedReason"] = agg["pausedReason"]
        return row

    def render_newest(self, agg: dict[str, Any]) -> dict[str, Any]:
        return self.render(agg, self.version_doc(agg, self.newest_version(agg)))

    def list_item(self, agg: dict[str, Any]) -> dict[str, Any]:
        row = self.render_newest(agg)
        definition = row.pop("definition")
        nodes = definition.get("nodes") or {}
        triggers = trigger_node_ids(definition)
        for key in ("triggerSecret", "uiMetadata", "variableDefs", "versionCreatedBy", "updatedBy"):
            row.pop(key, None)
        input_schema = definition.get("inputSchema")
        row.update(
            {
                "triggerType": row["type"],
                "triggerName": triggers[0] if triggers else "root",
                "nodeCount": len(nodes),
                "inputCount": len(input_schema) if isinstance(input_schema, list) else 0,
                "chainIds": [],
                "connectors": [],
                "linkedWorkflowIds": [],
                "publicWidgetEnabled": False,
                "definitionSummary": {
                    "nodes": {
                        nid: {k: v for k, v in node.items() if k in ("type", "children", "branch")}
                        for nid, node in nodes.items()
                        if isinstance(node, dict)
                    }
                },
            }
        )
        return row

    def save(self, agg: dict[str, Any], caller: Caller | None = None, *, touch: bool = True) -> None:
        if touch:
            agg["updatedAt"] = now_iso()
        if caller is not None:
            agg["updatedBy"] = caller.user_id
        newest = self.newest_version(agg)
        ver = self.version_doc(agg, newest)
        self.store.put_workflow(
            agg,
            name=ver["name"],
            description=ver["description"],
            status=self.row_status(agg, newest),
            # a workflow with a live row and a newer draft matches both status=draft and status=active
            live_status="" if agg["archived"] else str(agg.get("liveStatus") or ""),
            type_=root_trigger_type(ver["definition"]),
        )

    def _new_version(
        self, agg: dict[str, Any], caller: Caller, content: dict[str, Any], at: str | None = None
    ) -> int:
        """Insert the next immutable version row (G7: max + 1) and make it the draft.

        `at` is the creation time when the row is made with its workflow: version 1 and the
        workflow are one write, so they carry one timestamp (not two clock reads 1 ms apart)."""
        number = int(agg["latestVersion"]) + 1
        self.store.put_version(
            agg["id"],
            number,
            {**content, "version": number, "createdAt": at or now_iso(), "versionCreatedBy": caller.user_id},
        )
        agg["latestVersion"] = number
        agg["draftVersion"] = number
        return number

    def _check_expected(self, agg: dict[str, Any], expected: object, field: str) -> None:
        if expected is None:
            return
        _check_int(field, expected, 1)
        current = self.newest_version(agg)
        if expected != current:
            raise Conflict(
                f"version conflict: {field} is {expected} but the current version is {current}; "
                "re-read the workflow and retry"
            )

    @staticmethod
    def _not_archived(agg: dict[str, Any], action: str) -> None:
        if agg["archived"]:
            raise BadRequest(f"cannot {action} workflow {agg['id']}: it is archived; unarchive it first")

    # -- operations ----------------------------------------------------------------------
    def create(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        name = _check_name(body.get("name"))
        if "description" not in body:
            raise BadRequest("description is required (it may be an empty string)")
        description = _check_description(body.get("description"))
        if "definition" not in body:
            raise BadRequest("definition is required")
        definition = _check_definition(body["definition"])
        content: dict[str, Any] = {"name": name, "description": description, "definition": definition}
        if body.get("cooldownMs") is not None:
            content["cooldownMs"] = _check_int("cooldownMs", body["cooldownMs"], 1000, INT64_MAX)
        if body.get("maxRuns") is not None:
            content["maxRuns"] = _check_int("maxRuns", body["maxRuns"], 1, 99999)
        now = now_iso()
        agg: dict[str, Any] = {
            "id": new_id("wf_"),
            "organizationId": caller.org_id,
            "triggerSecret": secrets.token_hex(16),
            "visibility": "private",
            "archived": False,
            "latestVersion": 0,
            "draftVersion": None,
            "liveVersion": None,
            "liveStatus": None,
            "createdAt": now,
            "createdBy": caller.user_id,
            "updatedAt": now,
            "updatedBy": caller.user_id,
            "remainRuns": content.get("maxRuns", 0),
        }
        if isinstance(body.get("uiMetadata"), dict):
            agg["uiMetadata"] = body["uiMetadata"]
        with self.store.transaction():
            self._new_version(agg, caller, content, at=now)
            self.save(agg, caller)
        return self.render_newest(agg)

    def get(self, caller: Caller, wf_id: str) -> dict[str, Any]:
        return self.render_newest(self.load(caller, wf_id))

    def get_draft(self, caller: Caller, wf_id: str) -> dict[str, Any]:
        agg = self.load(caller, wf_id)
        if agg["archived"] or agg.get("draftVersion") is None:
            raise NotFound(f"workflow {wf_id} has no draft")
        return self.render(agg, self.version_doc(agg, agg["draftVersion"]))

    def get_live(self, caller: Caller, wf_id: str) -> dict[str, Any]:
        agg = self.load(caller, wf_id)
        if agg["archived"] or agg.get("liveVersion") is None:
            raise NotFound(f"workflow {wf_id} has no live version; publish it first")
        return self.render(agg, self.version_doc(agg, agg["liveVersion"]))

    def list(self, caller: Caller, query: dict[str, Any]) -> dict[str, Any]:
        limit, offset = page_args(query.get("limit"), query.get("offset"))
        where: list[str] = []
        args: list[Any] = []
        status = query.get("status") or None
        if status is not None:
            if status not in STATUSES:
                raise BadRequest(f"status must be one of {', '.join(STATUSES)}")
            where.append("(status=? OR live_status=?)")
            args += [status, status]
        else:
            where.append("status != 'archived'")  # archived workflows are hidden by default
        q = query.get("q") or None
        if q is not None:
            if len(q) > 256:
                raise BadRequest("q must be at most 256 characters")
            escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append("search LIKE ? ESCAPE '\\'")  # search = lower(name + description), Python-side
            args.append(f"%{escaped}%")
        if query.get("type"):
            where.append("type=?")
            args.append(query["type"])
        sort = query.get("sort") or "updatedAt:desc"
        if sort not in SORTS:
            raise BadRequest(f"sort must be one of {', '.join(SORTS)}")
        with self.store.lock:
            aggs = self.store.list_workflows(
                caller.org_id, where=where, args=args, order=SORTS[sort], limit=limit + 1, offset=offset
            )
            items = [self.list_item(a) for a in aggs[:limit]]
        return {"items": items, "limit": limit, "offset": offset, "hasMore": len(aggs) > limit}

    def update(self, caller: Caller, wf_id: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.store.transaction():
            agg = self.load(caller, wf_id)
            self._not_archived(agg, "update")
            self._check_expected(agg, body.get("expectedCurrentVersion"), "expectedCurrentVersion")
            current = self.version_doc(agg, self.newest_version(agg))
            content = {k: current[k] for k in CONTENT_FIELDS if k in current}
            if body.get("name") is not None:
                content["name"] = _check_name(body["name"])
            if body.get("description") is not None:
                content["description"] = _check_description(body["description"])
            if body.get("definition") is not None:
                content["definition"] = _check_definition(body["definition"])
            if body.get("cooldownMs") is not None:
                content["cooldownMs"] = _check_int("cooldownMs", body["cooldownMs"], 1000, INT64_MAX)
            if body.get("maxRuns") is not None:
                content["maxRuns"] = _check_int("maxRuns", body["maxRuns"], 1, 99999)
                agg["remainRuns"] = content["maxRuns"]
            changed = any(dumps(content.get(k)) != dumps(current.get(k)) for k in CONTENT_FIELDS)
            ui_changed = isinstance(body.get("uiMetadata"), dict) and body["uiMetadata"] != agg.get(
                "uiMetadata"
            )
            if ui_changed:
                agg["uiMetadata"] = body["uiMetadata"]
            if not changed and not ui_changed:
                return self.render(agg, current)  # identical content: no new version (§5.1)
            if changed:
                self._new_version(agg, caller, content)
            self.save(agg, caller)
            return self.render_newest(agg)

    def archive(self, caller: Caller, wf_id: str) -> dict[str, Any]:
        with self.store.transaction():
            agg = self.load(caller, wf_id)
            if not agg["archived"]:  # DELETE is idempotent: archiving twice changes nothing
                agg["archived"] = True
                self.save(agg, caller)
            return self.render_newest(agg)

    def unarchive(self, caller: Caller, wf_id: str) -> dict[str, Any]:
        with self.store.transaction():
            agg = self.load(caller, wf_id)
            if not agg["archived"]:
                raise BadRequest(f"cannot unarchive workflow {wf_id}: it is not archived")
            # The latest archived version comes back as a draft; nothing stays live (§8.1).
            agg.update({"archived": False, "draftVersion": agg["latestVersion"], "liveVersion": None})
            agg["liveStatus"] = None
            self.save(agg, caller)
            return self.render_newest(agg)

    def publish(self, caller: Caller, wf_id: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.store.transaction():
            agg = self.load(caller, wf_id)
            self._not_archived(agg, "publish")
            self._check_expected(agg, body.get("expectedVersion"), "expectedVersion")
            draft = agg.get("draftVersion")
            if draft is None:
                # Nothing new to publish: the live row stays as it is (a repeat is harmless).
                return self.render_newest(agg)
            ver = self.version_doc(agg, draft)
            _check_definition(ver["definition"])
            ver["publishedAt"] = now_iso()
            self.store.put_version(wf_id, draft, ver)
            # G7: the draft keeps its number and becomes the live row.
            agg.update({"liveVersion": draft, "liveStatus": "active", "draftVersion": None})
            agg.pop("pausedReason", None)
            self.save(agg, caller)
            return self.render_newest(agg)

    def pause(self, caller: Caller, wf_id: str) -> dict[str, Any]:
        with self.store.transaction():
            agg = self.load(caller, wf_id)
            self._not_archived(agg, "pause")
            if agg.get("liveVersion") is None:
                raise BadRequest(f"cannot pause workflow {wf_id}: it is a draft that was never published")
            if agg["liveStatus"] != "active":
                raise BadRequest(f"cannot pause workflow {wf_id}: it is already paused")
            agg["liveStatus"] = "paused"
            self.save(agg, caller)
            return self.render(agg, self.version_doc(agg, agg["liveVersion"]))

    def resume(self, caller: Caller, wf_id: str) -> dict[str, Any]:
        with self.store.transaction():
            agg = self.load(caller, wf_id)
            self._not_archived(agg, "resume")
            if agg.get("liveVersion") is None:
                raise BadRequest(f"cannot resume workflow {wf_id}: it is a draft; publish it instead")
            if agg["liveStatus"] != "paused":
                raise BadRequest(f"cannot resume workflow {wf_id}: it is active, not paused")
            agg["liveStatus"] = "active"
            agg.pop("pausedReason", None)
            self.save(agg, caller)
            return self.render(agg, self.version_doc(agg, agg["liveVersion"]))

    def discard_draft(self, caller: Caller, wf_id: str) -> dict[str, Any]:
        with self.store.transaction():
            agg = self.load(caller, wf_id)
            self._not_archived(agg, "discard the draft of")
            if agg.get("draftVersion") is None:
                raise NotFound(f"workflow {wf_id} has no draft to discard")
            if agg.get("liveVersion") is None:
                raise BadRequest(
                    f"cannot discard the draft of workflow {wf_id}: it has no live version; archive it instead"
                )
            agg["draftVersion"] = None
            self.save(agg, caller)
            return self.render_newest(agg)

    def rollback(self, caller: Caller, wf_id: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.store.transaction():
            agg = self.load(caller, wf_id)  # visibility first: another org's workflow is a 404
            target = body.get("targetVersion", body.get("versionNumber"))  # G3: accept both names
            if target is None:
                raise BadRequest("targetVersion (or versionNumber) is required")
            target = _check_int("targetVersion", target, 1)
            self._not_archived(agg, "roll back")
            self._check_expected(agg, body.get("expectedCurrentVersion"), "expectedCurrentVersion")
            source = self.version_doc(agg, target)
            current = self.version_doc(agg, self.newest_version(agg))
            content = {k: current[k] for k in CONTENT_FIELDS if k in current}
            content["definition"] = source["definition"]
            self._new_version(agg, caller, content)  # G7: rollback creates max + 1 as a draft
            self.save(agg, caller)
            return self.render_newest(agg)

    def versions(self, caller: Caller, wf_id: str, query: dict[str, Any]) -> dict[str, Any]:
        agg = self.load(caller, wf_id)
        limit, offset = page_args(query.get("limit"), query.get("offset"))
        numbers = list(range(int(agg["latestVersion"]), 0, -1))  # newest first (G5)
        items = []
        for n in numbers[offset : offset + limit]:
            ver = self.version_doc(agg, n)
            row = self.render_version(agg, ver)
            row["versionNumber"] = n
            row["publishedAt"] = ver.get("publishedAt")
            items.append(row)
        return {
            "items": items,
            "limit": limit,
            "offset": offset,
            "hasMore": offset + limit < len(numbers),
            "currentVersion": self.newest_version(agg),
        }

    def version(self, caller: Caller, wf_id: str, number: str) -> dict[str, Any]:
        agg = self.load(caller, wf_id)
        try:
            n = parse_int64("versionNumber", number)
        except BadRequest:
            raise BadRequest(f"versionNumber must be a positive integer (at most {INT64_MAX})") from None
        if n < 1:
            raise BadRequest("versionNumber must be a positive integer")
        return self.render_version(agg, self.version_doc(agg, n))

    def render_version(self, agg: dict[str, Any], ver: dict[str, Any]) -> dict[str, Any]:
        """A version row with its own metadata, not the workflow's (issue 17); rows written
        before versions kept theirs fall back to the workflow's."""
        row = self.render(agg, ver)
        row["createdAt"] = ver.get("createdAt") or agg["createdAt"]
        row["createdBy"] = ver.get("versionCreatedBy") or agg["createdBy"]
        return row

    def version_count(self, caller: Caller, wf_id: str) -> dict[str, Any]:
        return {"total": int(self.load(caller, wf_id)["latestVersion"])}

    def trigger_info(self, caller: Caller, wf_id: str) -> dict[str, Any]:
        self.load(caller, wf_id)
        return {}  # no email or payment-link triggers exist offline

    def set_visibility(self, caller: Caller, wf_id: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.store.transaction():
            agg = self.load(caller, wf_id)
            visibility = body.get("visibility")
            if visibility not in VISIBILITIES:
                raise BadRequest(f"visibility must be one of {', '.join(VISIBILITIES)}")
            agg["visibility"] = visibility
            self.save(agg, caller)
        return {"id": wf_id, "visibility": visibility}

    def run_version(
        self, caller: Caller, wf_id: str, version: object
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The version a manual run uses: explicit, else draft if any, else live (G19)."""
        agg = self.load(caller, wf_id)
        if agg["archived"]:
            raise BadRequest(f"cannot run workflow {wf_id}: it is archived; unarchive it first")
        if version is not None:
            n = _check_int("version", version, 1)
        else:
            n = agg.get("draftVersion") or agg.get("liveVersion") or agg["latestVersion"]
        return agg, self.version_doc(agg, int(n))

    def touch_triggered(self, agg: dict[str, Any]) -> None:
        with self.store.transaction():
            fresh = self.store.get_workflow(agg["id"]) or agg
            fresh["lastTriggeredAt"] = now_iso()
            self.save(fresh, touch=False)  # a run is not an edit: updatedAt stays
            self.store.bump_run_count(agg["id"])
