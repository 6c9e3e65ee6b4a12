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

import json
import os
import re
from collections import deque
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from b3os.errors import ConfigError, DefinitionError
from b3os.models import ValidationItem

__all__ = [
    "BUILTIN_ACTION_TYPES",
    "CONDITION_OPERATORS",
    "MAX_NODES",
    "TRIGGER_TYPES",
    "check_definition",
    "load_definition",
    "template_damage",
    "validate_definition",
]

# OAS `entity.WorkflowType` enum, plus the legacy `webhook` trigger (§6.1: accepted, never emitted).
TRIGGER_TYPES: frozenset[str] = frozenset(
    {
        "token-price-cexes", "evm-log", "cronjob", "schedule", "manual", "approval",
        "telegram-channel", "polymarket-user-bet", "polymarket-market-trade",
        "polymarket-new-market", "polymarket-market-close", "slack-mentions", "erc20-receive",
        "erc20-send", "anyspend", "shopify-order-created", "shopify-order-paid",
        "shopify-inventory-level-updated", "ramp-new-transaction", "ramp-transaction-status-updated",
        "ramp-transfer-payment-updated", "slack-new-reaction-added", "slack-new-message-in-channels",
        "slack-new-channel-created", "slack-new-direct-message", "slack-new-keyword-mention",
        "slack-new-user-added", "slack-new-user-mention", "slack-new-interaction-event",
        "telegram-new-interaction-event", "email-new-email-received",
        "email-new-email-matching-criteria", "gmail-new-email-received",
        "gmail-new-email-matching-search", "stripe-payment-receive", "eth-receive", "eth-send",
        "farcaster-new-cast", "farcaster-new-follower", "farcaster-new-reaction", "x-new-tweet",
        "exchange-listing", "coinbase-payment-received", "coinbase-checkout-received",
        "solana-transaction", "hyperliquid-price-alert", "hyperliquid-trade", "hyperliquid-user-fill",
        "hyperliquid-liquidation", "hyperliquid-position-change", "hyperliquid-transfer",
        "unusual-whales-options-flow-alerts", "unusual-whales-market-news", "kalshi-market-trade",
        "kalshi-new-market", "kalshi-market-close", "situation-fired", "webhook",
    }
)  # fmt: skip

# §6.1 built-in actions (catalog actions are any lowercase-hyphen id).
BUILTIN_ACTION_TYPES: frozenset[str] = frozenset(
    {
        "log", "delay", "if", "for-each", "wait", "filter", "pluck", "format", "regex",
        "code-transform", "send-webhook", "storage", "org-storage-get", "org-storage-set",
        "org-storage-list", "trigger-workflow", "db-query", "convert-to-wei", "convert-from-wei",
        "list-min", "list-max", "call-x402-endpoint",
    }
)  # fmt: skip

CONDITION_OPERATORS: frozenset[str] = frozenset(
    {
        "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$contains", "$notContains",
        "$startsWith", "$endsWith", "$exists", "$notExists", "$in", "$notIn",
    }
)  # fmt: skip

MAX_NODES = 10_000

_NODE_ID_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,127}$")
_ACTION_TYPE_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_BRANCHES: dict[str, tuple[str, ...]] = {"if": ("then", "else"), "wait": ("resumed", "timed_out")}
# A "simple path" expression part: `$nodes.x.result.a`, `x.result.0.b`, `$trigger`, ...
_PATH_RE = re.compile(r"^(\$?[A-Za-z_][A-Za-z0-9_-]*)((?:\.[A-Za-z0-9_$-]+)*)$")
_LITERALS = frozenset({"true", "false", "null", "nil", "undefined", "None"})
# Context roots of §7 that never name a node. `$for` and `$nodes` are checked separately.
_CONTEXT_VARS = frozenset(
    {
        "$trigger", "$props", "$inputs", "$workflow", "$workflowId", "$item", "$index",
        "$parent_item", "$vars", "$storage", "$org",
    }
)  # fmt: skip
_PLAIN_ROOTS = frozenset({"root", "ask"})


def _item(
    type_: str,
    code: str,
    message: str,
    node_id: str | None = None,
    field: str | None = None,
    node_name: str | None = None,
) -> ValidationItem:
    return ValidationItem(
        type=type_, code=code, message=message, node_id=node_id, node_name=node_name, field=field
    )


def _where(node_id: str | None) -> str:
    return f"node '{node_id}'" if node_id is not None else "definition"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_whole_expression(value: object) -> bool:
    return isinstance(value, str) and value.strip().startswith("{{") and value.strip().endswith("}}")


class _Validator:
    """One validation pass; collects items in phase order (structure, graph, payloads, expressions)."""

    def __init__(self, definition: Mapping[str, Any], nodes: Mapping[str, Any]) -> None:
        self.definition = definition
        self.nodes = nodes
        self.items: list[ValidationItem] = []
        self.good: dict[str, Mapping[str, Any]] = {}  # node id -> node dict (structurally usable)
        self.edges: dict[str, list[tuple[str, str]]] = {}  # parent -> [(child, field)]
        self.parents: dict[str, list[str]] = {}
        self.loop_edges: set[tuple[str, str]] = set()
        self.roots: list[str] = []

    # -- helpers ---------------------------------------------------------------------------
    def add(self, type_: str, code: str, node_id: str | None, field: str | None, text: str) -> None:
        name = None
        if node_id is not None:
            node = self.nodes.get(node_id)
            if isinstance(node, Mapping) and isinstance(node.get("titleOverride"), str):
                name = node["titleOverride"]
        self.items.append(_item(type_, code, f"{_where(node_id)}: {text}", node_id, field, name))

    def type_of(self, node_id: str) -> str | None:
        node = self.good.get(node_id)
        t = node.get("type") if node is not None else None
        return t if isinstance(t, str) else None

    # -- phase 1: node structure -------------------------------------------------------------
    def check_nodes(self) -> None:
        if len(self.nodes) > MAX_NODES:
            self.add("nodes", "too_many_nodes", None, "nodes",
                     f"{len(self.nodes)} nodes exceed the limit of {MAX_NODES}: split the workflow "
                     "(for example with trigger-workflow)")  # fmt: skip
        for node_id, node in self.nodes.items():
            if not isinstance(node_id, str) or not _NODE_ID_RE.match(node_id):
                self.add("pattern", "invalid_node_id", str(node_id), None,
                         "node ids must match ^[A-Za-z0-9_][A-Za-z0-9_-]*$ (at most 128 characters, "
                         "no dots or spaces): rename it, e.g. 'send_alert'")  # fmt: skip
            if not isinstance(node, Mapping):
                self.add(
                    "nodes",
                    "invalid_node",
                    node_id,
                    None,
                    f"a node must be an object with 'type' and 'payload', got {type(node).__name__}",
                )
                continue
            self.good[node_id] = node
            self.check_type(node_id, node)
            payload = node.get("payload")
            if "payload" not in node:
                self.add(
                    "nodes",
                    "missing_payload",
                    node_id,
                    "payload",
                    'payload is required: add "payload": {} if the node takes no settings',
                )
            elif not isinstance(payload, Mapping):
                self.add(
                    "nodes",
                    "invalid_payload",
                    node_id,
                    "payload",
                    f"payload must be an object, got {type(payload).__name__}: use {{}} for none",
                )

    def check_type(self, node_id: str, node: Mapping[str, Any]) -> None:
        t = node.get("type")
        if t is None:
            self.add(
                "nodes",
                "missing_type",
                node_id,
                "type",
                'type is required: set it to a trigger (e.g. "manual") or an action (e.g. "log")',
            )
        elif not isinstance(t, str):
            self.add(
                "nodes", "invalid_type", node_id, "type", f"type must be a string, got {type(t).__name__}"
            )
        elif not _ACTION_TYPE_RE.match(t):
            self.add("pattern", "invalid_type_name", node_id, "type",
                     f"type '{t}' must be lowercase letters, digits and hyphens (^[a-z0-9][a-z0-9-]*$), "
                     "e.g. 'coingecko-get-token-price'")  # fmt: skip

    # -- phase 2: edges ----------------------------------------------------------------------
    def check_edges(self) -> None:
        for node_id, node in self.good.items():
            out: list[tuple[str, str]] = []
            for key in ("children", "loopBody"):
                if key not in node or node[key] is None:
                    continue
                refs = node[key]
                if not isinstance(refs, list):
                    self.add(
                        "connectivity",
                        f"invalid_{_snake(key)}",
                        node_id,
                        key,
                        f"{key} must be a list of node ids, got {type(refs).__name__}",
                    )
                    continue
                seen: set[str] = set()
                for i, ref in enumerate(refs):
                    field = f"{key}[{i}]"
                    if not isinstance(ref, str):
                        self.add(
                            "connectivity",
                            "invalid_reference",
                            node_id,
                            field,
                            f"{field} must be a node id string, got {type(ref).__name__}",
                        )
                    elif ref == node_id:
                        self.add(
                            "connectivity",
                            "self_reference",
                            node_id,
                            field,
                            f"{field} references the node itself: remove '{ref}' from {key}",
                        )
                    elif ref in seen:
                        self.add(
                            "connectivity",
                            f"duplicate_{_snake(key)}",
                            node_id,
                            field,
                            f"{field} lists '{ref}' twice: keep one entry",
                        )
                    elif ref not in self.nodes:
                        code = "dangling_child" if key == "children" else "dangling_loop_body"
                        self.add("connectivity", code, node_id, field,
                                 f"{field} references unknown node '{ref}': add a node '{ref}' "
                                 f"or remove it from {key}")  # fmt: skip
                    else:
                        seen.add(ref)
                        if ref in self.good:
                            out.append((ref, field))
                            self.parents.setdefault(ref, []).append(node_id)
                            if key == "loopBody":
                                self.loop_edges.add((node_id, ref))
            self.edges[node_id] = out

    # -- phase 3: roots and trigger types ----------------------------------------------------
    def check_roots(self) -> None:
        tids = self.definition.get("triggerNodeIds")
        roots: list[str] = []
        if tids is not None:
            if not isinstance(tids, list) or not tids:
                self.add("root", "invalid_trigger_node_ids", None, "triggerNodeIds",
                         "triggerNodeIds must be a non-empty list of trigger node ids, e.g. [\"root\"]; "
                         "or remove it to use the node 'root'")  # fmt: skip
            else:
                for i, tid in enumerate(tids):
                    field = f"triggerNodeIds[{i}]"
                    if not isinstance(tid, str) or tid not in self.nodes:
                        self.add("root", "unknown_trigger_node", None, field,
                                 f"{field} references unknown node {tid!r}: add that trigger node or "
                                 "remove the id")  # fmt: skip
                    elif tid not in roots:
                        roots.append(tid)
        elif "root" in self.nodes:
            roots = ["root"]
        else:
            self.add("root", "missing_root", None, "nodes.root",
                     "no trigger: add a trigger node with id 'root' (e.g. {\"type\": \"manual\", "
                     "\"payload\": {}}) or list trigger ids in triggerNodeIds")  # fmt: skip
        self.roots = [r for r in roots if r in self.good]
        root_set = set(self.roots)
        for r in self.roots:
            t = self.type_of(r)
            if t is not None and _ACTION_TYPE_RE.match(t) and t not in TRIGGER_TYPES:
                self.add("root", "root_not_trigger", r, "type",
                         f"trigger node has action type '{t}': use a trigger type such as 'manual' "
                         "or 'cronjob', and move this action under it as a child")  # fmt: skip
            if self.parents.get(r):
                self.add("root", "trigger_has_parent", r, None,
                         f"trigger node is a child of '{self.parents[r][0]}': triggers start a "
                         "workflow, remove it from that node's children")  # fmt: skip
        for node_id in self.good:
            t = self.type_of(node_id)
            if node_id not in root_set and t in TRIGGER_TYPES:
                hint = ("list it in triggerNodeIds" if tids is not None or not self.parents.get(node_id)
                        else "replace it with an action type")  # fmt: skip
                self.add(
                    "root",
                    "trigger_not_root",
                    node_id,
                    "type",
                    f"trigger type '{t}' used on a node that is not a trigger root: {hint}",
                )

    # -- phase 4: cycles and reachability ------------------------------------------------------
    def check_cycles(self) -> list[str] | None:
        """Kahn's algorithm; returns a topological order, or None (after reporting) on cycles."""
        indeg = {n: len(self.parents.get(n, ())) for n in self.good}
        queue = deque(n for n in self.good if indeg[n] == 0)
        order: list[str] = []
        while queue:
            n = queue.popleft()
            order.append(n)
            for child, _ in self.edges.get(n, ()):
                indeg[child] -= 1
                if indeg[child] == 0:
                    queue.append(child)
        if len(order) == len(self.good):
            return order
        self.report_cycles({n for n in self.good if indeg[n] > 0})
        return None

    def report_cycles(self, remaining: set[str]) -> None:
        """Name one node and edge per cycle (iterative DFS restricted to the cyclic remainder)."""
        color: dict[str, int] = {}
        for start in self.good:
            if start not in remaining or start in color:
                continue
            color[start] = 1
            stack: list[tuple[str, Iterator[tuple[str, str]]]] = [(start, iter(self.edges[start]))]
            path = [start]
            while stack:
                node, it = stack[-1]
                advanced = False
                for child, field in it:
                    if child not in remaining:
                        continue
                    c = color.get(child, 0)
                    if c == 1:
                        cyc = path[path.index(child) :] + [child]
                        if len(cyc) > 6:  # keep the message one readable line
                            cyc = [*cyc[:3], "…", *cyc[-2:]]
                        self.add("connectivity", "cycle", node, field,
                                 f"{field} -> '{child}' closes a cycle ({' -> '.join(cyc)}): the graph "
                                 f"must be acyclic, remove '{child}' from {field.split('[')[0]}")  # fmt: skip
                    elif c == 0:
                        color[child] = 1
                        stack.append((child, iter(self.edges[child])))
                        path.append(child)
                        advanced = True
                        break
                if not advanced:
                    color[node] = 2
                    stack.pop()
                    path.pop()

    def check_reachability(self) -> None:
        if not self.roots:
            return  # every node would be an orphan; the missing trigger is already reported
        seen = set(self.roots)
        queue = deque(self.roots)
        while queue:
            for child, _ in self.edges.get(queue.popleft(), ()):
                if child not in seen:
                    seen.add(child)
                    queue.append(child)
        for node_id in self.good:
            if node_id not in seen:
                self.add("connectivity", "unreachable_node", node_id, None,
                         "not reachable from any trigger: add it to the children (or loopBody) of a "
                         "node under the trigger, or delete it")  # fmt: skip

    # -- phase 5: branches -----------------------------------------------------------------
    def check_branches(self) -> None:
        for node_id, node in self.good.items():
            branch = node.get("branch")
            parents = self.parents.get(node_id, [])
            child_parents = [p for p in parents if (p, node_id) not in self.loop_edges]
            branching = [p for p in child_parents if self.type_of(p) in _BRANCHES]
            if branch is not None and not branching:
                self.add("connectivity", "unexpected_branch", node_id, "branch",
                         "branch is only meaningful on children of an 'if' or 'wait' node: "
                         "remove it")  # fmt: skip
                continue
            for p in branching:
                allowed = _BRANCHES[self.type_of(p) or ""]
                want = " or ".join(f"'{b}'" for b in allowed)
                if branch is None:
                    self.add("connectivity", "missing_branch", node_id, "branch",
                             f"child of {self.type_of(p)} node '{p}' needs a branch: "
                             f"set \"branch\" to {want}")  # fmt: skip
                elif branch not in allowed:
                    self.add("connectivity", "invalid_branch", node_id, "branch",
                             f"branch {branch!r} is not valid under {self.type_of(p)} node '{p}': "
                             f"use {want}")  # fmt: skip

    # -- phase 6: payloads of built-ins -------------------------------------------------------
    def check_payloads(self) -> None:
        for node_id, node in self.good.items():
            t = self.type_of(node_id)
            payload = node.get("payload")
            if "loopBody" in node and node.get("loopBody") is not None and t != "for-each":
                self.add(
                    "nodes",
                    "unexpected_loop_body",
                    node_id,
                    "loopBody",
                    "loopBody is only valid on for-each nodes: move these ids to children",
                )
            if not isinstance(payload, Mapping) or t is None:
                continue
            check = _PAYLOAD_CHECKS.get(t)
            if check is not None:
                check(self, node_id, node, payload)

    # -- phase 7: expressions ------------------------------------------------------------------
    def check_expressions(self, order: list[str] | None) -> None:
        index = {n: i for i, n in enumerate(self.good)}
        anc: dict[str, int] = {}
        loops: dict[str, int] = {}
        if order is not None:
            for n in order:
                a = 0
                lp = 0
                for p in self.parents.get(n, ()):
                    a |= anc[p] | (1 << index[p])
                    lp |= loops[p]
                    if (p, n) in self.loop_edges:
                        lp |= 1 << index[p]
                anc[n] = a
                loops[n] = lp
        for node_id, node in self.good.items():
            payload = node.get("payload")
            if not isinstance(payload, Mapping):
                continue
            for field, text in _strings(payload, "payload"):
                self.check_text(node_id, field, text, index, anc.get(node_id), loops.get(node_id, 0))

    def check_text(
        self, node_id: str, field: str, text: str, index: dict[str, int], anc: int | None, loops: int
    ) -> None:
        pos = 0
        while True:
            start = text.find("{{", pos)
            if start < 0:
                return
            end = text.find("}}", start + 2)
            nested = text.find("{{", start + 2)
            if end < 0 or (0 <= nested < end):
                self.add("pattern", "unbalanced_expression", node_id, field,
                         f"{field} has '{{{{' without a matching '}}}}' at character {start}: "
                         "close the expression, e.g. {{$trigger.body.x}}")  # fmt: skip
                return
            for part in text[start + 2 : end].split("||"):
                self.check_reference(node_id, field, part.strip(), index, anc, loops)
            pos = end + 2

    def check_reference(
        self, node_id: str, field: str, expr: str, index: dict[str, int], anc: int | None, loops: int
    ) -> None:
        m = _PATH_RE.match(expr)
        if m is None or m.group(1) in _LITERALS:
            return  # not a plain path (literal, arithmetic, quoted string): left to the engine
        head = m.group(1)
        rest = [s for s in m.group(2).split(".") if s]
        if head in _CONTEXT_VARS or head in _PLAIN_ROOTS:
            return
        if head == "$for":
            target = rest[0] if rest else ""
            ok = target in index and self.type_of(target) == "for-each" and bool(loops >> index[target] & 1)
            if not ok:
                self.add("variable", "invalid_loop_reference", node_id, field,
                         f"{{{{{expr}}}}} in {field}: '$for.{target}' must name a for-each node whose "
                         "loopBody encloses this node; use {{$item}} for the innermost loop")  # fmt: skip
            return
        if head == "$nodes":
            target = rest[0] if rest else ""
        elif head.startswith("$"):
            self.add("variable", "unknown_variable", node_id, field,
                     f"{{{{{expr}}}}} in {field}: unknown variable '{head}': use $trigger, $nodes.<id>, "
                     "$props, $inputs, $workflow, $item, $index, $for, $vars, $storage or $org")  # fmt: skip
            return
        elif not rest:
            return  # a bare word is not a node path; the engine decides what it means
        else:
            target = head
        if target not in self.nodes:
            self.add("variable", "unknown_node_reference", node_id, field,
                     f"{{{{{expr}}}}} in {field} references unknown node '{target}': use the id of an "
                     "earlier node (an ancestor) or $trigger")  # fmt: skip
            return
        if anc is None or target not in index:
            return  # ancestry is unknown on a cyclic graph; the cycle is reported already
        if target == node_id or not (anc >> index[target] & 1):
            self.add("variable", "non_ancestor_reference", node_id, field,
                     f"{{{{{expr}}}}} in {field} references '{target}', which does not run before this "
                     "node: only ancestors are in scope; move this node under it or reference an "
                     "ancestor")  # fmt: skip


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower()


def _strings(value: object, path: str) -> Iterator[tuple[str, str]]:
    """Every string (and object key) inside value with its dotted path; iterative."""
    stack: list[tuple[object, str]] = [(value, path)]
    out: list[tuple[str, str]] = []
    while stack:
        v, p = stack.pop()
        if isinstance(v, str):
            out.append((p, v))
        elif isinstance(v, Mapping):
            for k, sub in v.items():
                kp = f"{p}.{k}"
                if isinstance(k, str) and "{{" in k:
                    out.append((kp, k))
                stack.append((sub, kp))
        elif isinstance(v, list):
            for i, sub in enumerate(v):
                stack.append((sub, f"{p}[{i}]"))
    # the stack visits in reverse; restore document order for deterministic reports
    out.sort(key=lambda item: _path_key(item[0]))
    yield from out


def _path_key(path: str) -> list[tuple[int, int | str]]:
    key: list[tuple[int, int | str]] = []
    for part in re.split(r"\.|(?=\[)", path):
        if part.startswith("[") and part.endswith("]") and part[1:-1].isdigit():
            key.append((0, int(part[1:-1])))
        else:
            key.append((1, part))
    return key


# -- payload rules of built-in types ---------------------------------------------------------
def _require_string(v: _Validator, node_id: str, payload: Mapping[str, Any], key: str, example: str) -> None:
    field = f"payload.{key}"
    if key not in payload or payload[key] is None:
        v.add(
            "nodes",
            "missing_field",
            node_id,
            field,
            f"{field} is required: add a non-empty string such as {json.dumps(example)}",
        )
    elif not isinstance(payload[key], str):
        v.add(
            "nodes",
            "invalid_field_type",
            node_id,
            field,
            f"{field} must be a string, got {type(payload[key]).__name__}: e.g. {json.dumps(example)}",
        )
    elif not payload[key].strip():
        v.add(
            "nodes",
            "empty_field",
            node_id,
            field,
            f"{field} is empty: add a non-empty string such as {json.dumps(example)}",
        )


def _check_int(
    v: _Validator, node_id: str, payload: Mapping[str, Any], key: str, *, required: bool, minimum: int
) -> None:
    field = f"payload.{key}"
    value = payload.get(key)
    if value is None:
        if required:
            v.add(
                "nodes",
                "missing_field",
                node_id,
                field,
                f"{field} is required: add an integer number of milliseconds, e.g. 5000",
            )
        return
    if _is_whole_expression(value):
        return
    if not _is_int(value) or value < minimum:
        need = "a non-negative" if minimum == 0 else "a positive"
        v.add(
            "nodes",
            "invalid_field_value",
            node_id,
            field,
            f"{field} must be {need} integer (milliseconds), got {json.dumps(value)}: e.g. 5000",
        )


def _check_manual(v: _Validator, node_id: str, node: Mapping[str, Any], payload: Mapping[str, Any]) -> None:
    schema = payload.get("inputSchema")
    if schema is None or isinstance(schema, Mapping):
        return
    if isinstance(schema, list):
        for i, entry in enumerate(schema):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("key"), str):
                v.add("nodes", "invalid_input_schema", node_id, f"payload.inputSchema[{i}]",
                      f"payload.inputSchema[{i}] must be an object with a string 'key' and a 'type', "
                      "e.g. {\"key\": \"message\", \"type\": \"string\"}")  # fmt: skip
        return
    v.add("nodes", "invalid_input_schema", node_id, "payload.inputSchema",
          "payload.inputSchema must be a JSON-Schema object ({\"type\": \"object\", \"properties\": …}) "
          "or a list of {key, type} fields")  # fmt: skip


def _check_cronjob(v: _Validator, node_id: str, node: Mapping[str, Any], payload: Mapping[str, Any]) -> None:
    example = "DTSTART:20260101T090000Z\nRRULE:FREQ=DAILY;INTERVAL=1"
    _require_string(v, node_id, payload, "rrule", example)
    rrule = payload.get("rrule")
    if isinstance(rrule, str) and rrule.strip():
        lines = [line.strip() for line in rrule.strip().splitlines()]
        if not any(line.startswith("DTSTART") for line in lines) or not any(
            line.startswith("RRULE:FREQ=") for line in lines
        ):
            v.add("nodes", "invalid_rrule", node_id, "payload.rrule",
                  "payload.rrule needs a DTSTART line and an RRULE line (a bare RRULE breaks "
                  f"scheduling), e.g. {json.dumps(example)}")  # fmt: skip


def _check_log(v: _Validator, node_id: str, node: Mapping[str, Any], payload: Mapping[str, Any]) -> None:
    _require_string(v, node_id, payload, "message", "Hello {{$trigger.body.name}}")


def _check_delay(v: _Validator, node_id: str, node: Mapping[str, Any], payload: Mapping[str, Any]) -> None:
    _check_int(v, node_id, payload, "delayMs", required=True, minimum=0)


def _check_wait(v: _Validator, node_id: str, node: Mapping[str, Any], payload: Mapping[str, Any]) -> None:
    _check_int(v, node_id, payload, "timeoutMs", required=False, minimum=1)


def _check_for_each(v: _Validator, node_id: str, node: Mapping[str, Any], payload: Mapping[str, Any]) -> None:
    if payload.get("array") in (None, ""):
        v.add(
            "nodes",
            "missing_field",
            node_id,
            "payload.array",
            'payload.array is required: the list to iterate, e.g. "{{$trigger.body.items}}"',
        )
    body = node.get("loopBody")
    if not isinstance(body, list) or not body:
        v.add(
            "nodes",
            "missing_loop_body",
            node_id,
            "loopBody",
            "for-each needs a non-empty loopBody: list the ids of the nodes to run per item",
        )


def _check_if(v: _Validator, node_id: str, node: Mapping[str, Any], payload: Mapping[str, Any]) -> None:
    example = '{"$and": [{"{{$trigger.body.price}}": {"$lte": 2000}}]}'
    cond = payload.get("condition")
    if cond is None:
        v.add(
            "nodes",
            "missing_field",
            node_id,
            "payload.condition",
            f"payload.condition is required: e.g. {example}",
        )
        return
    if not isinstance(cond, Mapping) or len(cond) != 1 or next(iter(cond)) not in ("$and", "$or"):
        v.add(
            "nodes",
            "invalid_condition",
            node_id,
            "payload.condition",
            f"payload.condition must be an object with a single key $and or $or: e.g. {example}",
        )
        return
    top = next(iter(cond))
    clauses = cond[top]
    base = f"payload.condition.{top}"
    if not isinstance(clauses, list) or not clauses:
        v.add(
            "nodes",
            "invalid_condition",
            node_id,
            base,
            f"{base} must be a non-empty list of {{expression: {{$op: value}}}} items: e.g. {example}",
        )
        return
    for i, clause in enumerate(clauses):
        field = f"{base}[{i}]"
        if isinstance(clause, Mapping) and len(clause) == 1 and next(iter(clause)) in ("$and", "$or"):
            continue  # nested group; its own shape is the engine's business
        if not isinstance(clause, Mapping) or len(clause) != 1:
            v.add("nodes", "invalid_condition", node_id, field,
                  f"{field} must be one {{expression: {{$op: value}}}} pair, e.g. "
                  '{"{{$trigger.body.price}}": {"$lte": 2000}}')  # fmt: skip
            continue
        test = next(iter(clause.values()))
        if not isinstance(test, Mapping) or not test:
            v.add(
                "nodes",
                "invalid_condition",
                node_id,
                field,
                f'{field} must map the expression to an operator object such as {{"$eq": 1}}',
            )
            continue
        for op in test:
            if op not in CONDITION_OPERATORS:
                v.add("nodes", "unknown_operator", node_id, field,
                      f"{field} uses unknown operator {op!r}: use one of "
                      f"{', '.join(sorted(CONDITION_OPERATORS))}")  # fmt: skip


_PAYLOAD_CHECKS = {
    "manual": _check_manual,
    "cronjob": _check_cronjob,
    "log": _check_log,
    "delay": _check_delay,
    "wait": _check_wait,
    "for-each": _check_for_each,
    "if": _check_if,
}


# -- public API --------------------------------------------------------------------------------
def validate_definition(definition: object) -> list[ValidationItem]:
    """Return every structural problem of a workflow definition ([] when valid); never raises."""
    if not isinstance(definition, Mapping):
        return [
            _item("nodes", "invalid_definition",
                  f"definition: must be an object with a 'nodes' map, got {type(definition).__name__}")
        ]  # fmt: skip
    nodes = definition.get("nodes")
    if nodes is None:
        return [
            _item("nodes", "missing_nodes",
                  "definition: 'nodes' is required: add {\"nodes\": {\"root\": {\"type\": \"manual\", "
                  "\"payload\": {}, \"children\": []}}}", field="nodes")
        ]  # fmt: skip
    if not isinstance(nodes, Mapping):
        return [
            _item("nodes", "invalid_nodes",
                  f"definition: 'nodes' must be an object mapping node ids to nodes, got "
                  f"{type(nodes).__name__}", field="nodes")
        ]  # fmt: skip
    if not nodes:
        return [
            _item("nodes", "empty_nodes",
                  "definition: 'nodes' is empty: add at least a trigger node 'root'", field="nodes")
        ]  # fmt: skip
    v = _Validator(definition, nodes)
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


def load_definition(value: Mapping[str, Any] | str | os.PathLike[str]) -> dict[str, Any]:
    """A definition from a dict, JSON/YAML text, or a .json/.yaml/.yml path; unwraps {"definition": …}."""
    source = "<text>"
    if isinstance(value, Mapping):
        data: object = dict(value)
    elif isinstance(value, os.PathLike) or (isinstance(value, str) and _looks_like_path(value)):
        path = Path(value)
        if not path.is_file():
            raise ConfigError(f"definition file {str(path)!r} not found")
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read definition file {source!r}: {exc}") from None
        data = _parse(text, source, yaml_first=path.suffix.lower() in (".yaml", ".yml"))
    elif isinstance(value, str):
        data = _parse(value, source, yaml_first=False)
    else:
        raise ConfigError(
            f"definition must be a dict, JSON/YAML text or a file path, got {type(value).__name__}"
        )
    if isinstance(data, Mapping) and "nodes" not in data and isinstance(data.get("definition"), Mapping):
        data = data["definition"]
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: a definition must be an object with 'nodes', got {type(data).__name__}")
    return dict(data)


def _looks_like_path(text: str) -> bool:
    return "\n" not in text and (
        text.lower().endswith((".json", ".yaml", ".yml")) or (len(text) < 4096 and os.path.isfile(text))
    )


def _parse(text: str, source: str, *, yaml_first: bool) -> object:
    if not yaml_first and text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"{source}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            ) from None
    import yaml  # lazy: PyYAML costs import time on every Ansible task

    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ConfigError(f"{source}: invalid YAML{where}: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: invalid YAML: {exc}") from None


# -- template damage (warnings) ----------------------------------------------------------------
_REQUIRED_STRINGS = {"log": ("message",), "cronjob": ("rrule",), "for-each": ("array",)}
_PY_REPR_RE = re.compile(r"(?:\{'[^']*'\s*:|\[\{'|^None$|:\s*None\b)")


def template_damage(definition: object) -> list[ValidationItem]:
    """Warnings for a definition whose {{…}} were already rendered by Jinja2 (e.g. by Ansible).

    Conservative heuristics, each on payload strings only:
    - a required string of a built-in (log.message, cronjob.rrule, for-each.array) is empty;
    - a string ends in ": " (a label whose value rendered to nothing: "Incoming message: ");
    - a string holds a Python repr left by rendering ("None" alone, ": None", "{'a': …", "[{'");
    - an `if` condition clause key has no "{{" (the expression itself was rendered away).
    """
    if not isinstance(definition, Mapping) or not isinstance(definition.get("nodes"), Mapping):
        return []
    items: list[ValidationItem] = []
    hint = ("if Ansible rendered it, wrap the definition in {% raw %}…{% endraw %} or load it with "
            "lookup('file') without templating")  # fmt: skip

    def warn(code: str, node_id: str, field: str, text: str) -> None:
        items.append(_item("pattern", code, f"node '{node_id}': {text}: {hint}", node_id, field))

    for node_id, node in definition["nodes"].items():
        if not isinstance(node, Mapping) or not isinstance(node.get("payload"), Mapping):
            continue
        payload = node["payload"]
        for key in _REQUIRED_STRINGS.get(str(node.get("type")), ()):
            if isinstance(payload.get(key), str) and not payload[key].strip():
                warn(
                    "template_rendered_empty",
                    node_id,
                    f"payload.{key}",
                    f"payload.{key} is empty, as if an expression was rendered to nothing",
                )
        for field, text in _strings(payload, "payload"):
            if "{{" in text:
                continue
            if text.endswith(": "):
                warn("template_rendered_trailing_label", node_id, field,
                     f"{field} ends with ': ', as if the expression after it was rendered "
                     "to nothing")  # fmt: skip
            elif _PY_REPR_RE.search(text):
                warn("template_rendered_python_repr", node_id, field,
                     f"{field} contains a Python value repr ({text[:40]!r}), as if an expression was "
                     "rendered by Jinja2")  # fmt: skip
        cond = payload.get("condition") if node.get("type") == "if" else None
        if isinstance(cond, Mapping) and len(cond) == 1:
            top = next(iter(cond))
            clauses = cond[top]
            for i, clause in enumerate(clauses if isinstance(clauses, list) else ()):
                if isinstance(clause, Mapping) and len(clause) == 1:
                    k = next(iter(clause))
                    if isinstance(k, str) and k not in ("$and", "$or") and "{{" not in k:
                        warn("template_rendered_condition", node_id, f"payload.condition.{top}[{i}]",
                             f"condition operand {k!r} is not an expression, as if {{{{…}}}} was "
                             "rendered")  # fmt: skip
    return items
