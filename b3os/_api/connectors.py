"""``client.connectors``: credentials referenced by workflow nodes (``/v1/connectors``).

``data`` (the credentials) is write-only: the API answers with ``maskedData`` only. It is sent in
the body of create/update and never kept by the client, nor shown in errors (it is added to the
secrets the error scrubber masks).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from b3os._transport import MAX_PAGE_SIZE, Transport, check_limit, drop_none, seg
from b3os.models import Page
from b3os.models_kinds import Connector

__all__ = ["ConnectorsAPI", "secret_strings"]


def secret_strings(value: Any) -> tuple[str, ...]:
    """Every string leaf of connector ``data``: what an echoing server must not leak into errors."""
    out: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, Mapping):
            for item in v.values():
                walk(item)
        elif isinstance(v, list | tuple):
            for item in v:
                walk(item)

    walk(value)
    return tuple(out)


class ConnectorsAPI:
    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def list(
        self, *, type: str | None = None, limit: int = MAX_PAGE_SIZE, offset: int = 0
    ) -> Page[Connector]:
        """One page of the organization's connectors (``type`` filters client-side as well: the
        OAS documents no type filter, so rows of another type are dropped from the page)."""
        params = {"type": type, "limit": check_limit(limit), "offset": offset}
        page = self._t.model(Page[Connector], self._t.request("GET", "/v1/connectors", params=params))
        if type is not None:
            page.items = [c for c in page.items if c.type is None or c.type == type]
        return page

    def iter(self, **filters: Any) -> Iterator[Connector]:
        return self._t.paginate(self.list, filters)

    def get(self, id: str) -> Connector:
        return self._t.model(Connector, self._t.request("GET", f"/v1/connectors/{seg(id)}"))

    def create(
        self, *, name: str, type: str, data: Mapping[str, Any], description: str | None = None
    ) -> Connector:
        """Create a connector. Never retried: a repeat would create a duplicate."""
        body = drop_none({"name": name, "type": type, "data": dict(data), "description": description})
        raw = self._t.request("POST", "/v1/connectors", json=body, safe=False, secrets=secret_strings(data))
        return self._t.model(Connector, raw)

    def update(
        self,
        id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> Connector:
        """PUT only the given fields (``data`` replaces the stored credentials as a whole)."""
        body = drop_none(
            {"name": name, "description": description, "data": None if data is None else dict(data)}
        )
        raw = self._t.request(
            "PUT", f"/v1/connectors/{seg(id)}", json=body, secrets=secret_strings(data or {})
        )
        return self._t.model(Connector, raw)

    def delete(self, id: str) -> None:
        self._t.request("DELETE", f"/v1/connectors/{seg(id)}", gone_ok_on_retry=True)
