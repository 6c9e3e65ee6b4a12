"""Routes the official client calls around workflows (issue 17): the token check
``GET /v1/organizations``, ``GET /v1/workflows/{id}/schedule``, ``GET /v1/workflows/{id}/analyze-funds``
(a stub: no requirements), the ephemeral runs ``POST /v1/runs`` and ``POST /v1/runs/sync``, and the
one-shot ``POST /v1/actions/{type}/run`` for the catalog actions b3os-local executes.

Edge choices (the spec is silent) are listed in docs/internals.md, "b3os-local round 2".
"""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response

from b3os import catalog
from b3os.local.backend import Backend
from b3os.local.engine import RunHandle
from b3os.local.errors import BadRequest, NotFound
from b3os.local.routes import body_of, caller_of, ok
from b3os.local.runs import check_run_id
from b3os.local.util import now_iso
from b3os.local.workflows import Caller, _check_definition, page_args, parse_int64, root_trigger_type

__all__ = ["SYNC_MAX_NODES", "SYNC_TIMEOUT", "build_client_router", "next_run_at"]

CODE_NON_MANUAL_TRIGGER = 400229  # OAS description of POST /v1/runs
SYNC_TIMEOUT = 60.0  # seconds (OAS: "Max 60s timeout, 20 nodes")
SYNC_MAX_NODES = 20
SYNC_REFUSED = frozenset({"wait", "for-each"})  # MCP: a sync run has no wait or for-each node
_FREQ = {"SECONDLY": 1, "MINUTELY": 60, "HOURLY": 3600, "DAILY": 86400, "WEEKLY": 7 * 86400}


def next_run_at(rrule: str, now: datetime) -> datetime | None:
    """The next occurrence after ``now`` of ``DTSTART:…\\nRRULE:FREQ=…;INTERVAL=n`` for fixed-length
    frequencies (SECONDLY..WEEKLY); None for anything else (MONTHLY, BYxxx rules, COUNT/UNTIL)."""
    start = re.search(r"DTSTART[^:]*:(\d{8}T\d{6})Z?", rrule)
    rule = re.search(r"RRULE:(\S+)", rrule)
    if start is None or rule is None:
        return None
    parts = dict(p.split("=", 1) for p in rule.group(1).split(";") if "=" in p)
    step = _FREQ.get(parts.pop("FREQ", ""))
    interval = parts.pop("INTERVAL", "1")
    if step is None or parts or not interval.isdigit() or int(interval) < 1:
        return None
    try:
        first = datetime.strptime(start.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    period = step * int(interval)
    if first > now:
        return first
    elapsed = (now - first).total_seconds()
    return first + timedelta(seconds=(int(elapsed // period) + 1) * period)


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class ClientOps:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def organizations(self, caller: Caller, query: dict[str, Any]) -> dict[str, Any]:
        limit, offset = page_args(query.get("limit"), query.get("offset"))
        created = self.backend.store.org_created_at(caller.org_id) or now_iso()
        org = {
            "id": caller.org_id,
            "slug": caller.org_id.replace("_", "-"),
            "name": "b3os-local",
            "description": "the organization of this b3os-local API key",
            "tier": "local",
            "createdBy": caller.user_id,
            "createdAt": created,
            "updatedAt": created,
        }
        items = [org][offset : offset + limit]
        return {"items": items, "limit": limit, "offset": offset, "hasMore": offset + limit < 1}

    def schedule(self, caller: Caller, wf_id: str) -> dict[str, Any]:
        """``nextRunAt`` only for a live, active cronjob workflow whose rule b3os-local can compute."""
        wf = self.backend.workflows
        agg = wf.load(caller, wf_id)
        out: dict[str, Any] = {"serverTime": now_iso()}
        if agg["archived"] or agg.get("liveVersion") is None or agg.get("liveStatus") != "active":
            return out
        definition = wf.version_doc(agg, int(agg["liveVersion"]))["definition"]
        if root_trigger_type(definition) != "cronjob":
            return out
        ids = definition.get("triggerNodeIds") or ["root"]
        node = (definition.get("nodes") or {}).get(ids[0]) or {}
        rrule = (node.get("payload") or {}).get("rrule")
        when = next_run_at(rrule, datetime.now(UTC)) if isinstance(rrule, str) else None
        if when is not None:
            out["nextRunAt"] = _iso(when)
        return out

    def analyze_funds(self, caller: Caller, wf_id: str, query: dict[str, Any]) -> dict[str, Any]:
        """A stub: no node b3os-local runs moves funds, so there is nothing to require."""
        wf = self.backend.workflows
        agg = wf.load(caller, wf_id)
        raw = query.get("version")
        if raw not in (None, ""):
            number = parse_int64("version", raw)
            if number < 1:
                raise BadRequest("version must be a positive integer")
            version = int(wf.version_doc(agg, number)["version"])  # 404 for a version that is not there
        else:
            version = wf.newest_version(agg)
        return {
            "workflowId": wf_id,
            "workflowVersion": version,
            "requirements": [],
            "unresolved": [],
            "balancesFetched": False,
        }

    def ephemeral(
        self, caller: Caller, body: dict[str, Any], headers: dict[str, str], *, sync: bool
    ) -> RunHandle:
        """Validate and create an ephemeral run (workflowId ""); the caller starts it."""
        if "definition" not in body or body["definition"] is None:
            raise BadRequest(
                'definition is required: send {"definition": {"nodes": {...}}, "payload": {...}}'
            )
        definition = _check_definition(body["definition"])  # 400228 with the validator's items
        trigger = root_trigger_type(definition)
        if trigger != "manual":
            raise BadRequest(
                f"an ephemeral run needs a manual trigger, not {trigger!r}: set the root node's type to manual",
                code=CODE_NON_MANUAL_TRIGGER,
            )
        nodes = definition.get("nodes") or {}
        if sync:
            if len(nodes) > SYNC_MAX_NODES:
                raise BadRequest(f"a sync run takes at most {SYNC_MAX_NODES} nodes, got {len(nodes)}")
            refused = sorted(n for n, node in nodes.items() if node.get("type") in SYNC_REFUSED)
            if refused:
                raise BadRequest(
                    f"a sync run cannot hold wait or for-each nodes ({', '.join(refused)}): "
                    "use POST /v1/runs and follow the run instead"
                )
        payload = body.get("payload")
        payload = {} if payload is None else payload
        props = body.get("propValues")
        props = {} if props is None else props
        if not isinstance(payload, dict):
            raise BadRequest("payload must be a JSON object")
        if not isinstance(props, dict):
            raise BadRequest("propValues must be a JSON object")
        run_id = None if body.get("runId") is None or sync else check_run_id(body["runId"])
        agg = {"id": "", "createdBy": caller.user_id}
        ver = {"definition": definition, "name": "", "version": 0}
        handle = self.backend.runs._new_run(
            caller, agg, ver, payload=payload, run_id=run_id, simulate=False, source="manual", headers=headers
        )
        handle.run["propValues"] = props
        return handle


ONE_SHOT_REFUSED = frozenset({"wait", "for-each"})  # they need a workflow around them


def one_shot_definition(node_type: str, body: dict[str, Any]) -> dict[str, Any]:
    """``POST /v1/actions/{type}/run`` as a two-node ephemeral definition: manual -> the action."""
    entry = catalog.entry(node_type)
    if entry is None or entry.get("kind") == "trigger":
        raise NotFound(f"action type {node_type!r} not found: GET /v1/actions lists the known types")
    if not entry.get("local") or node_type in ONE_SHOT_REFUSED:
        raise BadRequest(f"b3os-local cannot run {node_type!r} on its own: use it inside a workflow")
    inputs = body.get("inputs")
    if not isinstance(inputs, dict):
        raise BadRequest('inputs is required: send {"inputs": {...}} with the action\'s payload fields')
    return {
        "nodes": {
            "root": {"type": "manual", "payload": {}, "children": ["action"]},
            "action": {"type": node_type, "payload": inputs, "children": []},
        }
    }


def build_client_router(backend: Backend) -> APIRouter:
    router = APIRouter()
    ops = ClientOps(backend)
    engine = backend.engine

    async def organizations(request: Request) -> Response:
        return ok(ops.organizations(caller_of(request), dict(request.query_params)))

    async def schedule(request: Request) -> Response:
        return ok(ops.schedule(caller_of(request), request.path_params["wf_id"]))

    async def analyze_funds(request: Request) -> Response:
        wf_id = request.path_params["wf_id"]
        return ok(ops.analyze_funds(caller_of(request), wf_id, dict(request.query_params)))

    async def ephemeral_run(request: Request) -> Response:
        body = await body_of(request)
        handle = ops.ephemeral(caller_of(request), body, dict(request.headers.items()), sync=False)
        engine.start(handle)
        return ok({"runId": handle.run["id"]})

    async def sync_run(request: Request) -> Response:
        body = await body_of(request)
        handle = ops.ephemeral(caller_of(request), body, dict(request.headers.items()), sync=True)
        started = time.perf_counter()
        engine.start(handle)
        # ASSUMPTION: past the 60 s limit the run is cancelled and its state returned as it is.
        if not await asyncio.to_thread(handle.stop_event.wait, SYNC_TIMEOUT):
            handle.cancel()
        run = handle.snapshot()
        return ok(
            {
                "runId": run["id"],
                "status": run["status"],
                "durationMs": int((time.perf_counter() - started) * 1000),
                "executionState": run["executionState"],
            }
        )

    async def run_action(request: Request) -> Response:
        body = await body_of(request)
        caller = caller_of(request)  # not public: a run costs CU in the real service
        definition = one_shot_definition(request.path_params["type"], body)
        handle = ops.ephemeral(caller, {"definition": definition}, {}, sync=True)
        started = time.perf_counter()
        engine.start(handle)
        if not await asyncio.to_thread(handle.stop_event.wait, SYNC_TIMEOUT):
            handle.cancel()
        node = handle.snapshot()["executionState"]["action"]
        if node.get("status") != "success":
            error = (node.get("result") or {}).get("error") or f"the action ended {node.get('status')}"
            raise BadRequest(f"action {request.path_params['type']} failed: {error}")
        duration = int((time.perf_counter() - started) * 1000)
        return ok({"result": node.get("result") or {}, "durationMs": duration})

    for method, path, endpoint in (
        ("POST", "/v1/actions/{type}/run", run_action),
        ("GET", "/v1/organizations", organizations),
        ("GET", "/v1/workflows/{wf_id}/schedule", schedule),
        ("GET", "/v1/workflows/{wf_id}/analyze-funds", analyze_funds),
        ("POST", "/v1/runs", ephemeral_run),
        ("POST", "/v1/runs/sync", sync_run),
    ):
        router.add_route(path, endpoint, methods=[method])
    return router
