"""``client.workflows``: CRUD, validation, lifecycle and versions (b3os-api.md §5.1, §5.2)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from b3os._transport import MAX_PAGE_SIZE, Transport, check_limit, drop_none, seg, to_wire_any
from b3os.models import Page, ValidationResult, Workflow, WorkflowListItem

__all__ = ["WorkflowsAPI"]


class WorkflowsAPI:
    """Workflows. ``create`` is never retried (a repeat would make a duplicate); PUT/DELETE/GET,
    validate and the optimistic-lock-guarded lifecycle POSTs are."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def create(
        self,
        name: str,
        description: str,
        definition: Mapping[str, Any] | BaseModel,
        *,
        cooldown_ms: int | None = None,
        max_runs: int | None = None,
        ui_metadata: Mapping[str, Any] | None = None,
    ) -> Workflow:
        """Create a draft workflow. Never retried: a repeat would create a duplicate."""
        body = drop_none(
            {
                "name": name,
                "description": description,
                "definition": to_wire_any(definition),
                "cooldownMs": cooldown_ms,
                "maxRuns": max_runs,
                "uiMetadata": dict(ui_metadata) if ui_metadata is not None else None,
            }
        )
        return self._t.model(Workflow, self._t.request("POST", "/v1/workflows", json=body, safe=False))

    def set_ui_metadata(
        self, id: str, ui_metadata: Mapping[str, Any], *, expected_current_version: int | None = None
    ) -> dict[str, Any]:
        """PATCH the workflow's ``uiMetadata`` in place (no new version, §5.1); returns ``{version}``."""
        body = drop_none(
            {"uiMetadata": dict(ui_metadata), "expectedCurrentVersion": expected_current_version}
        )
        data = self._t.request("PATCH", f"/v1/workflows/{seg(id)}/ui-metadata", json=body, safe=True)
        return data if isinstance(data, dict) else {}

    def list(
        self,
        *,
        q: str | None = None,
        status: str | None = None,
        type: str | None = None,
        sort: str | None = None,
        limit: int = MAX_PAGE_SIZE,
        offset: int = 0,
        **extra: Any,
    ) -> Page[WorkflowListItem]:
        """One page of workflows; extra filters (``actions``, ``connectors``, ``owner`` …) pass through."""
        params = {"q": q, "status": status, "type": type, "sort": sort, **extra}
        params.update(limit=check_limit(limit), offset=offset)
        return self._t.model(Page[WorkflowListItem], self._t.request("GET", "/v1/workflows", params=params))

    def iter(self, **filters: Any) -> Iterator[WorkflowListItem]:
        """Every workflow matching ``filters``, following ``hasMore`` page by page."""
        return self._t.paginate(self.list, filters)

    def get(self, id: str) -> Workflow:
        return self._t.model(Workflow, self._t.request("GET", f"/v1/workflows/{seg(id)}"))

    def get_draft(self, id: str) -> Workflow:
        return self._t.model(Workflow, self._t.request("GET", f"/v1/workflows/{seg(id)}/draft"))

    def get_live(self, id: str) -> Workflow:
        return self._t.model(Workflow, self._t.request("GET", f"/v1/workflows/{seg(id)}/live"))

    def update(
        self,
        id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        definition: Mapping[str, Any] | BaseModel | None = None,
        cooldown_ms: int | None = None,
        max_runs: int | None = None,
        expected_current_version: int | None = None,
    ) -> Workflow:
        """PUT only the given fields; changed content makes a new draft version."""
        body = drop_none(
            {
                "name": name,
                "description": description,
                "definition": to_wire_any(definition),
                "cooldownMs": cooldown_ms,
                "maxRuns": max_runs,
                "expectedCurrentVersion": expected_current_version,
            }
        )
        return self._t.model(Workflow, self._t.request("PUT", f"/v1/workflows/{seg(id)}", json=body))

    def archive(self, id: str) -> Workflow | None:
        """DELETE = archive (soft delete)."""
        return self._t.maybe(Workflow, self._t.request("DELETE", f"/v1/workflows/{seg(id)}"))

    def unarchive(self, id: str) -> Workflow | None:
        return self._t.maybe(
            Workflow, self._t.request("POST", f"/v1/workflows/{seg(id)}/unarchive", safe=False)
        )

    def validate(self, definition: Mapping[str, Any] | BaseModel, name: str = "Untitled") -> ValidationResult:
        """Server-side validation, no side effects (so it is retried like a GET)."""
        body = {"definition": to_wire_any(definition), "name": name}
        data = self._t.request("POST", "/v1/workflows/validate", json=body, safe=True)
        return self._t.model(ValidationResult, data)

    def publish(self, id: str, *, expected_version: int | None = None) -> Workflow | None:
        body = drop_none({"expectedVersion": expected_version}) or None
        return self._t.maybe(
            Workflow, self._t.request("POST", f"/v1/workflows/{seg(id)}/publish", json=body, safe=True)
        )

    def pause(self, id: str) -> Workflow | None:
        return self._t.maybe(Workflow, self._t.request("POST", f"/v1/workflows/{seg(id)}/pause", safe=True))

    def resume(self, id: str) -> Workflow | None:
        return self._t.maybe(Workflow, self._t.request("POST", f"/v1/workflows/{seg(id)}/resume", safe=True))

    def discard_draft(self, id: str) -> Workflow | None:
        return self._t.maybe(Workflow, self._t.request("DELETE", f"/v1/workflows/{seg(id)}/draft"))

    def rollback(
        self, id: str, target_version: int, *, expected_current_version: int | None = None
    ) -> Workflow:
        """Copy ``target_version``'s definition into a new draft (publish to make it live)."""
        body = drop_none(
            {"targetVersion": target_version, "expectedCurrentVersion": expected_current_version}
        )
        data = self._t.request("POST", f"/v1/workflows/{seg(id)}/rollback", json=body, safe=False)
        return self._t.model(Workflow, data)

    def list_versions(self, id: str, *, limit: int = MAX_PAGE_SIZE, offset: int = 0) -> Page[Workflow]:
        params = {"limit": check_limit(limit), "offset": offset}
        return self._t.model(
            Page[Workflow], self._t.request("GET", f"/v1/workflows/{seg(id)}/versions", params=params)
        )

    def get_version(self, id: str, n: int) -> Workflow:
        return self._t.model(Workflow, self._t.request("GET", f"/v1/workflows/{seg(id)}/versions/{seg(n)}"))

    def set_visibility(self, id: str, visibility: str) -> dict[str, Any]:
        """``visibility`` ∈ private | org | public_view | public_execute; returns ``{id, visibility}``."""
        data = self._t.request("PUT", f"/v1/workflows/{seg(id)}/visibility", json={"visibility": visibility})
        return data if isinstance(data, dict) else {"id": id, "visibility": visibility}
