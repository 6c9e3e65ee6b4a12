"""The node catalog: public routes, and one table read by validator, executor and routes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from b3os import catalog
from b3os.definition import validate_definition
from b3os.local import LocalServer
from tests.local.helpers import create, data, error, run, wait_for_run

CATALOG_PATHS = ["/v1/actions", "/v1/actions/delay", "/v1/triggers", "/v1/triggers/manual",
                 "/v1/logic-actions", "/v1/connector-types"]  # fmt: skip


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer b3sk_wrong"}, {"Authorization": "junk"}],
                         ids=["no key", "wrong key", "malformed header"])  # fmt: skip
def test_catalog_routes_are_public_even_with_a_wrong_key(
    server: LocalServer, headers: dict[str, str]
) -> None:
    with httpx.Client(base_url=server.url, headers=headers) as anon:
        for path in CATALOG_PATHS:
            data(anon.get(path))
        assert data(anon.get("/v1/actions/delay"))["payloadSchema"]["required"] == ["delayMs"]
        error(anon.get("/v1/actions/no-such-action"), 404)
        error(anon.get("/v1/actions/manual"), 404)  # a trigger is not an action
        error(anon.get("/v1/workflows"), 401)  # everything else still needs the key


def test_catalog_lists_split_triggers_actions_and_logic(server: LocalServer) -> None:
    with httpx.Client(base_url=server.url) as anon:
        actions = {a["type"] for a in data(anon.get("/v1/actions"))}
        triggers = {t["type"] for t in data(anon.get("/v1/triggers"))}
        logic = {a["type"] for a in data(anon.get("/v1/logic-actions"))}
        tagged = {a["type"] for a in data(anon.get("/v1/actions", params={"tags": "core,logic"}))}
    assert actions == catalog.action_types() and triggers == catalog.trigger_types()
    assert logic == {"delay", "if", "for-each", "wait"} == tagged
    assert {"log", "delay", "if", "for-each", "wait"} <= actions and {"manual", "webhook"} <= triggers


@pytest.fixture
def shout() -> Iterator[None]:
    """A node type added to the table, as a later round would add one."""
    catalog.NODE_TYPES["shout"] = {
        "kind": "action",
        "name": "Shout",
        "category": "Core",
        "description": "Pass the text on.",
        "payloadSchema": {"type": "object", "required": ["text"],
                          "properties": {"text": {"type": "string", "minLength": 1, "examples": ["hey"]}}},
        "resultSchema": {"type": "object", "properties": {"result": {"type": "object"}}},
        "branches": [],
        "checks": [],
        "local": "echo",
        "example": {"text": "hey"},
        "tags": ["test"],
    }  # fmt: skip
    yield
    del catalog.NODE_TYPES["shout"]


def _shout_definition(payload: dict[str, Any]) -> dict[str, Any]:
    return {"nodes": {"root": {"type": "manual", "payload": {}, "children": ["s"]},
                      "s": {"type": "shout", "payload": payload, "children": []}}}  # fmt: skip


def test_a_node_type_added_to_the_table_is_validated_executed_and_listed(
    shout: None, api: httpx.Client, server: LocalServer
) -> None:
    # validated: offline and by the server, with the table's schema
    (item,) = validate_definition(_shout_definition({}))
    assert (item.node_id, item.field, item.code) == ("s", "payload.text", "missing_field")
    assert '"hey"' in item.message
    error(
        api.post("/v1/workflows", json={"name": "s", "description": "", "definition": _shout_definition({})}),
        400,
    )
    # executed: a real (not simulated) run succeeds with the handler the table names
    wf = create(api, _shout_definition({"text": "{{$trigger.body.word}}"}))
    done = wait_for_run(api, run(api, wf["id"], payload={"word": "hi"}))
    assert done["status"] == "success", done["summary"]
    assert done["executionState"]["s"]["result"] == {"result": {"text": "hi"}}
    # listed: on the public routes, without a key
    with httpx.Client(base_url=server.url) as anon:
        assert "shout" in {a["type"] for a in data(anon.get("/v1/actions"))}
        assert data(anon.get("/v1/actions/shout"))["payloadSchema"]["required"] == ["text"]


def test_a_type_outside_the_table_is_accepted_offline_and_checked_with_a_server_catalog() -> None:
    definition: dict[str, Any] = {"nodes": {"root": {"type": "manual", "payload": {}, "children": ["price", "typo"]},
                            "price": {"type": "coingecko-get-token-price", "payload": {}, "children": []},
                            "typo": {"type": "lgo", "payload": {}, "children": []}}}  # fmt: skip
    assert validate_definition(definition) == []  # the real service's catalog has ~500 actions
    server_catalog = {
        "coingecko-get-token-price": {
            "type": "coingecko-get-token-price",
            "payloadSchema": {"type": "object", "required": ["tokenId"], "properties": {"tokenId": {"type": "string"}}},
        },
        "log": {"type": "log", "payloadSchema": {}},
    }  # fmt: skip
    items = {(i.node_id, i.code) for i in validate_definition(definition, catalog=server_catalog)}
    assert items == {("price", "missing_field"), ("typo", "unknown_node_type")}
    # a §6.1 built-in or an OAS trigger type is never "unknown", even if the server's lists omit it
    definition["nodes"]["typo"]["type"] = "regex"
    definition["nodes"]["root"]["type"] = "evm-log"
    items = {(i.node_id, i.code) for i in validate_definition(definition, catalog=server_catalog)}
    assert items == {("price", "missing_field")}


def test_the_catalog_module_imports_no_pydantic_or_http() -> None:
    code = "import sys, b3os.catalog; print(sorted(m for m in ('pydantic', 'httpx', 'fastapi') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_engine_types_are_the_tables_local_handlers() -> None:
    from b3os.local.engine import BUILTIN_TYPES
    from b3os.local.nodes import HANDLERS

    assert BUILTIN_TYPES == {t for t in catalog.action_types() if catalog.local_handler(t)}
    engine_own = {"if", "for-each", "wait", "delay"}
    for node_type in BUILTIN_TYPES:
        assert catalog.local_handler(node_type) in set(HANDLERS) | engine_own, node_type


def test_the_tables_types_are_known_to_the_validator_constants() -> None:
    from b3os.definition import BUILTIN_ACTION_TYPES, TRIGGER_TYPES

    assert catalog.action_types() <= BUILTIN_ACTION_TYPES and catalog.trigger_types() <= TRIGGER_TYPES


@pytest.mark.parametrize(
    "node_type", sorted(t for t in catalog.action_types() if t not in ("wait", "for-each"))
)
def test_each_example_payload_is_valid_and_runs_to_a_result_the_table_describes(
    api: httpx.Client, server: LocalServer, node_type: str
) -> None:
    server.set_time_scale(0.001)  # the delay example waits 5 s
    entry = catalog.NODE_TYPES[node_type]
    node: dict[str, Any] = {"type": node_type, "payload": entry["example"], "children": []}
    definition = {"nodes": {"root": {"type": "manual", "payload": {}, "children": ["n"]}, "n": node}}
    assert validate_definition(definition) == []
    trigger = {"name": "Ada", "price": 5, "items": [{"price": {"usd": 1}}], "first": "A", "last": "L"}
    try:
        got = data(api.post("/v1/runs/sync", json={"definition": definition, "payload": trigger}))
    finally:
        server.set_time_scale(1.0)
    assert got["status"] == "success", got["executionState"]["n"]
    result = got["executionState"]["n"]["result"]
    assert set(result) <= set(entry["resultSchema"]["properties"]), result
