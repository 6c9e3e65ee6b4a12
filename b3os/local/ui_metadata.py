"""``PATCH /v1/workflows/{id}/ui-metadata`` (§5.1): replace the editor metadata in place.

No new version is made (node positions, comments and sticky notes are not content);
``expectedCurrentVersion`` guards it like an update. The body's ``uiMetadata`` replaces the stored
one whole, unknown keys included: b3os-iac keeps its owner marker there (docs/internals.md,
"Ownership").
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from b3os.local.errors import BadRequest
from b3os.local.workflows import Caller, WorkflowBackend

__all__ = ["register", "set_ui_metadata"]


def set_ui_metadata(wf: WorkflowBackend, caller: Caller, wf_id: str, body: dict[str, Any]) -> dict[str, Any]:
    meta = body.get("uiMetadata")
    with wf.store.transaction():
        agg = wf.load(caller, wf_id)  # visibility first: another org's workflow is a 404
        if not isinstance(meta, dict):
            raise BadRequest("uiMetadata is required and must be an object")
        wf._check_expected(agg, body.get("expectedCurrentVersion"), "expectedCurrentVersion")
        if meta != agg.get("uiMetadata"):
            agg["uiMetadata"] = meta
            wf.save(agg, caller)
        return {"version": wf.newest_version(agg)}


def register(router: APIRouter, wf: WorkflowBackend, caller_of: Any, body_of: Any, ok: Any) -> None:
    async def patch_ui_metadata(request: Request) -> Response:
        wf_id = request.path_params["wf_id"]
        response: Response = ok(set_ui_metadata(wf, caller_of(request), wf_id, await body_of(request)))
        return response

    router.add_route("/v1/workflows/{wf_id}/ui-metadata", patch_ui_metadata, methods=["PATCH"])
