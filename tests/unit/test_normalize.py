"""b3os.normalize: what counts as a change in a definition."""

from __future__ import annotations

import copy
import json
import random
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b3os.errors import ConfigError
from b3os.normalize import (
    MAX_DEPTH,
    RULES,
    SERVER_ADDED_DEFINITION_FIELDS,
    SERVER_ADDED_NODE_FIELDS,
    SERVER_OWNED_WORKFLOW_FIELDS,
    GraphSummary,
    canonical_json,
    definitions_equal,
    explain_differences,
    graph_summary,
    normalize_definition,
)

DESIRED: dict[str, Any] = {
    "nodes": {
        "root": {"type": "manual", "payload": {}, "children": ["log_message"]},
        "log_message": {
            "type": "log",
            "payload": {"message": "Incoming message: {{$trigger.body.message}}", "level": 1},
            "children": [],
        },
    }
}


def _server_copy(definition: dict[str, Any]) -> dict[str, Any]:
    """What the server hands back: backfilled triggerNodeIds and AI/UI node fields."""
    out = copy.deepcopy(definition)
    out["triggerNodeIds"] = ["root"]
    for node_id, node in out["nodes"].items():
        node["description"] = f"AI says {node_id} does things"
        node["titleOverride"] = node_id.title()
        node["position"] = {"x": 10, "y": 20}
        node["resultSchema"] = {"type": "object"}
        node["blockContext"] = None
    return out


def _shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: _shuffled(value[k], rng) for k in keys}
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


# -- equal: no diff -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "actual",
    [
        pytest.param(_shuffled(DESIRED, random.Random(1)), id="key_order"),
        pytest.param(json.dumps(DESIRED, indent=4, sort_keys=True), id="json_text_with_whitespace"),
        pytest.param(_server_copy(DESIRED), id="server_added_trigger_node_ids_and_node_fields"),
        pytest.param(
            {"nodes": {**DESIRED["nodes"], "root": {"type": "manual", "children": ["log_message"]}}},
            id="empty_payload_is_absent",
        ),
        pytest.param(
            json.loads(json.dumps(DESIRED).replace('"level": 1', '"level": 1.0')),
            id="integral_float_equals_int",
        ),
    ],
)
def test_no_diff(actual: Any) -> None:
    assert definitions_equal(DESIRED, actual)
    assert explain_differences(DESIRED, actual) == []
    assert not graph_summary(actual, DESIRED).changed
    assert graph_summary(actual, DESIRED).describe() == "no changes"


def test_empty_children_equal_absent_children() -> None:
    actual = copy.deepcopy(DESIRED)
    del actual["nodes"]["log_message"]["children"]
    assert definitions_equal(DESIRED, actual)
    assert definitions_equal(actual, DESIRED)


def test_default_trigger_node_ids_equal_absent_even_when_desired_sets_them() -> None:
    desired = {**DESIRED, "triggerNodeIds": ["root"]}
    assert definitions_equal(desired, DESIRED)
    assert definitions_equal(DESIRED, desired)


def test_server_added_fields_are_compared_when_desired_sets_them() -> None:
    desired = copy.deepcopy(DESIRED)
    desired["nodes"]["log_message"]["description"] = "mine"
    actual = _server_copy(DESIRED)  # the server's AI description differs from the desired one
    assert not definitions_equal(desired, actual)
    assert explain_differences(desired, actual) == ["node 'log_message': description changed"]


def test_non_default_trigger_node_ids_are_compared_when_desired() -> None:
    desired = {**DESIRED, "triggerNodeIds": ["root", "other"]}
    assert not definitions_equal(desired, DESIRED)
    assert explain_differences(desired, DESIRED) == ["definition.triggerNodeIds changed"]


# -- a real change -------------------------------------------------------------------------------
def test_changed_node_produces_a_diff_naming_that_node_and_field() -> None:
    desired = copy.deepcopy(DESIRED)
    desired["nodes"]["log_message"]["payload"]["message"] = "Now: {{$trigger.body.message}}"
    actual = _server_copy(DESIRED)
    assert not definitions_equal(desired, actual)
    summary = graph_summary(actual, desired)
    assert summary.nodes_changed == {"log_message": ["payload.message"]}
    assert summary.nodes_added == [] and summary.nodes_removed == []
    assert summary.describe() == "~1 node changed (log_message: payload.message)"
    assert explain_differences(desired, actual) == ["node 'log_message': payload.message changed"]


def test_added_node_and_edge_are_described() -> None:
    desired = copy.deepcopy(DESIRED)
    desired["nodes"]["root"]["children"].append("notify")
    desired["nodes"]["notify"] = {"type": "slack-send-message", "payload": {"text": "hi"}}
    summary = graph_summary(DESIRED, desired)
    assert summary.nodes_added == ["notify"]
    assert summary.edges_added == [("root", "notify")]
    assert summary.nodes_changed == {"root": ["children"]}
    assert summary.describe() == (
        "+1 node (notify), ~1 node changed (root: children), +1 edge (root->notify)"
    )
    assert "node 'notify' added" in explain_differences(desired, DESIRED)


def test_removed_node_and_edge_are_described() -> None:
    summary = graph_summary(DESIRED, {"nodes": {"root": {"type": "manual", "payload": {}}}})
    assert summary.nodes_removed == ["log_message"]
    assert summary.edges_removed == [("root", "log_message")]
    assert summary.describe().startswith("-1 node (log_message)")


def test_graph_summary_of_a_create_lists_every_node() -> None:
    summary = graph_summary(None, DESIRED)
    assert summary.nodes_added == ["log_message", "root"]  # sorted: deterministic
    assert summary.edges_added == [("root", "log_message")]


def test_graph_summary_is_a_value() -> None:
    assert GraphSummary() == GraphSummary()
    assert not GraphSummary().changed


# -- normalize_definition -------------------------------------------------------------------------
def test_normalize_sorts_keys_and_drops_server_fields_without_mutating_input() -> None:
    actual = _server_copy(DESIRED)
    before = copy.deepcopy(actual)
    normalized = normalize_definition(actual)
    assert actual == before
    assert list(normalized) == ["nodes"]
    assert list(normalized["nodes"]["log_message"]) == ["payload", "type"]
    assert normalized["nodes"]["root"] == {"children": ["log_message"], "type": "manual"}


def test_normalize_keeps_children_order() -> None:
    d = {"nodes": {"root": {"type": "manual", "payload": {}, "children": ["b", "a"]}}}
    assert normalize_definition(d)["nodes"]["root"]["children"] == ["b", "a"]


def test_normalize_accepts_json_text() -> None:
    assert normalize_definition(json.dumps(DESIRED)) == normalize_definition(DESIRED)


def test_canonical_json_is_compact_sorted_and_keeps_unicode() -> None:
    assert canonical_json({"b": 1, "a": ["é", {"d": 2, "c": 3}]}) == '{"a":["é",{"c":3,"d":2}],"b":1}'


def test_field_lists_hold_the_documented_names() -> None:
    assert {
        "id",
        "version",
        "triggerSecret",
        "uiMetadata",
        "updatedAt",
        "hasDraft",
    } <= SERVER_OWNED_WORKFLOW_FIELDS
    assert SERVER_ADDED_DEFINITION_FIELDS == {"triggerNodeIds"}
    assert {
        "description",
        "titleOverride",
        "position",
        "resultSchema",
        "blockContext",
    } <= SERVER_ADDED_NODE_FIELDS
    assert "name" not in SERVER_OWNED_WORKFLOW_FIELDS and "description" not in SERVER_OWNED_WORKFLOW_FIELDS


def test_every_rule_has_a_one_line_description() -> None:
    assert len(RULES) >= 6
    for name, doc in RULES:
        assert doc and "\n" not in doc, name


# -- properties -------------------------------------------------------------------------------
_ids = st.text(alphabet="abcdefgh_", min_size=1, max_size=6)
_scalars = (
    st.none() | st.booleans() | st.integers(-10, 10) | st.floats(-5, 5, allow_nan=False) | st.text(max_size=5)
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def definitions(draw: st.DrawFn) -> dict[str, Any]:
    ids = draw(st.lists(_ids, min_size=1, max_size=5, unique=True))
    nodes: dict[str, Any] = {}
    for node_id in ids:
        node: dict[str, Any] = {"type": draw(st.sampled_from(["manual", "log", "if", "x-y"]))}
        if draw(st.booleans()):
            node["payload"] = draw(st.dictionaries(st.text(max_size=4), _json, max_size=3))
        if draw(st.booleans()):
            node["children"] = draw(st.lists(st.sampled_from(ids), max_size=3))
        for key in draw(st.lists(st.sampled_from(sorted(SERVER_ADDED_NODE_FIELDS)), max_size=2)):
            node[key] = draw(_json)
        nodes[node_id] = node
    d: dict[str, Any] = {"nodes": nodes}
    if draw(st.booleans()):
        d["triggerNodeIds"] = draw(st.lists(st.sampled_from(ids), max_size=2))
    return d


@settings(max_examples=200, deadline=None)
@given(definitions(), st.randoms(use_true_random=False))
def test_normalize_is_idempotent_and_order_insensitive(d: dict[str, Any], rng: random.Random) -> None:
    once = normalize_definition(d)
    assert normalize_definition(once) == once
    assert canonical_json(normalize_definition(_shuffled(d, rng))) == canonical_json(once)
    assert definitions_equal(d, _shuffled(d, rng))
    assert not graph_summary(_shuffled(d, rng), d).changed


@settings(max_examples=100, deadline=None)
@given(definitions())
def test_server_added_fields_never_produce_a_diff(d: dict[str, Any]) -> None:
    desired = {
        "nodes": {
            k: {f: v for f, v in n.items() if f not in SERVER_ADDED_NODE_FIELDS}
            for k, n in d["nodes"].items()
        }
    }
    actual = copy.deepcopy(desired)
    actual["triggerNodeIds"] = list(d["nodes"])[:1]
    for node in actual["nodes"].values():
        node["description"] = "server"
        node["position"] = {"x": 1}
    assert definitions_equal(desired, actual)


def test_describe_of_a_huge_create_names_ten_nodes_then_counts_the_rest() -> None:
    nodes = {f"n{i:04d}": {"type": "log", "payload": {"message": "x"}, "children": []} for i in range(5000)}
    text = graph_summary(None, {"nodes": nodes}).describe()
    assert text.startswith("+5000 nodes (n0000, n0001,") and "… 4,990 more" in text
    assert len(text) < 300


def test_describe_names_every_node_up_to_the_limit() -> None:
    nodes = {f"n{i}": {"type": "log", "payload": {"message": "x"}} for i in range(3)}
    assert graph_summary(None, {"nodes": nodes}).describe() == "+3 nodes (n0, n1, n2)"


@pytest.mark.parametrize("depth", [65, 990, 5000])
def test_normalize_refuses_nesting_deeper_than_max_depth_with_a_config_error(depth: int) -> None:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    with pytest.raises(ConfigError, match=f"nested more than {MAX_DEPTH} levels"):
        normalize_definition({"nodes": {"root": {"type": "manual", "payload": {"deep": value}}}})
    with pytest.raises(ConfigError, match="nested more than"):
        normalize_definition('{"deep": ' + "[" * depth + "]" * depth + "}")


def test_normalize_accepts_max_depth_nesting() -> None:
    value: Any = "leaf"
    for _ in range(MAX_DEPTH - 4):  # nodes.root.payload.deep is 4 levels
        value = [value]
    assert normalize_definition({"nodes": {"root": {"type": "manual", "payload": {"deep": value}}}})


def test_the_depth_error_names_the_path_of_the_first_value_too_deep() -> None:
    value: Any = "leaf"
    for _ in range(MAX_DEPTH):
        value = {"k": value}
    deep = {"nodes": {"root": {"type": "manual", "payload": {"items": ["ok", value]}}}}
    path = "definition.nodes.root.payload.items[1]" + ".k" * (MAX_DEPTH - 4)
    with pytest.raises(ConfigError, match=re.escape(f"{path}: nested more than {MAX_DEPTH} levels")):
        normalize_definition(deep)
