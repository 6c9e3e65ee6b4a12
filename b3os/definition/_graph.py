"""The validation pass over a definition: node structure, edges, roots, cycles, reachability,
branches, and {{…}} references (ancestor sets as int bitsets, so no walk is quadratic)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from typing import Any

from b3os import catalog as _catalog
from b3os.definition._common import (
    _ACTION_TYPE_RE,
    _CONTEXT_VARS,
    _LITERALS,
    _NODE_ID_RE,
    _PATH_RE,
    _PLAIN_ROOTS,
    BUILTIN_ACTION_TYPES,
    MAX_NODES,
    _item,
    _snake,
    _strings,
    _where,
    is_trigger_type,
)
from b3os.definition._payloads import PAYLOAD_CHECKS, check_schema
from b3os.models import ValidationItem


class _Validator:
    """One validation pass; collects items in phase order (structure, graph, payloads, expressions)."""

    def __init__(
        self,
        definition: Mapping[str, Any],
        nodes: Mapping[str, Any],
        server_catalog: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.definition = definition
        self.server_catalog = server_catalog
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
            self.add(
                "nodes",
                "too_many_nodes",
                None,
                "nodes",
                f"{len(self.nodes)} nodes exceed the limit of {MAX_NODES}: split the workflow "
                "(for example with trigger-workflow)",
            )
        for node_id, node in self.nodes.items():
            if not isinstance(node_id, str) or not _NODE_ID_RE.match(node_id):
                self.add(
                    "pattern",
                    "invalid_node_id",
                    str(node_id),
                    None,
                    "node ids must match ^[A-Za-z0-9_][A-Za-z0-9_-]*$ (at most 128 characters, "
                    "no dots or spaces): rename it, e.g. 'send_alert'",
                )
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
            self.add(
                "pattern",
                "invalid_type_name",
                node_id,
                "type",
                f"type '{t}' must be lowercase letters, digits and hyphens (^[a-z0-9][a-z0-9-]*$), "
                "e.g. 'coingecko-get-token-price'",
            )

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
                        self.add(
                            "connectivity",
                            code,
                            node_id,
                            field,
                            f"{field} references unknown node '{ref}': add a node '{ref}' "
                            f"or remove it from {key}",
                        )
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
                self.add(
                    "root",
                    "invalid_trigger_node_ids",
                    None,
                    "triggerNodeIds",
                    'triggerNodeIds must be a non-empty list of trigger node ids, e.g. ["root"]; '
                    "or remove it to use the node 'root'",
                )
            else:
                for i, tid in enumerate(tids):
                    field = f"triggerNodeIds[{i}]"
                    if not isinstance(tid, str) or tid not in self.nodes:
                        self.add(
                            "root",
                            "unknown_trigger_node",
                            None,
                            field,
                            f"{field} references unknown node {tid!r}: add that trigger node or "
                            "remove the id",
                        )
                    elif tid not in roots:
                        roots.append(tid)
        elif "root" in self.nodes:
            roots = ["root"]
        else:
            self.add(
                "root",
                "missing_root",
                None,
                "nodes.root",
                'no trigger: add a trigger node with id \'root\' (e.g. {"type": "manual", '
                '"payload": {}}) or list trigger ids in triggerNodeIds',
            )
        self.roots = [r for r in roots if r in self.good]
        root_set = set(self.roots)
        for r in self.roots:
            t = self.type_of(r)
            if t is not None and _ACTION_TYPE_RE.match(t) and not is_trigger_type(t):
                self.add(
                    "root",
                    "root_not_trigger",
                    r,
                    "type",
                    f"trigger node has action type '{t}': use a trigger type such as 'manual' "
                    "or 'cronjob', and move this action under it as a child",
                )
            if self.parents.get(r):
                self.add(
                    "root",
                    "trigger_has_parent",
                    r,
                    None,
                    f"trigger node is a child of '{self.parents[r][0]}': triggers start a "
                    "workflow, remove it from that node's children",
                )
        for node_id in self.good:
            t = self.type_of(node_id)
            if node_id not in root_set and t is not None and is_trigger_type(t):
                hint = (
                    "list it in triggerNodeIds"
                    if tids is not None or not self.parents.get(node_id)
                    else "replace it with an action type"
                )
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
                        self.add(
                            "connectivity",
                            "cycle",
                            node,
                            field,
                            f"{field} -> '{child}' closes a cycle ({' -> '.join(cyc)}): the graph "
                            f"must be acyclic, remove '{child}' from {field.split('[')[0]}",
                        )
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
                self.add(
                    "connectivity",
                    "unreachable_node",
                    node_id,
                    None,
                    "not reachable from any trigger: add it to the children (or loopBody) of a "
                    "node under the trigger, or delete it",
                )

    # -- phase 5: branches -----------------------------------------------------------------
    def check_branches(self) -> None:
        for node_id, node in self.good.items():
            branch = node.get("branch")
            parents = self.parents.get(node_id, [])
            child_parents = [p for p in parents if (p, node_id) not in self.loop_edges]
            branching = [p for p in child_parents if _catalog.branches_of(self.type_of(p))]
            if branch is not None and not branching:
                self.add(
                    "connectivity",
                    "unexpected_branch",
                    node_id,
                    "branch",
                    "branch is only meaningful on children of an 'if' or 'wait' node: remove it",
                )
                continue
            for p in branching:
                allowed = _catalog.branches_of(self.type_of(p))
                want = " or ".join(f"'{b}'" for b in allowed)
                if branch is None:
                    self.add(
                        "connectivity",
                        "missing_branch",
                        node_id,
                        "branch",
                        f"child of {self.type_of(p)} node '{p}' needs a branch: set \"branch\" to {want}",
                    )
                elif branch not in allowed:
                    self.add(
                        "connectivity",
                        "invalid_branch",
                        node_id,
                        "branch",
                        f"branch {branch!r} is not valid under {self.type_of(p)} node '{p}': use {want}",
                    )

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
            self.check_payload(node_id, t, node, payload)

    def check_payload(
        self, node_id: str, t: str, node: Mapping[str, Any], payload: Mapping[str, Any]
    ) -> None:
        """The local table's entry (schema + named checks); with a server catalog, its schema too."""
        local = _catalog.entry(t)
        if local is not None:
            check_schema(self, node_id, payload, local.get("payloadSchema") or {})
            for name in local.get("checks") or ():
                PAYLOAD_CHECKS[name](self, node_id, node, payload)
        if self.server_catalog is None:
            return
        remote = self.server_catalog.get(t)
        if remote is None:
            # §6.1 built-ins and OAS trigger types are known to exist even when a list omits them
            if (
                local is None
                and _ACTION_TYPE_RE.match(t)
                and t not in BUILTIN_ACTION_TYPES
                and not is_trigger_type(t)
            ):
                self.add(
                    "nodes",
                    "unknown_node_type",
                    node_id,
                    "type",
                    f"type '{t}' is not in the server's catalog: check the spelling "
                    "(`b3os actions` lists the known types)",
                )
            return
        schema = remote.get("payloadSchema")
        if local is None and isinstance(schema, Mapping):
            check_schema(self, node_id, payload, schema)

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
                self.add(
                    "pattern",
                    "unbalanced_expression",
                    node_id,
                    field,
                    f"{field} has '{{{{' without a matching '}}}}' at character {start}: "
                    "close the expression, e.g. {{$trigger.body.x}}",
                )
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
                self.add(
                    "variable",
                    "invalid_loop_reference",
                    node_id,
                    field,
                    f"{{{{{expr}}}}} in {field}: '$for.{target}' must name a for-each node whose "
                    "loopBody encloses this node; use {{$item}} for the innermost loop",
                )
            return
        if head == "$nodes":
            target = rest[0] if rest else ""
        elif head.startswith("$"):
            self.add(
                "variable",
                "unknown_variable",
                node_id,
                field,
                f"{{{{{expr}}}}} in {field}: unknown variable '{head}': use $trigger, $nodes.<id>, "
                "$props, $inputs, $workflow, $item, $index, $for, $vars, $storage or $org",
            )
            return
        elif not rest:
            return  # a bare word is not a node path; the engine decides what it means
        else:
            target = head
        if target not in self.nodes:
            self.add(
                "variable",
                "unknown_node_reference",
                node_id,
                field,
                f"{{{{{expr}}}}} in {field} references unknown node '{target}': use the id of an "
                "earlier node (an ancestor) or $trigger",
            )
            return
        if anc is None or target not in index:
            return  # ancestry is unknown on a cyclic graph; the cycle is reported already
        if target == node_id or not (anc >> index[target] & 1):
            self.add(
                "variable",
                "non_ancestor_reference",
                node_id,
                field,
                f"{{{{{expr}}}}} in {field} references '{target}', which does not run before this "
                "node: only ancestors are in scope; move this node under it or reference an "
                "ancestor",
            )
