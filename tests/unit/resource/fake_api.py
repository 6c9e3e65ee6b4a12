"""An in-memory stand-in for the three simple kinds' client sub-APIs, counting writes.

Only for pure engine tests; the real client against b3os-local is tested in tests/integration.
"""

from __future__ import annotations

import itertools
from typing import Any

from b3os._retry import DEFAULT_RETRY
from b3os.errors import NotFoundError
from b3os.models import WireModel

_ids = itertools.count(1)


def _model(row: dict[str, Any]) -> WireModel:
    return WireModel.model_validate(row)


class _Base:
    prefix = "x"

    def __init__(self, api: FakeClient) -> None:
        self.api = api
        self.rows: dict[str, dict[str, Any]] = {}

    def _row(self, id: str) -> dict[str, Any]:
        if id not in self.rows:
            raise NotFoundError(f"{id} not found", status_code=404)
        return self.rows[id]

    def iter(self) -> list[WireModel]:
        self.api.reads += 1
        return [_model(self.view(r)) for r in self.rows.values()]

    def get(self, id: str) -> WireModel:
        self.api.reads += 1
        return _model(self.view(self._row(id)))

    def delete(self, id: str) -> None:
        self.api.writes.append(("delete", id))
        self._row(id)
        del self.rows[id]

    def view(self, row: dict[str, Any]) -> dict[str, Any]:
        return dict(row)


class Connectors(_Base):
    def create(
        self, *, name: str, type: str, data: dict[str, Any], description: str | None = None
    ) -> WireModel:
        self.api.writes.append(("create", name))
        id = f"conn_{next(_ids)}"
        self.rows[id] = {"id": id, "name": name, "type": type, "description": description or "", "data": data}
        return _model(self.view(self.rows[id]))

    def update(self, id: str, *, name: str | None = None, description: str | None = None,
               data: dict[str, Any] | None = None) -> WireModel:  # fmt: skip
        self.api.writes.append(("update", id))
        row = self._row(id)
        for key, value in (("name", name), ("description", description), ("data", data)):
            if value is not None:
                row[key] = value
        return _model(self.view(row))

    def view(self, row: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in row.items() if k != "data"}
        out["maskedData"] = {k: "****" for k in row["data"]}
        return out


class _Created:
    def __init__(self, endpoint: WireModel, signing_secret: str) -> None:
        self.endpoint, self.signing_secret = endpoint, signing_secret


class Hooks(_Base):
    def create(self, *, name: str, url: str, description: str | None = None,
               subscribed_event_types: list[str] | None = None, max_retries: int | None = None) -> _Created:  # fmt: skip
        self.api.writes.append(("create", name))
        id = f"ewh_{next(_ids)}"
        self.rows[id] = {
            "id": id, "name": name, "url": url, "description": description or "", "status": "active",
            "subscribedEventTypes": subscribed_event_types or [], "maxRetries": max_retries or 3,
        }  # fmt: skip
        return _Created(_model(self.rows[id]), "whsec_" + "s" * 24)

    def update(self, id: str, **changes: Any) -> WireModel:
        self.api.writes.append(("update", id))
        row = self._row(id)
        wire = {"subscribed_event_types": "subscribedEventTypes", "max_retries": "maxRetries"}
        row.update({wire.get(k, k): v for k, v in changes.items() if v is not None})
        return _model(row)

    def enable(self, id: str) -> WireModel:
        self.api.writes.append(("enable", id))
        self._row(id)["status"] = "active"
        return _model(self._row(id))

    def disable(self, id: str) -> WireModel:
        self.api.writes.append(("disable", id))
        self._row(id)["status"] = "disabled"
        return _model(self._row(id))


class _Var:
    def __init__(self, definition: WireModel) -> None:
        self.definition = definition


class Variables:
    def __init__(self, api: FakeClient) -> None:
        self.api = api
        self.rows: dict[tuple[str, str], dict[str, Any]] = {}

    def list(self, workflow_id: str) -> list[_Var]:
        self.api.reads += 1
        return [_Var(_model(r)) for (wf, _), r in self.rows.items() if wf == workflow_id]

    def put(self, workflow_id: str, name: str, *, type: str, lifetime: str, default: Any = None,
            description: str | None = None) -> WireModel:  # fmt: skip
        self.api.writes.append(("put", name))
        row = {
            "name": name,
            "type": type,
            "lifetime": lifetime,
            "default": default,
            "description": description,
        }
        self.rows[(workflow_id, name)] = {k: v for k, v in row.items() if v is not None}
        return _model(self.rows[(workflow_id, name)])

    def delete(self, workflow_id: str, name: str) -> None:
        self.api.writes.append(("delete", name))
        del self.rows[(workflow_id, name)]


class FakeClient:
    retry = DEFAULT_RETRY

    def __init__(self) -> None:
        self.writes: list[tuple[str, str]] = []
        self.reads = 0
        self.connectors = Connectors(self)
        self.execution_webhooks = Hooks(self)
        self.variables = Variables(self)

    def retry_budget(self) -> Any:
        return self.retry

    def backoff(self, attempt: int, retry_after: float | None = None, *, budget: Any = None) -> bool:
        return attempt < self.retry.max_attempts
