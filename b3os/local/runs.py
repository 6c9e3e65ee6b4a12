"""Run operations of b3os-local: create, list, get, cancel, retry, resume, webhooks (§5.4, §5.5, §11)."""

from __future__ import annotations

import re
from typing import Any

from b3os.local.engine import TERMINAL, Engine, RunHandle
from b3os.local.errors import (
    CODE_DUPLICATE_RUN_ID,
    CODE_INVALID_RUN_ID,
    BadRequest,
    Conflict,
    NotFound,
    Unauthorized,
)
from b3os.local.store import Store
from b3os.local.util import new_id, now_iso, parse_iso
from b3os.local.workflows import Caller, WorkflowBackend, page_args, trigger_node_ids

__all__ = ["RunBackend"]

RUN_ID = re.compile(r"^run_\w{1,100}$")
RUN_STATUSES = ("running", "waiting", "success", "partial", "failure", "cancelled")
LIST_FIELDS = (
    "id",
    "workflowId",
    "workflowVersion",
    "status",
    "triggerSource",
    "triggeredBy",
    "triggerNodeId",
    "startedAt",
    "finishedAt",
    "summary",
    "totalCu",
    "isSimulation",
    "isDustTest",
    "sourceRunId",
)
RESTART_REASON = "interrupted: b3os-local restarted while the run was in flight"


def check_run_id(run_id: object) -> str:
    if not isinstance(run_id, str) or not RUN_ID.match(run_id):
        raise BadRequest(
            "invalid run ID: runId must look like run_<letters/digits>", code=CODE_INVALID_RUN_ID
        )
    return run_id


def _headers_for_trigger(headers: dict[str, str]) -> dict[str, str]:
    # Credentials never reach a run's trigger result (they would be stored and streamed).
    return {k: v for k, v in headers.items() if k.lower() not in ("authorization", "cookie", "x-api-key")}


class RunBackend:
    def __init__(self, store: Store, workflows: WorkflowBackend, engine: Engine) -> None:
        self.store = store
        self.workflows = workflows
        self.engine = engine

    def recover(self) -> None:
        """Runs that were in flight when the server stopped end as failure with a reason (§11)."""
        for run in self.store.unfinished_runs():
            now = now_iso()
            states = run.get("executionState", {})
            interrupted = [nid for nid, e in states.items() if e.get("status") in ("running", "waiting")]
            # Per-node writes are throttled, so the node that was running may still read "pending":
            # then it is the one whose parents had all succeeded.
            for nid in interrupted or _frontier(run):
                entry = states[nid]
                entry["status"] = "failure"
                entry["finishedAt"] = now
                entry["result"] = {"error": RESTART_REASON}
            run.update({"status": "failure", "finishedAt": now, "summary": RESTART_REASON})
            self.store.put_run(run)

    # -- creating runs -------------------------------------------------------------------
    def _new_run(
        self,
        caller: Caller,
        agg: dict[str, Any],
        ver: dict[str, Any],
        *,
        payload: dict[str, Any],
        run_id: str | None,
        simulate: bool,
        source: str,
        headers: dict[str, str],
        source_run: dict[str, Any] | None = None,
        trigger_node: str | None = None,
    ) -> RunHandle:
        definition = ver["definition"]
        triggers = trigger_node_ids(definition)
        if trigger_node is not None and trigger_node not in triggers:
            raise BadRequest(
                f"triggerNodeId {trigger_node!r} is not a trigger of this workflow: use one of {triggers}"
            )
        trigger_id = trigger_node or (triggers[0] if triggers else "root")
        nodes = definition.get("nodes") or {}
        started = now_iso()
        # §7: root result = payload merged in, plus body/headers/source/triggeredAt; $trigger = same.
        root_result = {
            **payload,
            "body": payload,
            "headers": _headers_for_trigger(headers),
            "source": source,
            "triggeredAt": started,
        }
        state: dict[str, Any] = {
            trigger_id: {
                "type": nodes.get(trigger_id, {}).get("type", "manual"),
                "status": "success",
                "input": payload,
                "result": root_result,
                "startedAt": started,
                "finishedAt": started,
            }
        }
        for nid, node in nodes.items():
            if nid not in state and nid not in triggers:
                state[nid] = {"type": node.get("type"), "status": "pending"}
        prefilled: set[str] = set()
        if source_run is not None:
            for nid, entry in (source_run.get("executionState") or {}).items():
                if nid in state and nid != trigger_id and entry.get("status") == "success":
                    state[nid] = dict(entry)
                    prefilled.add(nid)
        run = {
            "id": run_id or new_id("run_"),
            "organizationId": caller.org_id,
            "workflowId": agg["id"],
            "workflowName": ver["name"],
            "workflowVersion": ver["version"],
            "status": "running",
            "triggerSource": source,
            "triggeredBy": caller.user_id,
            "triggerNodeId": trigger_id,
            "startedAt": started,
            "executionState": state,
            "workflowDefinition": definition,
            "propValues": {},
            "summary": "",
            "totalCu": 0,
            "isSimulation": simulate,
            "isDustTest": False,
            "workflowOwnerUserId": agg["createdBy"],
        }
        if simulate:
            run["simulationMode"] = "full"
        if source_run is not None:
            run["sourceRunId"] = source_run["id"]
        with self.store.transaction():
            if self.store.run_exists(run["id"]):
                raise BadRequest(f"duplicate run ID: {run['id']} already exists", code=CODE_DUPLICATE_RUN_ID)
            self.engine.bus.open(run["id"])  # before the row exists: a waiting subscriber follows the channel
            self.store.put_run(run)
        if agg["id"]:  # an ephemeral run (POST /v1/runs) has no workflow to touch
            self.workflows.touch_triggered(agg)
        return RunHandle(self.engine, run, definition, simulate=simulate, prefilled=frozenset(prefilled))

    def run_workflow(
        self, caller: Caller, wf_id: str, body: dict[str, Any], headers: dict[str, str]
    ) -> dict[str, Any]:
        self.workflows.load(caller, wf_id)  # 404 for another org's workflow before any body check
        payload = body.get("payload")
        if payload is None:
            payload = {}
        if not isinstance(payload, dict):
            raise BadRequest("payload must be a JSON object")
        run_id = None if body.get("runId") is None else check_run_id(body["runId"])
        simulate = body.get("simulate", False)
        if not isinstance(simulate, bool):
            raise BadRequest("simulate must be a boolean")
        if simulate and body.get("dustTest"):
            raise BadRequest("simulate and dustTest are mutually exclusive")
        trigger_node = body.get("triggerNodeId")
        if trigger_node is not None and not isinstance(trigger_node, str):
            raise BadRequest("triggerNodeId must be the id of one of the workflow's trigger nodes")
        agg, ver = self.workflows.run_version(caller, wf_id, body.get("version"))
        handle = self._new_run(
            caller,
            agg,
            ver,
            payload=payload,
            run_id=run_id,
            simulate=simulate,
            source="manual",
            headers=headers,
            trigger_node=trigger_node,
        )
        self.engine.start(handle)
        return {"runId": handle.run["id"]}

    def webhook(self, secret: str, body: Any, headers: dict[str, str]) -> dict[str, Any]:
        """G13: a workflow's triggerSecret runs its live version; 404 unknown, 400 not active."""
        with self.store.transaction():
            agg = self.store.workflow_by_secret(secret)
            if agg is None:
                raise NotFound("no workflow listens on this webhook")
            caller = Caller(agg["organizationId"], "webhook")
            if agg["archived"] or agg.get("liveVersion") is None or agg.get("liveStatus") != "active":
                raise BadRequest("workflow is not active: publish (or resume) it to receive webhooks")
            ver = self.workflows.version_doc(agg, agg["liveVersion"])
            cooldown = ver.get("cooldownMs") or 0
            last = agg.get("lastTriggeredAt")
            if (
                cooldown
                and last
                and (parse_iso(now_iso()) - parse_iso(last)).total_seconds() * 1000 < cooldown
            ):
                return {"skipped": True, "reason": "cooldown"}
            if ver.get("maxRuns"):
                remain = int(agg.get("remainRuns") or 0)
                if remain <= 0:
                    return {"skipped": True, "reason": "max_runs_exhausted"}
                agg["remainRuns"] = remain - 1
                if remain - 1 == 0:
                    agg["liveStatus"] = "paused"
                    agg["pausedReason"] = "max_runs_exhausted"
                self.workflows.save(agg)
            payload = body if isinstance(body, dict) else {"value": body}
            handle = self._new_run(
                caller,
                agg,
                ver,
                payload=payload,
                run_id=None,
                simulate=False,
                source="webhook",
                headers=headers,
            )
        self.engine.start(handle)
        return {"runId": handle.run["id"]}

    # -- reading runs --------------------------------------------------------------------
    def load(self, caller: Caller, run_id: str, *, light: bool = False) -> dict[str, Any]:
        handle = self.engine.live(run_id)
        run = handle.snapshot(light=light) if handle is not None else self.store.get_run(run_id)
        if run is None or run["organizationId"] != caller.org_id:
            raise NotFound(f"run {run_id} not found")
        return run

    def check_stream(self, caller: Caller, run_id: str) -> None:
        """Before a run stream starts: 400 for a malformed id, 404 for another org's run. A run
        that does not exist yet is fine: the stream waits for it (client-chosen run ids, §5.4)."""
        check_run_id(run_id)
        handle = self.engine.live(run_id)
        doc = handle.run if handle is not None else self.store.get_run(run_id)
        if doc is not None and doc["organizationId"] != caller.org_id:
            raise NotFound(f"run {run_id} not found")

    def get(self, caller: Caller, run_id: str, query: dict[str, Any]) -> dict[str, Any]:
        summary = str(query.get("summary", "")).lower() == "true"
        run = self.load(caller, run_id, light=summary)
        run.pop("workflowName", None)
        if summary:
            run.pop("executionState", None)
            run.pop("workflowDefinition", None)
        elif query.get("nodeIds"):
            wanted = {n.strip() for n in str(query["nodeIds"]).split(",") if n.strip()}
            run["executionState"] = {k: v for k, v in run["executionState"].items() if k in wanted}
        return run

    def list(self, caller: Caller, query: dict[str, Any], workflow_id: str | None = None) -> dict[str, Any]:
        if workflow_id is not None:
            self.workflows.load(caller, workflow_id)
        limit, offset = page_args(query.get("limit"), query.get("offset"))
        status = query.get("status") or None
        if status is not None and status not in RUN_STATUSES:
            raise BadRequest(f"status must be one of {', '.join(RUN_STATUSES)}")
        if workflow_id is None:
            workflow_id = query.get("workflowId") or None  # sent by the official client (§5.4)
        runs = self.store.list_runs(
            caller.org_id, workflow_id=workflow_id, status=status, limit=limit + 1, offset=offset
        )
        items = []
        for run in runs[:limit]:
            handle = self.engine.live(run["id"])
            if handle is not None:
                run = handle.snapshot(light=True)
            items.append({k: run[k] for k in (*LIST_FIELDS, "workflowName") if run.get(k) is not None})
        return {"items": items, "limit": limit, "offset": offset, "hasMore": len(runs) > limit}

    # -- acting on runs ------------------------------------------------------------------
    def cancel(self, caller: Caller, run_id: str) -> dict[str, Any]:
        run = self.load(caller, run_id)
        handle = self.engine.live(run_id)
        cancelled = handle.cancel() if handle is not None else None
        if cancelled is None:
            raise Conflict(f"cannot cancel run {run_id}: it is {run['status']}, not running or waiting")
        cancelled.pop("workflowName", None)
        return cancelled

    def retry(self, caller: Caller, run_id: str) -> dict[str, Any]:
        """G4: a new run (sourceRunId = old id) re-executing from the failure point."""
        source = self.load(caller, run_id)
        if source["status"] not in ("failure", "cancelled"):
            raise Conflict(
                f"cannot retry run {run_id}: it is {source['status']}; only failed or cancelled runs retry"
            )
        if not source["workflowId"]:
            raise BadRequest("ephemeral runs cannot be retried")
        agg = self.workflows.load(caller, source["workflowId"])
        ver = self.workflows.version_doc(agg, int(source["workflowVersion"]))
        trigger = source["executionState"].get(source["triggerNodeId"], {})
        payload = trigger.get("input") if isinstance(trigger.get("input"), dict) else {}
        handle = self._new_run(
            caller,
            agg,
            ver,
            payload=payload,
            run_id=None,
            simulate=bool(source.get("isSimulation")),
            source=source.get("triggerSource") or "manual",
            headers={},
            source_run=source,
        )
        out = handle.snapshot()
        self.engine.start(handle)
        out.pop("workflowName", None)
        out["runId"] = out["id"]
        return out

    def resume_node(
        self, caller: Caller, run_id: str, node_id: str, secret: str | None, body: dict[str, Any]
    ) -> dict[str, Any]:
        run = self.load(caller, run_id)
        if node_id not in run.get("executionState", {}):
            raise NotFound(f"run {run_id} has no node {node_id}")
        agg = self.store.get_workflow(run["workflowId"]) if run["workflowId"] else None
        if not secret or agg is None or secret != agg["triggerSecret"]:
            raise Unauthorized("resume needs ?secret=<the workflow's trigger secret>")
        if run["status"] in TERMINAL:
            return {"action": "skipped", "reason": f"run is {run['status']}"}
        handle = self.engine.live(run_id)
        if handle is None or not handle.resume(node_id, body.get("data") or {}):
            return {"action": "skipped", "reason": f"node {node_id} is not waiting"}
        return {"action": "resumed"}


def _frontier(run: dict[str, Any]) -> list[str]:
    """Pending nodes of a run whose parents have all succeeded: the ones that were executing."""
    nodes = (run.get("workflowDefinition") or {}).get("nodes") or {}
    states = run.get("executionState", {})
    parents: dict[str, list[str]] = {}
    for nid, node in nodes.items():
        if isinstance(node, dict):
            for key in ("children", "loopBody"):
                for child in node.get(key) or []:
                    parents.setdefault(child, []).append(nid)
    return [
        nid
        for nid, entry in states.items()
        if entry.get("status") == "pending"
        and parents.get(nid)
        and all(states.get(p, {}).get("status") == "success" for p in parents[nid])
    ]
