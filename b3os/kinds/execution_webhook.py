"""The ExecutionWebhook kind: an organization-level endpoint that B3OS posts run/node events to.

The signing secret is returned once, when the webhook is created (and by regenerate-secret): it
is a secret output everywhere (a Pulumi secret, masked by Ansible and the CLI) and, because no
read returns it again, front ends with state carry it over from what they recorded. ``enabled``
is the lifecycle: enable/disable are their own actions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from b3os.resource.fields import Field
from b3os.resource.plan import Action
from b3os.resource.simple import SimpleKind
from b3os.resource.spec import Spec, State

if TYPE_CHECKING:
    from b3os.client import Client

__all__ = ["ExecutionWebhookKind"]

EVENT_TYPES = ("run.completed", "run.failed", "node.failed")


def _dump(model: Any) -> dict[str, Any]:
    from b3os.models import to_wire

    return to_wire(model)


def _check_url(url: str) -> str:
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"{url!r} is not an http(s) URL")
    return url


def _check_retries(value: int) -> int:
    if not 0 <= value <= 20:
        raise ValueError("must be between 0 and 20")
    return value


def _same_events(desired: Any, actual: Any) -> bool:
    return sorted(desired or []) == sorted(actual or [])


FIELDS: tuple[Field, ...] = (
    Field("id", "string", "The execution webhook id: manage an existing one by id.", role="id", wire="id"),
    Field("name", "string", "The webhook name: how it is found without an id.", role="key", wire="name"),
    Field("url", "string", "Where B3OS posts the events (https).", wire="url", required=True, check=_check_url),
    Field("description", "string", "The webhook description.", wire="description",
          same=lambda d, a: (a or "") == d),
    Field(
        "subscribed_event_types", "array",
        f"The event types delivered (for example {', '.join(EVENT_TYPES)}); compared as a set.",
        wire="subscribedEventTypes", items="string", aliases=("subscribedEventTypes",), same=_same_events,
    ),
    Field("max_retries", "integer", "How often a failed delivery is retried (0-20).", wire="maxRetries",
          aliases=("maxRetries",), check=_check_retries),
    Field("enabled", "boolean", "Whether events are delivered (enable/disable).", role="state", default=True),
    Field("state", "string", "`present` or `absent` (deleted).", role="state", default="present",
          choices=("present", "absent")),
    Field("status", "string", "The server's status: active or disabled.", role="computed", wire="status"),
    Field(
        "signing_secret", "string",
        "The HMAC-SHA256 key of the x-b3os-signature header; returned by the API only at creation.",
        role="computed", wire="signingSecret", secret=True,
    ),
    Field("created_at", "string", "When the webhook was created.", role="computed", wire="createdAt"),
    Field("updated_at", "string", "When the webhook was last updated.", role="computed", wire="updatedAt"),
)  # fmt: skip


class ExecutionWebhookKind(SimpleKind):
    name = "execution_webhook"
    token = "ExecutionWebhook"
    module = "execution_webhook"
    description = "A B3OS execution webhook: signed deliveries of run and node events to your endpoint."
    fields = FIELDS
    example = {
        "name": "failed runs to ops",
        "url": "https://ops.example.com/b3os-events",
        "subscribed_event_types": ["run.failed", "node.failed"],
        "max_retries": 5,
    }

    def api_list(self, client: Client, spec: Spec) -> Iterable[Mapping[str, Any]]:
        return [_dump(w) for w in client.execution_webhooks.iter()]

    def api_get(self, client: Client, id: str, spec: Spec) -> Mapping[str, Any] | None:
        from b3os.errors import NotFoundError

        try:
            return _dump(client.execution_webhooks.get(id))
        except NotFoundError:
            return None

    def api_create(self, client: Client, body: dict[str, Any], spec: Spec) -> Mapping[str, Any]:
        created = client.execution_webhooks.create(
            name=body["name"],
            url=body["url"],
            description=body.get("description"),
            subscribed_event_types=body.get("subscribedEventTypes"),
            max_retries=body.get("maxRetries"),
        )
        return {**_dump(created.endpoint), "signingSecret": created.signing_secret}

    def api_update(
        self, client: Client, id: str, body: dict[str, Any], spec: Spec
    ) -> Mapping[str, Any] | None:
        row = client.execution_webhooks.update(
            id,
            name=body.get("name"),
            url=body.get("url"),
            description=body.get("description"),
            subscribed_event_types=body.get("subscribedEventTypes"),
            max_retries=body.get("maxRetries"),
        )
        return _dump(row)

    def api_delete(self, client: Client, id: str, spec: Spec) -> None:
        client.execution_webhooks.delete(id)

    def api_action(self, client: Client, id: str, action: Action, spec: Spec) -> Mapping[str, Any] | None:
        hooks = client.execution_webhooks
        row = hooks.enable(id) if action.kind == "enable" else hooks.disable(id)
        return _dump(row) if row is not None else {"id": id, "status": _STATUS[action.kind]}

    def lifecycle_actions(self, spec: Spec, state: State | None) -> list[Action]:
        enabled = spec.get("enabled")
        if enabled is None:
            return []
        # A new webhook starts active (B3OS), so only a disabled one needs a second call.
        status = state.get("status") if state is not None else "active"
        if enabled and status == "disabled":
            return [Action("enable", reason="desired enabled")]
        if not enabled and status != "disabled":
            return [Action("disable", reason="desired disabled")]
        return []

    def outputs(self, state: Any | None, spec: Any | None = None) -> dict[str, Any]:
        out = super().outputs(state, spec)
        if out:
            out["enabled"] = out.get("status") != "disabled"
        return out


_STATUS = {"enable": "active", "disable": "disabled"}
