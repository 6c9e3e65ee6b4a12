"""Required payload fields of the built-in node types (§6.1)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from b3os.definition._common import CONDITION_OPERATORS, _is_int, _is_whole_expression

if TYPE_CHECKING:
    from b3os.definition._graph import _Validator


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


def _check_cronjob(v: _Validator, node_id: str, node: Mapping[str, Any], payload: Mapping[str, Any]) -> None:
    example = "DTSTART:20260101T090000Z\nRRULE:FREQ=DAILY;INTERVAL=1"
    _require_string(v, node_id, payload, "rrule", example)
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
    "manual": _check_manual,
    "cronjob": _check_cronjob,
    "log": _check_log,
    "delay": _check_delay,
    "wait": _check_wait,
    "for-each": _check_for_each,
    "if": _check_if,
}
