"""Wire models of the kinds a workflow lives with: connectors, execution webhooks, variables.

Same conventions as :mod:`b3os.models` (camelCase on the wire, unknown fields kept, enum-like
fields accept unknown strings). Secrets are unprintable: ``repr``/``str`` of these models show
``***`` for the signing secret, for connector ``data`` and for any secret-named extra field.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Literal

from pydantic import Field

from b3os.models import WireModel
from b3os.redact import REDACTED, is_secret_key

__all__ = [
    "Connector",
    "CreatedExecutionWebhook",
    "DeliveryStatus",
    "ExecutionWebhook",
    "ExecutionWebhookDelivery",
    "ExecutionWebhookStatus",
    "VariableDef",
    "VariableLifetime",
    "VariableType",
    "WorkflowVariable",
]

ExecutionWebhookStatus = Literal["active", "disabled"]
DeliveryStatus = Literal["pending", "success", "failure", "retrying"]
VariableType = Literal["number", "text", "boolean", "list", "object"]
VariableLifetime = Literal["persist", "reset"]


class _Masked(WireModel):
    """A wire model whose repr masks its secret fields (and secret-named extras)."""

    _secret_fields: ClassVar[frozenset[str]] = frozenset()

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for key, value in super().__repr_args__():
            if value is not None and key is not None and (key in self._secret_fields or is_secret_key(key)):
                yield key, REDACTED
            else:
                yield key, value


class Connector(_Masked):
    """A connector (``/v1/connectors``): credentials for actions. The API never returns ``data``,
    only ``masked_data``; a ``data`` echoed by some server is kept but masked in repr."""

    _secret_fields: ClassVar[frozenset[str]] = frozenset({"data"})

    id: str
    name: str | None = None
    type: str | None = None
    description: str | None = None
    provider: str | None = None
    masked_data: dict[str, Any] | None = None
    organization_id: str | None = None
    created_at: str | None = None
    created_by: str | None = None
    updated_at: str | None = None
    updated_by: str | None = None


class ExecutionWebhook(_Masked):
    """An org-level execution webhook endpoint (``ExecutionWebhookEndpoint``)."""

    id: str
    name: str | None = None
    url: str | None = None
    description: str | None = None
    status: ExecutionWebhookStatus | str | None = None
    subscribed_event_types: list[str] | None = None
    max_retries: int | None = None
    organization_id: str | None = None
    created_at: str | None = None
    created_by: str | None = None
    updated_at: str | None = None
    disabled_at: str | None = None

    @property
    def enabled(self) -> bool:
        return self.status != "disabled"


class CreatedExecutionWebhook(_Masked):
    """Answer of ``POST /v1/execution-webhooks``: the endpoint and its signing secret (shown once)."""

    _secret_fields: ClassVar[frozenset[str]] = frozenset({"signing_secret"})

    endpoint: ExecutionWebhook
    signing_secret: str


class ExecutionWebhookDelivery(_Masked):
    """One delivery attempt record of an event to an endpoint."""

    id: str
    endpoint_id: str | None = None
    event_type: str | None = None
    run_id: str | None = None
    workflow_id: str | None = None
    execution_id: str | None = None
    status: DeliveryStatus | str | None = None
    retry_count: int | None = None
    max_retries: int | None = None
    next_retry_at: str | None = None
    request_body: dict[str, Any] | None = None
    request_headers: dict[str, Any] | None = None
    response_status: int | None = None
    response_body: str | None = None
    response_headers: dict[str, Any] | None = None
    duration_ms: int | None = None
    error_message: str | None = None
    organization_id: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


class VariableDef(_Masked):
    """A workflow variable's definition (``entity.VariableDef``)."""

    name: str
    type: VariableType | str | None = None
    lifetime: VariableLifetime | str | None = None
    default: Any = None
    description: str | None = None


class WorkflowVariable(_Masked):
    """A row of ``GET /v1/workflows/{id}/variables`` (``VariableValueWithMeta``): the definition
    (wire ``def``) and the current value."""

    definition: VariableDef = Field(alias="def")
    has_value: bool = False
    value: Any = None
    version: int | None = None
    updated_at: str | None = None
    last_run_id: str | None = None

    @property
    def name(self) -> str:
        return self.definition.name
