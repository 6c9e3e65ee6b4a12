"""Connector references by name in workflow nodes."""

from __future__ import annotations

import pytest

from b3os.errors import ConfigError
from b3os.resource.references import connector_names, resolve_connectors

DEFINITION = {
    "nodes": {
        "root": {"type": "manual", "payload": {}, "children": ["post"]},
        "post": {"type": "slack-post", "payload": {"text": "{{$trigger.body.x}}"}, "connector": {"type": "slack", "name": "team"}},
        "other": {"type": "http", "payload": {}, "connector": {"type": "http", "id": "conn_fixed"}},
    }
}  # fmt: skip


def test_names_are_found_only_where_no_id_is_given() -> None:
    assert connector_names(DEFINITION) == {"post": "team"}


def test_resolve_replaces_the_name_by_the_id_and_copies() -> None:
    resolved = resolve_connectors(DEFINITION, {"team": "conn_1"}, source="wf.yaml")
    assert resolved["nodes"]["post"]["connector"] == {"type": "slack", "id": "conn_1"}
    assert resolved["nodes"]["other"]["connector"] == {"type": "http", "id": "conn_fixed"}
    assert DEFINITION["nodes"]["post"]["connector"] == {"type": "slack", "name": "team"}


def test_a_pending_connector_is_left_as_is() -> None:
    resolved = resolve_connectors(DEFINITION, {"team": None}, source="wf.yaml")
    assert resolved["nodes"]["post"]["connector"] == {"type": "slack", "name": "team"}


def test_an_unknown_connector_names_file_and_node() -> None:
    with pytest.raises(
        ConfigError, match=r"wf.yaml: node 'post' uses connector 'team', which is neither declared"
    ):
        resolve_connectors(DEFINITION, {}, source="wf.yaml")
