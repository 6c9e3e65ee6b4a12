"""Pydantic v2 wire models of the B3OS workflow API.

camelCase on the wire, snake_case in Python. Every model keeps unknown server fields
(``extra="allow"``) and every enum-like field also accepts unknown strings: the server adds
fields and states over time and a newer server must not crash an older client.
Timestamps stay strings so that a load/dump round trip is byte-faithful.
Dump to the wire with :func:`to_wire` (``by_alias=True, exclude_none=True, mode="json"``).
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

__all__ = [
    "RUN_TERMINAL_STATUSES",
    "ExecutionNode",
    "Page",
    "Run",
    "RunEvent",
    "RunListItem",
    "RunStatus",
    "ValidationItem",
    "ValidationResult",
    "Workflow",
    "WorkflowDefinition",
    "WorkflowListItem",
    "WorkflowNode",
    "WorkflowStatus",
    "to_wire",
]

WorkflowStatus = Literal["draft", "active", "paused", "archived"]
RunStatus = Literal["running", "waiting", "success", "partial", "failure", "cancelled"]
RUN_TERMINAL_STATUSES: frozenset[str] = frozenset({"success", "partial", "failure", "cancelled"})


class WireModel(BaseModel):
    """Base of every wire model. ``defer_build`` keeps ``import b3os.models`` cheap."""

    model_config = ConfigDict(
        populate_by_name=True,
        extra="allow",
        alias_generator=to_camel,
        defer_build=True,
    )

    def to_wire(self) -> dict[str, Any]:
        """The JSON-ready camelCase dict the API speaks."""
        return to_wire(self)


def to_wire(model: BaseModel) -> dict[str, Any]:
    """Dump any model to its wire form (camelCase, no None values, JSON types): the one place
    this dump is spelled."""
    return model.model_dump(by_alias=True, exclude_none=True, mode="json")


class WorkflowNode(WireModel):
    """One node of a definition: a trigger or an action, with its ordered children."""

    type: str
    payload: dict[str, Any] = Field(default_factory=dict)
    children: list[str] | None = None
    branch: str | None = None
    loop_body: list[str] | None = None
    connector: dict[str, Any] | None = None
    description: str | None = None
    title_override: str | None = None
    result_schema: dict[str, Any] | None = None
    block_context: dict[str, Any] | None = None


class WorkflowDefinition(WireModel):
    """The graph: ``nodes`` (id → node) plus optional trigger ids, inputs and variables."""

    nodes: dict[str, WorkflowNode]
    trigger_node_ids: list[str] | None = None
    # OAS: a list of {key,type,...}; the docs quickstart uses a JSON-Schema object instead.
    input_schema: list[dict[str, Any]] | dict[str, Any] | None = None
    variable_defs: list[dict[str, Any]] | None = None
    block_expansions: dict[str, Any] | None = None
    sensitive_prop_keys: list[str] | None = None


class Workflow(WireModel):
    """One version row of a workflow (``GET /v1/workflows/{id}`` and friends)."""

    id: str
    version: int | None = None
    organization_id: str | None = None
    name: str | None = None
    description: str | None = None
    status: WorkflowStatus | str | None = None
    type: str | None = None
    definition: WorkflowDefinition | None = None
    visibility: str | None = None
    max_runs: int | None = None
    remain_runs: int | None = None
    cooldown_ms: int | None = None
    paused_reason: str | None = None
    last_triggered_at: str | None = None
    trigger_secret: str | None = Field(default=None, repr=False)
    has_draft: bool | None = None
    has_live_version: bool | None = None
    created_at: str | None = None
    created_by: str | None = None
    updated_at: str | None = None
    updated_by: str | None = None
    version_created_by: str | None = None
    owner_user_id: str | None = None
    ui_metadata: dict[str, Any] | None = None
    variable_defs: list[dict[str, Any]] | None = None
    public_widget_config: dict[str, Any] | None = None
    x402_config: dict[str, Any] | None = None
    ai_name: str | None = None
    ai_description: str | None = None
    name_manually_set: bool | None = None
    desc_manually_set: bool | None = None
    source_template_id: str | None = None
    conversation_id: str | None = None
    fund_auto_swap_config: dict[str, Any] | None = None
    public_run_cooldown_seconds: int | None = None
    public_run_daily_limit: int | None = None


class WorkflowListItem(WireModel):
    """A row of ``GET /v1/workflows``: summary fields, no full definition."""

    id: str
    version: int | None = None
    organization_id: str | None = None
    name: str | None = None
    description: str | None = None
    status: WorkflowStatus | str | None = None
    type: str | None = None
    visibility: str | None = None
    trigger_type: str | None = None
    trigger_name: str | None = None
    node_count: int | None = None
    input_count: int | None = None
    chain_ids: list[Any] | None = None
    connectors: list[dict[str, Any]] | None = None
    linked_workflow_ids: list[str] | None = None
    public_widget_enabled: bool | None = None
    definition_summary: dict[str, Any] | None = None
    has_draft: bool | None = None
    has_live_version: bool | None = None
    max_runs: int | None = None
    remain_runs: int | None = None
    cooldown_ms: int | None = None
    last_triggered_at: str | None = None
    created_at: str | None = None
    created_by: str | None = None
    updated_at: str | None = None
    owner_user_id: str | None = None


T = TypeVar("T")


class Page(WireModel, Generic[T]):
    """One page of an offset-paginated list (``{items, limit, offset, hasMore}``)."""

    items: list[T] = Field(default_factory=list)
    limit: int | None = None
    offset: int | None = None
    has_more: bool = False


class ExecutionNode(WireModel):
    """The record of one node in a run's ``executionState``."""

    type: str | None = None
    status: str | None = None
    input: dict[str, Any] | None = None
    result: Any = None
    started_at: str | None = None
    finished_at: str | None = None
    connector: dict[str, Any] | None = None
    secret_keys: list[str] | None = None
    context: dict[str, Any] | None = None
    iterations: list[dict[str, ExecutionNode]] | None = None


class Run(WireModel):
    """One run (``GET /v1/runs/{id}``); ``execution_state`` is absent with ``summary=true``."""

    id: str
    organization_id: str | None = None
    workflow_id: str | None = None
    workflow_version: int | None = None
    status: RunStatus | str | None = None
    trigger_source: str | None = None
    triggered_by: str | None = None
    trigger_node_id: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    execution_state: dict[str, ExecutionNode] | None = None
    workflow_definition: WorkflowDefinition | None = None
    prop_values: dict[str, Any] | None = None
    summary: str | None = None
    total_cu: float | None = None
    is_simulation: bool | None = None
    simulation_mode: str | None = None
    simulation_forks: list[dict[str, Any]] | None = None
    is_dust_test: bool | None = None
    source_run_id: str | None = None
    workflow_owner_user_id: str | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in RUN_TERMINAL_STATUSES


class RunListItem(WireModel):
    """A row of ``GET /v1/runs`` / ``GET /v1/workflows/{id}/runs``."""

    id: str
    workflow_id: str | None = None
    workflow_name: str | None = None
    workflow_version: int | None = None
    status: RunStatus | str | None = None
    trigger_source: str | None = None
    triggered_by: str | None = None
    trigger_node_id: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    summary: str | None = None
    total_cu: float | None = None
    is_simulation: bool | None = None
    is_dust_test: bool | None = None
    source_run_id: str | None = None


class ValidationItem(WireModel):
    """One validation problem; ``type`` is name|nodes|root|connectivity|pattern|variable."""

    message: str
    type: str | None = None
    node_id: str | None = None
    node_name: str | None = None
    field: str | None = None
    code: str | None = None


class ValidationResult(WireModel):
    """Answer of ``POST /v1/workflows/validate``."""

    valid: bool
    errors: list[ValidationItem] = Field(default_factory=list)


class RunEvent(WireModel):
    """One event of a run stream. ``data`` is the raw decoded frame (or ``{"raw": text}``)."""

    type: str
    run_id: str | None = None
    node_id: str | None = None
    status: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def is_terminal(self) -> bool:
        """True for ``run_completed`` and for any ``run_*`` event carrying a terminal status."""
        if self.type == "run_completed":
            return True
        return self.type.startswith("run_") and self.status in RUN_TERMINAL_STATUSES
