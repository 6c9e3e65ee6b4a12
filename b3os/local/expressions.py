"""``{{ … }}`` template resolution over a run's scope (shared/b3os-api.md §7).

Both notations resolve: ``$trigger`` / ``root.result`` / ``root.payload``, ``$nodes.<id>.result``
/ ``<id>.result``, loop variables, ``$workflow.id`` / ``$workflowId``, ``$props``, ``$inputs``.
A value that is exactly one expression keeps its JSON type; an embedded one becomes text.
Nothing here evaluates code: a path is looked up, a fallback after ``||`` is a JSON literal.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["Scope", "resolve", "lookup"]

_EXPR = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_MISSING = object()


class Scope:
    """What a node may reference: trigger result, ancestor results, loop variables."""

    def __init__(
        self,
        *,
        trigger: dict[str, Any],
        trigger_payload: dict[str, Any],
        nodes: dict[str, dict[str, Any]],
        workflow_id: str,
        props: dict[str, Any] | None = None,
        loop: dict[str, Any] | None = None,
    ) -> None:
        self.trigger = trigger
        self.trigger_payload = trigger_payload
        self.nodes = nodes  # node id -> {"result": …, "error"?: …}
        self.workflow_id = workflow_id
        self.props = props or {}
        self.loop = loop or {}

    def with_loop(self, loop: dict[str, Any]) -> Scope:
        """Same trigger and node results (shared, not copied), extra loop variables."""
        return Scope(
            trigger=self.trigger,
            trigger_payload=self.trigger_payload,
            nodes=self.nodes,
            workflow_id=self.workflow_id,
            props=self.props,
            loop={**self.loop, **loop},
        )

    def head(self, name: str) -> Any:
        if name == "$trigger":
            return self.trigger
        if name == "root":
            return {"result": self.trigger, "payload": self.trigger_payload}
        if name == "$nodes":
            return self.nodes
        if name == "$workflow":
            return {"id": self.workflow_id}
        if name == "$workflowId":
            return self.workflow_id
        if name == "$props":
            return self.props
        if name == "$inputs":
            return self.trigger.get("body", {})
        if name in ("$item", "$index", "$parent_item", "$for"):
            return self.loop.get(name, _MISSING)
        if name in self.nodes:
            return self.nodes[name]
        return _MISSING


def _walk(value: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(value, dict):
            value = value.get(part, _MISSING)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, str) and part == "length":
            value = len(value)
        elif isinstance(value, list) and part == "length":
            value = len(value)
        else:
            return _MISSING
        if value is _MISSING:
            return _MISSING
    return value


def _literal(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        if len(text) >= 2 and text[0] == text[-1] == "'":
            return text[1:-1]
        return _MISSING


def lookup(expression: str, scope: Scope) -> Any:
    """One expression body (without braces); alternatives after ``||`` are fallbacks."""
    for alternative in expression.split("||"):
        text = alternative.strip()
        if not text:
            continue
        literal = _literal(text)
        if literal is not _MISSING:
            return literal
        parts = text.split(".")
        value = scope.head(parts[0])
        if value is not _MISSING:
            value = _walk(value, parts[1:])
        if value is not _MISSING and value is not None:
            return value
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def resolve(value: Any, scope: Scope) -> Any:
    """Resolve every template in strings, recursively through dicts and lists."""
    if isinstance(value, str):
        if "{{" not in value:
            return value
        whole = _EXPR.fullmatch(value.strip())
        if whole is not None and value.strip().count("{{") == 1:
            return lookup(whole.group(1), scope)
        return _EXPR.sub(lambda m: _text(lookup(m.group(1), scope)), value)
    if isinstance(value, dict):
        return {k: resolve(v, scope) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, scope) for v in value]
    return value
