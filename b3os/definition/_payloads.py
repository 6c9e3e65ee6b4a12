"""Payload checks: the catalog's payloadSchema (b3os.catalog) plus the named extra rules (§6.1)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from b3os.definition._common import CONDITION_OPERATORS, _is_int, _is_whole_expression

if TYPE_CHECKING:
    from b3os.definition._graph import _Validator


_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
}


def _matches(value: object, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return _is_int(value)
    if kind == "number":
        return (_is_int(value) or isinstance(value, float)) and value == value
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "object":
        return isinstance(value, Mapping)
    if kind == "array":
        return isinstance(value, list)
    return True  # a type this checker does not know: the server decides


def _example(prop: Mapping[str, Any]) -> str | None:
    examples = prop.get("examples")
    if isinstance(examples, list) and examples:
        return json.dumps(examples[0])
    if "example" in prop:
        return json.dumps(prop["example"])
    return None


def check_schema(v: _Validator, node_id: str, payload: Mapping[str, Any], schema: Mapping[str, Any]) -> None:
    """Check a payload against a catalog payloadSchema (required, type, minimum, minLength).

    A whole-expression string ``"{{…}}"`` passes for any type: it is resolved at run time."""
    props = schema.get("properties")
    props = props if isinstance(props, Mapping) else {}
    required = schema.get("required")
    required = [r for r in required if isinstance(r, str)] if isinstance(required, list) else []
    for key in [*required, *(k for k in props if k not in required)]:
        prop = props.get(key)
        prop = prop if isinstance(prop, Mapping) else {}
        field = f"payload.{key}"
        raw_types = prop.get("type")
        types = (
            [raw_types] if isinstance(raw_types, str) else [t for t in raw_types or () if isinstance(t, str)]
        )
        example = _example(prop)
        eg = f"e.g. {example}" if example else ""
        value = payload.get(key)
        if value is None:
            if key in required:
                if types == ["string"]:
                    hint = f"add a non-empty string such as {example}" if example else "add a string"
                else:
                    want = " or ".join(_TYPE_NAMES.get(t, t) for t in types) or "a value"
                    desc = prop.get("description")
                    hint = f"add {want}" + (f" ({desc})" if isinstance(desc, str) and desc else "")
                    hint += f", {eg}" if eg else ""
                v.add("nodes", "missing_field", node_id, field, f"{field} is required: {hint}")
            continue
        if types and "string" not in types and _is_whole_expression(value):
            continue
        if types and not any(_matches(value, t) for t in types):
            want = " or ".join(_TYPE_NAMES.get(t, t) for t in types)
            if types in (["integer"], ["number"]) and (
                isinstance(value, int | float) and not isinstance(value, bool)
            ):
                code = "invalid_field_value"  # a number, just not a whole one
            else:
                code = "invalid_field_type"
            got = type(value).__name__ if code == "invalid_field_type" else json.dumps(value)
            v.add(
                "nodes",
                code,
                node_id,
                field,
                f"{field} must be {want}, got {got}" + (f": {eg}" if eg else ""),
            )
            continue
        minimum = prop.get("minimum")
        if (
            isinstance(minimum, int)
            and isinstance(value, int | float)
            and not isinstance(value, bool)
            and value < minimum
        ):
            need = {0: "a non-negative", 1: "a positive"}.get(minimum, f"at least {minimum}: an")
            unit = " (milliseconds)" if key.endswith("Ms") else ""
            v.add(
                "nodes",
                "invalid_field_value",
                node_id,
                field,
                f"{field} must be {need} integer{unit}, got {json.dumps(value)}" + (f": {eg}" if eg else ""),
            )
            continue
        maximum = prop.get("maximum")
        if (
            isinstance(maximum, int)
            and isinstance(value, int | float)
            and not isinstance(value, bool)
            and value > maximum
        ):
            v.add(
                "nodes",
                "invalid_field_value",
                node_id,
                field,
                f"{field} must be at most {maximum}, got {json.dumps(value)}" + (f": {eg}" if eg else ""),
            )
            continue
        min_length = prop.get("minLength")
        if isinstance(min_length, int) and isinstance(value, str) and len(value.strip()) < min_length:
            hint = f"add a non-empty string such as {example}" if example else "add a non-empty string"
            v.add("nodes", "empty_field", node_id, field, f"{field} is empty: {hint}")


def _check_input_schema(
    v: _Validator, node_id: str, node: Mapping[str, Any], payload: Mapping[str, Any]
) -> None:
    schema = payload.get("inputSchema")
    if schema is None or isinstance(schema, Mapping):
        return
    if isinstance(schema, list):
        for i, entry in enumerate(schema):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("key"), str):
                v.add(
                    "nodes",
                    "invalid_input_schema",
                    node_id,
                    f"payload.inputSchema[{i}]",
                    f"payload.inputSchema[{i}] must be an object with a string 'key' and a 'type', "
                    'e.g. {"key": "message", "type": "string"}',
                )
        return
    v.add(
        "nodes",
        "invalid_input_schema",
        node_id,
        "payload.inputSchema",
        'payload.inputSchema must be a JSON-Schema object ({"type": "object", "properties": …}) '
        "or a list of {key, type} fields",
    )


def _check_rrule(v: _Validator, node_id: str, node: Mapping[str, Any], payload: Mapping[str, Any]) -> None:
    example = "DTSTART:20260101T090000Z\nRRULE:FREQ=DAILY;INTERVAL=1"
    rrule = payload.get("rrule")
    if isinstance(rrule, str) and rrule.strip():
        lines = [line.strip() for line in rrule.strip().splitlines()]
        if not any(line.startswith("DTSTART") for line in lines) or not any(
            line.startswith("RRULE:FREQ=") for line in lines
        ):
            v.add(
                "nodes",
                "invalid_rrule",
                node_id,
                "payload.rrule",
                "payload.rrule needs a DTSTART line and an RRULE line (a bare RRULE breaks "
                f"scheduling), e.g. {json.dumps(example)}",
            )


def _check_loop_body(
    v: _Validator, node_id: str, node: Mapping[str, Any], payload: Mapping[str, Any]
) -> None:
    body = node.get("loopBody")
    if not isinstance(body, list) or not body:
        v.add(
            "nodes",
            "missing_loop_body",
            node_id,
            "loopBody",
            "for-each needs a non-empty loopBody: list the ids of the nodes to run per item",
        )


def _check_condition(
    v: _Validator, node_id: str, node: Mapping[str, Any], payload: Mapping[str, Any]
) -> None:
    example = '{"$and": [{"{{$trigger.body.price}}": {"$lte": 2000}}]}'
    cond = payload.get("condition")
    if not isinstance(cond, Mapping):
        return  # missing or of the wrong type: reported by the payloadSchema check
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
            v.add(
                "nodes",
                "invalid_condition",
                node_id,
                field,
                f"{field} must be one {{expression: {{$op: value}}}} pair, e.g. "
                '{"{{$trigger.body.price}}": {"$lte": 2000}}',
            )
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
                v.add(
                    "nodes",
                    "unknown_operator",
                    node_id,
                    field,
                    f"{field} uses unknown operator {op!r}: use one of "
                    f"{', '.join(sorted(CONDITION_OPERATORS))}",
                )


PAYLOAD_CHECKS: dict[str, Callable[[_Validator, str, Mapping[str, Any], Mapping[str, Any]], None]] = {
    "input_schema": _check_input_schema,
    "rrule": _check_rrule,
    "loop_body": _check_loop_body,
    "condition": _check_condition,
}
"""The extra rules a catalog entry names in ``checks`` (b3os.catalog), beyond its payloadSchema."""
