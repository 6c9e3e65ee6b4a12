"""References between declared objects: a workflow node's ``connector: {type, name}``.

In files a node may name a connector instead of giving its id. The name is resolved to the id at
plan time (a connector declared in the same directory, or one that exists), and the workflow is
applied after the connectors it uses; a name that is neither is an error naming the node.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from b3os.errors import ConfigError

__all__ = ["connector_names", "resolve_connectors"]


def _nodes(definition: Mapping[str, Any] | None) -> dict[str, Any]:
    nodes = definition.get("nodes") if isinstance(definition, Mapping) else None
    return nodes if isinstance(nodes, dict) else {}


def connector_names(definition: Mapping[str, Any] | None) -> dict[str, str]:
    """``{node id: connector name}`` for the nodes that refer to a connector by name."""
    names: dict[str, str] = {}
    for node_id, node in _nodes(definition).items():
        ref = node.get("connector") if isinstance(node, dict) else None
        if isinstance(ref, dict) and isinstance(ref.get("name"), str) and ref.get("id") is None:
            names[str(node_id)] = ref["name"]
    return names


def resolve_connectors(
    definition: Mapping[str, Any], ids: Mapping[str, str | None], *, source: str
) -> dict[str, Any]:
    """A copy of ``definition`` with every ``connector: {name}`` replaced by ``{type, id}``.

    ``ids`` maps connector names to ids (``None``: declared but not created yet — left as is).
    A name missing from ``ids`` is an error naming the node.
    """
    resolved = copy.deepcopy(dict(definition))
    for node_id, name in connector_names(definition).items():
        if name not in ids:
            raise ConfigError(
                f"{source}: node {node_id!r} uses connector {name!r}, which is neither declared nor "
                "exists in the organization: declare it (kind: connector) or fix the name"
            )
        connector_id = ids[name]
        if connector_id is None:
            continue
        ref = resolved["nodes"][node_id]["connector"]
        resolved["nodes"][node_id]["connector"] = {
            **{k: v for k, v in ref.items() if k != "name"},
            "id": connector_id,
        }
    return resolved
