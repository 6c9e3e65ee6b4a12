"""The one structural validator of B3OS workflow definitions.

Used by b3os-local (server-side validation on create/update/publish/validate) and by every
front end (plan-time validation), so both sides reject the same definitions with the same
items. Pure and I/O free except :func:`load_definition`; graph walks are iterative so a
10,000-node chain neither recurses nor goes quadratic (ancestor sets are int bitsets).

Rules follow shared/b3os-api.md §6, §6.1, §7 and §9 G9. Every problem becomes a
:class:`~b3os.models.ValidationItem` with ``node_id``, a dotted ``field``, the B3OS ``type``
(name|nodes|root|connectivity|pattern|variable), a stable snake_case ``code`` and a message
that says how to fix it. All problems are reported, in a deterministic order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from b3os.definition._common import (
    BUILTIN_ACTION_TYPES,
    CONDITION_OPERATORS,
    MAX_NODES,
    TRIGGER_TYPES,
    _item,
    json_value_problems,
)
from b3os.definition._damage import template_damage
from b3os.definition._graph import _Validator
from b3os.definition._load import load_definition, parse_document
from b3os.errors import DefinitionError
from b3os.models import ValidationItem
from b3os.normalize import MAX_DEPTH

__all__ = [
    "BUILTIN_ACTION_TYPES",
    "CONDITION_OPERATORS",
    "MAX_DEPTH",
    "MAX_NODES",
    "TRIGGER_TYPES",
    "check_definition",
    "load_definition",
    "parse_document",
    "template_damage",
    "validate_definition",
]


def validate_definition(
    definition: object, *, catalog: Mapping[str, Mapping[str, Any]] | None = None
) -> list[ValidationItem]:
    """Return every structural problem of a workflow definition ([] when valid); never raises.

    Payloads of the node types in b3os.catalog are always checked. ``catalog`` (node type ->
    a server's ActionDefinition/TriggerDefinition, see :func:`b3os.catalog_client.fetch_catalog`)
    adds: types the server does not list are errors, and the payloads of types only the server
    knows are checked against its ``payloadSchema``.

    Values JSON cannot carry (NaN, Infinity, lone surrogates, non-string keys, YAML dates,
    nesting deeper than :data:`MAX_DEPTH`) are reported first and alone, by node and field.
    """
    if not isinstance(definition, Mapping):
        return [
            _item(
                "nodes",
                "invalid_definition",
                f"definition: must be an object with a 'nodes' map, got {type(definition).__name__}",
            )
        ]
    problems = json_value_problems(definition)
    if problems:  # the other rules assume JSON data: report these first, alone
        return problems
    nodes = definition.get("nodes")
    if nodes is None:
        return [
            _item(
                "nodes",
                "missing_nodes",
                'definition: \'nodes\' is required: add {"nodes": {"root": {"type": "manual", '
                '"payload": {}, "children": []}}}',
                field="nodes",
            )
        ]
    if not isinstance(nodes, Mapping):
        return [
            _item(
                "nodes",
                "invalid_nodes",
                f"definition: 'nodes' must be an object mapping node ids to nodes, got "
                f"{type(nodes).__name__}",
                field="nodes",
            )
        ]
    if not nodes:
        return [
            _item(
                "nodes",
                "empty_nodes",
                "definition: 'nodes' is empty: add at least a trigger node 'root'",
                field="nodes",
            )
        ]
    v = _Validator(definition, nodes, catalog)
    v.check_nodes()
    v.check_edges()
    v.check_roots()
    order = v.check_cycles()
    v.check_reachability()
    v.check_branches()
    v.check_payloads()
    v.check_expressions(order)
    return v.items


def check_definition(definition: object) -> None:
    """Raise DefinitionError(items) when the definition has any problem."""
    items = validate_definition(definition)
    if items:
        raise DefinitionError(items)
