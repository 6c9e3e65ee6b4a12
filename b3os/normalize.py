"""What "changed" means: the canonical form of a definition and the server-owned field lists.

Every front end (plan, Pulumi diff, Ansible --diff) and b3os-local import these lists, so
what the emulator adds and what a diff ignores cannot drift. Each normalization rule is a
small named function with a one-line docstring (style rule 7); :data:`RULES` lists them in
the order :func:`normalize_definition` applies them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from b3os.errors import ConfigError

__all__ = [
    "DEFAULT_TRIGGER_NODE_IDS",
    "MAX_DEPTH",
    "RULES",
    "SERVER_ADDED_DEFINITION_FIELDS",
    "SERVER_ADDED_NODE_FIELDS",
    "SERVER_OWNED_WORKFLOW_FIELDS",
    "GraphSummary",
    "canonical_json",
    "definitions_equal",
    "explain_differences",
    "graph_summary",
    "normalize_definition",
]

# Workflow fields the server sets (camelCase wire names); a desired spec never manages them.
SERVER_OWNED_WORKFLOW_FIELDS: frozenset[str] = frozenset(
    {
        "id", "version", "organizationId", "status", "type", "triggerSecret", "hasDraft",
        "hasLiveVersion", "createdAt", "createdBy", "updatedAt", "updatedBy", "versionCreatedBy",
        "ownerUserId", "remainRuns", "lastTriggeredAt", "pausedReason", "aiName", "aiDescription",
        "nameManuallySet", "descManuallySet", "uiMetadata", "variableDefs", "sourceTemplateId",
        "conversationId", "versionNumber", "publishedAt",
    }
)  # fmt: skip

# Definition keys the server backfills (§6: triggerNodeIds is optional on input).
SERVER_ADDED_DEFINITION_FIELDS: frozenset[str] = frozenset({"triggerNodeIds"})

# Node keys the server, its AI namer or the editor UI may add (OAS WorkflowNode).
SERVER_ADDED_NODE_FIELDS: frozenset[str] = frozenset(
    {"description", "titleOverride", "position", "resultSchema", "blockContext"}
)

DEFAULT_TRIGGER_NODE_IDS: tuple[str, ...] = ("root",)

# How deep a definition may nest (the definition object is level 0). Real definitions nest a
# handful of levels (nodes.<id>.payload.<object>…); 64 leaves room for deep payload documents
# and keeps every recursive consumer (json, dict comparison, these rules, httpx) far from
# Python's recursion limit. The validator rejects deeper input; the normalizer refuses it.
MAX_DEPTH = 64

Definition = dict[str, Any]


# -- rules ---------------------------------------------------------------------------------------
def parse_json_text(definition: Any) -> Any:
    """JSON text and the dict it encodes are the same definition."""
    if not isinstance(definition, str):
        return definition
    try:
        return json.loads(definition)
    except RecursionError:
        raise ConfigError(f"definition: nested more than {MAX_DEPTH} levels deep: flatten it") from None


def _check_depth(value: Any) -> None:
    """ConfigError naming the first path nested deeper than MAX_DEPTH (iterative).

    Every definition is checked on every plan, so the walk keeps each value's place as a link to
    its parent's (no path text per value) and spells the path only for the error."""
    stack: list[tuple[Any, int, _Place]] = [(value, 0, None)]
    while stack:
        v, depth, place = stack.pop()
        if depth > MAX_DEPTH:
            raise ConfigError(f"{_spelled(place)}: nested more than {MAX_DEPTH} levels deep: flatten it")
        if isinstance(v, Mapping):
            stack.extend((sub, depth + 1, (place, k, False)) for k, sub in v.items())
        elif isinstance(v, (list, tuple)):
            stack.extend((sub, depth + 1, (place, i, True)) for i, sub in enumerate(v))


# Where a value sits: None for the definition itself, else (its parent's place, key, is a list index).
_Place = tuple[Any, Any, bool] | None


def _spelled(place: _Place) -> str:
    """``definition.nodes.a.payload[0]`` for a place."""
    parts: list[str] = []
    while place is not None:
        place, key, index = place
        parts.append(f"[{key}]" if index else f".{key}")
    return "definition" + "".join(reversed(parts))


def copy_plain(value: Any) -> Any:
    """Work on plain dicts/lists (never mutate the caller's value; tuples count as lists)."""
    if isinstance(value, Mapping):
        return {str(k): copy_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [copy_plain(v) for v in value]
    return value


def integral_floats_as_ints(value: Any) -> Any:
    """Numbers compare by value: 1.0 and 1 are the same number."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: integral_floats_as_ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [integral_floats_as_ints(v) for v in value]
    return value


def drop_server_added_definition_fields(definition: Definition, like: Definition | None) -> Definition:
    """Definition keys the server backfills are ignored unless the desired definition sets them."""
    keep = set(like or ()) & SERVER_ADDED_DEFINITION_FIELDS
    return {k: v for k, v in definition.items() if k not in SERVER_ADDED_DEFINITION_FIELDS or k in keep}


def drop_default_trigger_node_ids(definition: Definition, like: Definition | None) -> Definition:
    """triggerNodeIds equal to the default ["root"] is the same as absent."""
    if definition.get("triggerNodeIds") == list(DEFAULT_TRIGGER_NODE_IDS):
        return {k: v for k, v in definition.items() if k != "triggerNodeIds"}
    return definition


def drop_server_added_node_fields(definition: Definition, like: Definition | None) -> Definition:
    """Node keys the server/UI adds (description, titleOverride, position, …) are ignored unless desired."""
    nodes = definition.get("nodes")
    if not isinstance(nodes, dict):
        return definition
    like_nodes = like.get("nodes") if isinstance(like, Mapping) else None
    like_nodes = like_nodes if isinstance(like_nodes, Mapping) else {}
    out: dict[str, Any] = {}
    for node_id, node in nodes.items():
        if isinstance(node, dict):
            wanted = like_nodes.get(node_id)
            keep = set(wanted) if isinstance(wanted, Mapping) else set()
            node = {k: v for k, v in node.items() if k not in SERVER_ADDED_NODE_FIELDS or k in keep}
        out[node_id] = node
    return {**definition, "nodes": out}


def drop_empty_node_fields(definition: Definition, like: Definition | None) -> Definition:
    """`children: []`, `payload: {}` and null node keys are the same as absent."""
    nodes = definition.get("nodes")
    if not isinstance(nodes, dict):
        return definition
    out: dict[str, Any] = {}
    for node_id, node in nodes.items():
        if isinstance(node, dict):
            node = {
                k: v
                for k, v in node.items()
                if v is not None and not (k == "children" and v == []) and not (k == "payload" and v == {})
            }
        out[node_id] = node
    return {**definition, "nodes": out}


def sort_keys(value: Any) -> Any:
    """Key order never matters (list order does: children run in order)."""
    if isinstance(value, dict):
        return {k: sort_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [sort_keys(v) for v in value]
    return value


_DefinitionRule = Callable[[Definition, "Definition | None"], Definition]
_DEFINITION_RULES: tuple[_DefinitionRule, ...] = (
    drop_server_added_definition_fields,
    drop_default_trigger_node_ids,
    drop_server_added_node_fields,
    drop_empty_node_fields,
)

RULES: tuple[tuple[str, str], ...] = tuple(
    (rule.__name__, (rule.__doc__ or "").strip())
    for rule in (parse_json_text, copy_plain, integral_floats_as_ints, *_DEFINITION_RULES, sort_keys)
)


# -- public API ----------------------------------------------------------------------------------
def normalize_definition(
    definition: Mapping[str, Any] | str, *, like: Mapping[str, Any] | None = None
) -> Definition:
    """The canonical form of a definition; `like` is the desired definition (its keys are kept).

    Raises TypeError when the value is not an object, ValueError for JSON text that does not
    parse, and ConfigError (naming the path) for nesting deeper than :data:`MAX_DEPTH`.
    """
    raw = parse_json_text(definition)
    _check_depth(raw)
    like_plain = None
    if like is not None:
        like_raw = parse_json_text(like)
        _check_depth(like_raw)
        like_plain = copy_plain(like_raw)
    return _normalized(raw, like_plain)


def _normalized(raw: Any, like_plain: Definition | None) -> Definition:
    """``normalize_definition`` of a value already parsed and depth-checked, ``like`` already plain."""
    value = integral_floats_as_ints(copy_plain(raw))
    if not isinstance(value, dict):
        raise TypeError(f"a definition must be an object, got {type(value).__name__}")
    for rule in _DEFINITION_RULES:
        value = rule(value, like_plain)
    result: Definition = sort_keys(value)
    return result


def canonical_json(value: Any) -> str:
    """Stable JSON text: sorted keys, compact separators, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def definitions_equal(desired: Mapping[str, Any] | str, actual: Mapping[str, Any] | str) -> bool:
    """True when `actual` (as read back from the server) already has the desired content."""
    want, have = _pair(desired, actual)
    return want == have


def _pair(
    desired: Mapping[str, Any] | str | None, actual: Mapping[str, Any] | str | None
) -> tuple[Definition, Definition]:
    # Each side parsed, depth-checked and copied once (the desired side is also the ``like``).
    like: Definition | None = None
    want: Definition = {}
    if desired is not None:
        raw = parse_json_text(desired)
        _check_depth(raw)
        like = copy_plain(raw)
        want = _normalized(like, like)
    have: Definition = {}
    if actual is not None:
        actual_raw = parse_json_text(actual)
        _check_depth(actual_raw)
        have = _normalized(actual_raw, like)
    return want, have


@dataclass(frozen=True)
class GraphSummary:
    """Graph-aware difference between two definitions (nodes and edges, not JSON lines)."""

    nodes_added: list[str] = field(default_factory=list)
    nodes_removed: list[str] = field(default_factory=list)
    nodes_changed: dict[str, list[str]] = field(default_factory=dict)  # node id -> changed fields
    edges_added: list[tuple[str, str]] = field(default_factory=list)  # (parent, child)
    edges_removed: list[tuple[str, str]] = field(default_factory=list)
    other_changed: list[str] = field(default_factory=list)  # definition-level keys

    @property
    def changed(self) -> bool:
        return bool(
            self.nodes_added or self.nodes_removed or self.nodes_changed or self.edges_added
            or self.edges_removed or self.other_changed
        )  # fmt: skip

    def describe(self, limit: int = 10) -> str:
        """One readable line, e.g. "+1 node (notify), ~1 node changed (log_message: payload.message)".

        Each list names at most ``limit`` entries, then "… N more": a new 5,000-node workflow
        is one short line, not 100 KB of node ids.
        """
        parts: list[str] = []
        if self.nodes_added:
            parts.append(f"+{_count(self.nodes_added, 'node')} ({_some(self.nodes_added, limit)})")
        if self.nodes_removed:
            parts.append(f"-{_count(self.nodes_removed, 'node')} ({_some(self.nodes_removed, limit)})")
        if self.nodes_changed:
            detail = [f"{n}: {_some(f, limit)}" for n, f in self.nodes_changed.items()]
            parts.append(f"~{_count(self.nodes_changed, 'node')} changed ({_some(detail, limit, '; ')})")
        if self.edges_added:
            parts.append(f"+{_count(self.edges_added, 'edge')} ({_some(_edges(self.edges_added), limit)})")
        if self.edges_removed:
            parts.append(
                f"-{_count(self.edges_removed, 'edge')} ({_some(_edges(self.edges_removed), limit)})"
            )
        if self.other_changed:
            parts.append(f"~definition ({_some(self.other_changed, limit)})")
        return ", ".join(parts) if parts else "no changes"


def _some(items: list[str], limit: int, sep: str = ", ") -> str:
    """At most ``limit`` items, then how many more."""
    shown = sep.join(items[:limit])
    return shown if len(items) <= limit else f"{shown}{sep}… {len(items) - limit:,} more"


def _count(items: object, noun: str) -> str:
    n = len(items)  # type: ignore[arg-type]
    return f"{n} {noun}{'s' if n != 1 else ''}"


def _edges(edges: list[tuple[str, str]]) -> list[str]:
    return [f"{a}->{b}" for a, b in edges]


def _nodes_of(definition: Definition) -> dict[str, Any]:
    nodes = definition.get("nodes")
    return nodes if isinstance(nodes, dict) else {}


def _edge_list(nodes: dict[str, Any]) -> list[tuple[str, str]]:
    edges: list[tuple[str, str]] = []
    for node_id, node in nodes.items():
        if not isinstance(node, dict):
            continue
        for key in ("children", "loopBody"):
            refs = node.get(key)
            if isinstance(refs, list):
                edges.extend((node_id, r) for r in refs if isinstance(r, str))
    return edges


def _changed_paths(a: Any, b: Any, prefix: str) -> list[str]:
    """Dotted paths where a and b differ (objects are walked; lists compare whole)."""
    if a == b:
        return []
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for k in sorted(set(a) | set(b)):
            out.extend(_changed_paths(a.get(k), b.get(k), f"{prefix}.{k}" if prefix else k))
        return out
    return [prefix or "(value)"]


def graph_summary(
    before: Mapping[str, Any] | str | None, after: Mapping[str, Any] | str | None
) -> GraphSummary:
    """Nodes added/removed/changed and edges added/removed from `before` (actual) to `after` (desired)."""
    want, have = _pair(after, before)
    old, new = _nodes_of(have), _nodes_of(want)
    changed: dict[str, list[str]] = {}
    for node_id in new:
        if node_id in old:
            paths = _changed_paths(old[node_id], new[node_id], "")
            if paths:
                changed[node_id] = paths
    old_edges, new_edges = _edge_list(old), _edge_list(new)
    old_set, new_set = set(old_edges), set(new_edges)
    other = [k for k in sorted(set(want) | set(have)) if k != "nodes" and want.get(k) != have.get(k)]
    return GraphSummary(
        nodes_added=[n for n in new if n not in old],
        nodes_removed=[n for n in old if n not in new],
        nodes_changed=changed,
        edges_added=[e for e in new_edges if e not in old_set],
        edges_removed=[e for e in old_edges if e not in new_set],
        other_changed=other,
    )


def explain_differences(
    desired: Mapping[str, Any] | str, actual: Mapping[str, Any] | str | None
) -> list[str]:
    """Human reasons why `actual` does not match `desired` ([] when equal after normalization)."""
    s = graph_summary(actual, desired)
    reasons = [f"node '{n}' added" for n in s.nodes_added]
    reasons += [f"node '{n}' removed" for n in s.nodes_removed]
    for n, fields in s.nodes_changed.items():
        reasons += [f"node '{n}': {f} changed" for f in fields]
    reasons += [f"definition.{k} changed" for k in s.other_changed]
    return reasons
