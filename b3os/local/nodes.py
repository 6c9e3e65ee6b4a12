"""The pure built-in actions b3os-local really runs: log, format, filter, pluck (§6.1, §11.4).

Each takes the resolved payload and the run scope and returns the node result, or raises
NodeFailed with a message naming the payload field to fix. (delay, if, for-each and wait need
the run itself and live in the engine.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from b3os.local.conditions import ConditionError, evaluate
from b3os.local.expressions import Scope, lookup
from b3os.local.util import now_iso

__all__ = ["HANDLERS", "NodeFailed"]


class NodeFailed(Exception):
    """A node failed; the message becomes ``result.error`` and ends the run as failure."""


def _log(payload: dict[str, Any], scope: Scope) -> dict[str, Any]:
    message = payload.get("message")
    if message is None:
        raise NodeFailed("payload.message is required for a log node")
    return {"message": message if isinstance(message, str) else str(message), "loggedAt": now_iso()}


def _format(payload: dict[str, Any], scope: Scope) -> dict[str, Any]:
    # ASSUMPTION: format renders payload.template (or .format / .value) and returns it as result.
    for key in ("template", "format", "value", "input"):
        if key in payload:
            return {"result": payload[key]}
    raise NodeFailed("payload.template is required for a format node")


def _filter(payload: dict[str, Any], scope: Scope) -> dict[str, Any]:
    items = payload.get("array", payload.get("items"))
    if not isinstance(items, list):
        raise NodeFailed("payload.array must resolve to a list")
    condition = payload.get("condition")  # kept unresolved: it is evaluated per item
    kept = []
    for index, item in enumerate(items):
        try:
            if condition is None or evaluate(condition, scope.with_loop({"$item": item, "$index": index})):
                kept.append(item)
        except ConditionError as exc:
            raise NodeFailed(f"payload.condition: {exc}") from None
    return {"result": kept, "count": len(kept)}


def _pluck(payload: dict[str, Any], scope: Scope) -> dict[str, Any]:
    items = payload.get("array", payload.get("items"))
    path = payload.get("path", payload.get("field", payload.get("key")))
    if not isinstance(items, list) or not isinstance(path, str):
        raise NodeFailed("pluck needs payload.array (a list) and payload.path (a dotted field path)")
    return {"result": [lookup("$item." + path, scope.with_loop({"$item": item})) for item in items]}


def _echo(payload: dict[str, Any], scope: Scope) -> dict[str, Any]:
    """The resolved payload as the result: for catalog entries that only pass data on."""
    return {"result": payload}


# Keyed by the catalog's ``local`` handler name (b3os.catalog), not by node type.
HANDLERS: dict[str, Callable[[dict[str, Any], Scope], dict[str, Any]]] = {
    "echo": _echo,
    "log": _log,
    "format": _format,
    "filter": _filter,
    "pluck": _pluck,
}
