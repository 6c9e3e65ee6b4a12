"""The Connector kind: credentials that workflow nodes use (``connector: {type, id}``).

``data`` (the credentials) is write-only: the API returns only ``maskedData``. So:

* a change is applied when the fingerprint of what was last sent (kept in Pulumi state, in the
  CLI's directory record) does not match the declared data, or when the declared data has other
  keys than the server's masked data;
* with no fingerprint known (a connector made elsewhere, an Ansible play), equal keys count as
  unchanged — set ``update_data: always`` to send the data on every run (not idempotent);
* ``data`` never reaches state, logs or diffs in plaintext: diffs say "(sensitive value changed)".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from b3os.resource.fields import Field
from b3os.resource.simple import SimpleKind
from b3os.resource.spec import Spec, State

if TYPE_CHECKING:
    from b3os.client import Client

__all__ = ["ConnectorKind"]


def _dump(model: Any) -> dict[str, Any]:
    from b3os.models import to_wire

    return to_wire(model)


FIELDS: tuple[Field, ...] = (
    Field("id", "string", "The connector id (conn_…): manage an existing connector by id.", role="id", wire="id"),
    Field(
        "name", "string",
        "The connector name: how it is found without an id, and how workflow nodes in the same "
        "directory, stack or play refer to it.",
        role="key", wire="name",
    ),
    Field("type", "string", "The connector type (slack, discord, http, …); cannot change after creation.",
          wire="type", required=True),
    Field("description", "string", "The connector description.", wire="description",
          same=lambda d, a: (a or "") == d),
    Field(
        "data", "object",
        "The credentials. Write-only: never returned by the API, never stored or printed in plaintext.",
        wire="data", required=True, secret=True, write_only=True,
    ),
    Field(
        "update_data", "string",
        "When to send `data` to an existing connector: `on_change` (a fingerprint of what was last "
        "sent differs, or the keys differ) or `always` (every run; never idempotent).",
        role="option", default="on_change", choices=("on_change", "always"),
    ),
    Field("state", "string", "`present` or `absent` (deleted).", role="state", default="present",
          choices=("present", "absent")),
    Field("masked_data", "object", "The credentials as the API shows them (masked).", role="computed",
          wire="maskedData"),
    Field("data_fingerprint", "string", "A salted PBKDF2 fingerprint of the data last sent (not the data).",
          role="computed", secret=True),
    Field("provider", "string", "The connector's provider.", role="computed", wire="provider"),
    Field("created_at", "string", "When the connector was created.", role="computed", wire="createdAt"),
    Field("updated_at", "string", "When the connector was last updated.", role="computed", wire="updatedAt"),
)  # fmt: skip


class ConnectorKind(SimpleKind):
    name = "connector"
    token = "Connector"
    module = "connector"
    description = "A B3OS connector: named credentials of one type that workflow nodes use."
    fields = FIELDS
    example = {
        "name": "team slack",
        "type": "slack",
        "description": "Posts to #alerts",
        "data": {"token": "{{ slack_token }}"},
    }

    def api_list(self, client: Client, spec: Spec) -> Iterable[Mapping[str, Any]]:
        return [_dump(c) for c in client.connectors.iter()]

    def api_get(self, client: Client, id: str, spec: Spec) -> Mapping[str, Any] | None:
        from b3os.errors import NotFoundError

        try:
            return _dump(client.connectors.get(id))
        except NotFoundError:
            return None

    def api_create(self, client: Client, body: dict[str, Any], spec: Spec) -> Mapping[str, Any]:
        return _dump(
            client.connectors.create(
                name=body["name"], type=body["type"], data=body["data"], description=body.get("description")
            )
        )

    def api_update(
        self, client: Client, id: str, body: dict[str, Any], spec: Spec
    ) -> Mapping[str, Any] | None:
        if "type" in body:
            from b3os.errors import ConfigError

            raise ConfigError(
                f"{self.label(spec)}: its type cannot change ({body['type']!r} declared); "
                "declare a new connector (another name) and point the workflows at it"
            )
        row = client.connectors.update(
            id, name=body.get("name"), description=body.get("description"), data=body.get("data")
        )
        return _dump(row)

    def api_delete(self, client: Client, id: str, spec: Spec) -> None:
        client.connectors.delete(id)

    def write_only_changed(self, f: Field, spec: Spec, state: State) -> bool:
        if spec.get("update_data") == "always" or super().write_only_changed(f, spec, state):
            return True
        masked, desired = state.get("masked_data"), spec.get(f.name)
        return isinstance(masked, dict) and isinstance(desired, dict) and set(masked) != set(desired)
