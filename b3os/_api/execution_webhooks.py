"""``client.execution_webhooks``: org-level endpoints that receive signed run/node events
(``/v1/execution-webhooks``, b3os-api.md §5.5).

ASSUMPTION (the OAS has no such operations; docs/internals.md "Kinds on the wire"):
``PUT /v1/execution-webhooks/{id}`` takes the create fields (only those given change) and
answers the endpoint; ``DELETE /v1/execution-webhooks/{id}`` removes it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from b3os._transport import MAX_PAGE_SIZE, Transport, check_limit, drop_none, seg
from b3os.errors import APIError
from b3os.models import Page
from b3os.models_kinds import CreatedExecutionWebhook, ExecutionWebhook, ExecutionWebhookDelivery

__all__ = ["ExecutionWebhooksAPI"]

BASE = "/v1/execution-webhooks"


class ExecutionWebhooksAPI:
    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def list(self, *, limit: int = MAX_PAGE_SIZE, offset: int = 0) -> Page[ExecutionWebhook]:
        params = {"limit": check_limit(limit), "offset": offset}
        return self._t.model(Page[ExecutionWebhook], self._t.request("GET", BASE, params=params))

    def iter(self, **filters: Any) -> Iterator[ExecutionWebhook]:
        return self._t.paginate(self.list, filters)

    def get(self, id: str) -> ExecutionWebhook:
        return self._t.model(ExecutionWebhook, self._t.request("GET", f"{BASE}/{seg(id)}"))

    def create(
        self,
        *,
        name: str,
        url: str,
        description: str | None = None,
        subscribed_event_types: Sequence[str] | None = None,
        max_retries: int | None = None,
    ) -> CreatedExecutionWebhook:
        """Create an endpoint; the answer holds its signing secret (shown only this once).
        Never retried: a repeat would create a duplicate."""
        body = _body(name, url, description, subscribed_event_types, max_retries)
        raw = self._t.request("POST", BASE, json=body, safe=False)
        created = self._t.model(CreatedExecutionWebhook, raw)
        self._t.remember_secret(created.signing_secret)
        return created

    def update(
        self,
        id: str,
        *,
        name: str | None = None,
        url: str | None = None,
        description: str | None = None,
        subscribed_event_types: Sequence[str] | None = None,
        max_retries: int | None = None,
    ) -> ExecutionWebhook:
        """ASSUMPTION: PUT with the create fields; only the given ones change."""
        body = _body(name, url, description, subscribed_event_types, max_retries)
        return self._t.model(ExecutionWebhook, self._t.request("PUT", f"{BASE}/{seg(id)}", json=body))

    def delete(self, id: str) -> None:
        """ASSUMPTION: DELETE removes the endpoint (its delivery records stay readable)."""
        self._t.request("DELETE", f"{BASE}/{seg(id)}", gone_ok_on_retry=True)

    def enable(self, id: str) -> ExecutionWebhook | None:
        """Enable; safe to repeat (the outcome does not depend on how often it is sent)."""
        return self._t.maybe(ExecutionWebhook, self._t.request("POST", f"{BASE}/{seg(id)}/enable", safe=True))

    def disable(self, id: str) -> ExecutionWebhook | None:
        return self._t.maybe(
            ExecutionWebhook, self._t.request("POST", f"{BASE}/{seg(id)}/disable", safe=True)
        )

    def regenerate_secret(self, id: str) -> str:
        """A new signing secret (the old one stops working). Never retried: a lost answer would
        leave a secret nobody knows; call again to get another."""
        data = self._t.request("POST", f"{BASE}/{seg(id)}/regenerate-secret", safe=False)
        secret = data.get("signingSecret") if isinstance(data, dict) else data
        if not isinstance(secret, str) or not secret:
            raise APIError(
                "the server's answer to regenerate-secret holds no signingSecret",
                status_code=200,
                method="POST",
                path=f"{BASE}/{seg(id)}/regenerate-secret",
            )
        self._t.remember_secret(secret)
        return secret

    def list_deliveries(
        self, *, endpoint_id: str | None = None, limit: int = MAX_PAGE_SIZE, offset: int = 0
    ) -> Page[ExecutionWebhookDelivery]:
        params = {"endpointId": endpoint_id, "limit": check_limit(limit), "offset": offset}
        raw = self._t.request("GET", f"{BASE}/deliveries", params=params)
        return self._t.model(Page[ExecutionWebhookDelivery], raw)

    def iter_deliveries(self, **filters: Any) -> Iterator[ExecutionWebhookDelivery]:
        return self._t.paginate(self.list_deliveries, filters)

    def get_delivery(self, id: str) -> ExecutionWebhookDelivery:
        raw = self._t.request("GET", f"{BASE}/deliveries/{seg(id)}")
        return self._t.model(ExecutionWebhookDelivery, raw)

    def retry_delivery(self, id: str) -> ExecutionWebhookDelivery:
        """Re-queue the same delivery (not retried by the client)."""
        raw = self._t.request("POST", f"{BASE}/deliveries/{seg(id)}/retry", safe=False)
        return self._t.model(ExecutionWebhookDelivery, raw)

    def replay_delivery(self, id: str) -> ExecutionWebhookDelivery:
        """Send the same event again as a new delivery (not retried by the client)."""
        raw = self._t.request("POST", f"{BASE}/deliveries/{seg(id)}/replay", safe=False)
        return self._t.model(ExecutionWebhookDelivery, raw)


def _body(
    name: str | None,
    url: str | None,
    description: str | None,
    subscribed_event_types: Sequence[str] | None,
    max_retries: int | None,
) -> dict[str, Any]:
    events = None if subscribed_event_types is None else [str(e) for e in subscribed_event_types]
    return drop_none(
        {
            "name": name,
            "url": url,
            "description": description,
            "subscribedEventTypes": events,
            "maxRetries": max_retries,
        }
    )
