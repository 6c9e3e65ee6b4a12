"""``if`` conditions: ``{"$and"|"$or": [{"<expr>": {"$op": value}}, …]}`` (§6.1).

Operators: $eq $ne $gt $gte $lt $lte $contains $notContains $startsWith $endsWith $exists
$notExists $in $notIn. Keys and values are templates resolved against the run scope.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from b3os.local.expressions import Scope, resolve

__all__ = ["OPERATORS", "ConditionError", "evaluate"]


class ConditionError(ValueError):
    """A malformed condition; the message names the bad part."""


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _compare(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def check(left: Any, right: Any) -> bool:
        a, b = _num(left), _num(right)
        if a is not None and b is not None:
            return op(a, b)
        if isinstance(left, str) and isinstance(right, str):
            return op(left, right)
        return False

    return check


def _equal(left: Any, right: Any) -> bool:
    if left == right:
        return True
    a, b = _num(left), _num(right)
    return a is not None and b is not None and a == b


def _contains(left: Any, right: Any) -> bool:
    if isinstance(left, str):
        return isinstance(right, str | int | float) and str(right) in left
    if isinstance(left, list):
        return right in left
    if isinstance(left, dict):
        return right in left
    return False


def _in(left: Any, right: Any) -> bool:
    return isinstance(right, list | str) and (
        left in right if isinstance(right, list) else str(left) in right
    )


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "$eq": _equal,
    "$ne": lambda a, b: not _equal(a, b),
    "$gt": _compare(lambda a, b: a > b),
    "$gte": _compare(lambda a, b: a >= b),
    "$lt": _compare(lambda a, b: a < b),
    "$lte": _compare(lambda a, b: a <= b),
    "$contains": _contains,
    "$notContains": lambda a, b: not _contains(a, b),
    "$startsWith": lambda a, b: isinstance(a, str) and isinstance(b, str) and a.startswith(b),
    "$endsWith": lambda a, b: isinstance(a, str) and isinstance(b, str) and a.endswith(b),
    "$exists": lambda a, b: (a is not None) == (b is not False),
    "$notExists": lambda a, b: (a is None) == (b is not False),
    "$in": _in,
    "$notIn": lambda a, b: not _in(a, b),
}


def evaluate(condition: Any, scope: Scope) -> bool:
    if isinstance(condition, bool):
        return condition
    if isinstance(condition, str):
        return bool(resolve(condition, scope))
    if isinstance(condition, list):
        return all(evaluate(c, scope) for c in condition)
    if not isinstance(condition, dict):
        raise ConditionError("condition must be an object such as {'$and': [...]}")
    results = []
    for key, spec in condition.items():
        if key in ("$and", "$or"):
            if not isinstance(spec, list):
                raise ConditionError(f"{key} must hold a list of conditions")
            parts = [evaluate(c, scope) for c in spec]
            results.append(all(parts) if key == "$and" else any(parts))
            continue
        left = resolve(key, scope)
        if not isinstance(spec, dict):
            results.append(_equal(left, resolve(spec, scope)))
            continue
        for op, raw in spec.items():
            check = OPERATORS.get(op)
            if check is None:
                raise ConditionError(f"unknown operator {op!r}; use one of {', '.join(OPERATORS)}")
            results.append(check(left, resolve(raw, scope)))
    return all(results)
