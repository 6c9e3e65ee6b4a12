"""b3os.models: camelCase wire round trips, unknown fields kept, unknown enum strings accepted.

The round-trip corpus is built from the OpenAPI contract's own schemas (the spec has no `example`
values for these objects, so every property gets a value of its declared type/enum, recursively).
The spec lives outside the repository (../shared/spec/b3os-openapi.json, or $B3OS_OPENAPI_SPEC);
when it is absent those cases skip, and the hand-written shapes of b3os-api.md §5.9 still run.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from b3os.models import (
    ExecutionNode,
    Page,
    Run,
    RunEvent,
    RunListItem,
    ValidationItem,
    ValidationResult,
    Workflow,
    WorkflowDefinition,
    WorkflowListItem,
    WorkflowNode,
    to_wire,
)

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = Path(os.environ.get("B3OS_OPENAPI_SPEC", ROOT.parent / "shared" / "spec" / "b3os-openapi.json"))
ENTITY = "github_com_b3-fun_b3-mono_services_b3os-workflow_internal_pkg_entity."


def _load_spec() -> dict[str, Any] | None:
    try:
        return json.loads(SPEC_PATH.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except OSError:
        return None


SPEC = _load_spec()
needs_spec = pytest.mark.skipif(SPEC is None, reason=f"OpenAPI spec not found at {SPEC_PATH}")


class ExampleBuilder:
    """Builds one fully populated example object from an OpenAPI schema (example > enum > type)."""

    def __init__(self, schemas: dict[str, Any], max_depth: int = 7) -> None:
        self.schemas = schemas
        self.max_depth = max_depth

    def build(self, schema: dict[str, Any], depth: int = 0, name: str = "x") -> Any:
        if "$ref" in schema:
            return self.build(self.schemas[schema["$ref"].rsplit("/", 1)[-1]], depth, name)
        if "example" in schema:
            return copy.deepcopy(schema["example"])
        if "allOf" in schema:
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                value = self.build(part, depth, name)
                if isinstance(value, dict):
                    merged.update(value)
            return merged
        if "enum" in schema:
            return schema["enum"][0]
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            if depth >= self.max_depth:
                return {}
            props = schema.get("properties", {})
            out = {key: self.build(sub, depth + 1, key) for key, sub in props.items()}
            extra = schema.get("additionalProperties")
            if not props and isinstance(extra, dict):
                out["key1"] = self.build(extra, depth + 1, "key1") if extra else "value"
            return out
        if kind == "array":
            if depth >= self.max_depth:
                return []
            return [self.build(schema.get("items", {}), depth + 1, name)]
        if kind == "integer":
            return 3
        if kind == "number":
            return 1.5
        if kind == "boolean":
            return True
        if kind == "string":
            return f"{name}-value"
        return {"any": "value"}


SPEC_CASES: list[tuple[str, type[BaseModel]]] = [
    (ENTITY + "Workflow", Workflow),
    (ENTITY + "WorkflowDefinition", WorkflowDefinition),
    (ENTITY + "WorkflowNode", WorkflowNode),
    (ENTITY + "Run", Run),
    (ENTITY + "RunListItem", RunListItem),
    (ENTITY + "ExecutionNode", ExecutionNode),
    ("WorkflowListItem", WorkflowListItem),
    ("ValidationResult", ValidationResult),
    ("ValidationErrorItem", ValidationItem),
    ("PaginatedData-schemas_WorkflowListItem", Page[WorkflowListItem]),
    (f"PaginatedData-{ENTITY.replace('.', '_')}RunListItem", Page[RunListItem]),
]


@needs_spec
@pytest.mark.parametrize(
    ("schema_name", "model"), SPEC_CASES, ids=[c[0].rsplit(".", 1)[-1] for c in SPEC_CASES]
)
def test_spec_example_round_trips_on_the_wire(schema_name: str, model: type[BaseModel]) -> None:
    assert SPEC is not None
    schemas = SPEC["components"]["schemas"]
    example = ExampleBuilder(schemas).build(schemas[schema_name])
    assert example, "the builder produced an empty example"
    loaded = model.model_validate(example)
    assert to_wire(loaded) == example


@needs_spec
def test_spec_workflow_fields_are_modelled_not_just_kept_as_extra() -> None:
    # Every documented field of E.Workflow / E.Run has a typed attribute (extra is for *unknown* fields).
    assert SPEC is not None
    schemas = SPEC["components"]["schemas"]
    for schema_name, model in ((ENTITY + "Workflow", Workflow), (ENTITY + "Run", Run)):
        example = ExampleBuilder(schemas).build(schemas[schema_name])
        loaded = model.model_validate(example)
        assert loaded.model_extra == {}, (
            f"{schema_name}: unmodelled fields {sorted(loaded.model_extra or {})}"
        )


WORKFLOW_WIRE: dict[str, Any] = {
    "id": "wf_abc123",
    "version": 3,
    "organizationId": "org_1",
    "name": "Price alert",
    "description": "Logs a message",
    "status": "active",
    "type": "manual",
    "definition": {
        "nodes": {
            "root": {"type": "manual", "payload": {}, "children": ["check"]},
            "check": {
                "type": "if",
                "payload": {"condition": {"$and": [{"{{root.result.price}}": {"$lte": 2000}}]}},
                "children": ["say"],
            },
            "say": {"type": "log", "payload": {"message": "cheap: {{root.result.price}}"}, "branch": "then"},
            "loop": {"type": "for-each", "payload": {"array": "{{root.result.items}}"}, "loopBody": ["say"]},
        },
        "triggerNodeIds": ["root"],
        "inputSchema": [{"key": "price", "type": "number", "required": True}],
    },
    "visibility": "private",
    "maxRuns": 10,
    "remainRuns": 7,
    "cooldownMs": 1000,
    "triggerSecret": "whsec_do_not_print",
    "hasDraft": False,
    "hasLiveVersion": True,
    "createdAt": "2026-01-01T09:00:00Z",
    "updatedAt": "2026-01-02T09:00:00.123456Z",
    "uiMetadata": {"nodePositions": {"root": {"x": 0, "y": 0}}, "comments": [], "stickyNotes": []},
}

RUN_WIRE: dict[str, Any] = {
    "id": "run_c9i6j8k2l0m3",
    "organizationId": "org_1",
    "workflowId": "wf_abc123",
    "workflowVersion": 3,
    "status": "success",
    "triggerSource": "manual",
    "triggerNodeId": "root",
    "startedAt": "2026-01-01T09:00:00Z",
    "finishedAt": "2026-01-01T09:00:01Z",
    "executionState": {
        "root": {"type": "manual", "status": "success", "result": {"price": 1500, "triggeredAt": "t"}},
        "loop": {
            "type": "for-each",
            "status": "success",
            "iterations": [{"say": {"type": "log", "status": "success", "result": {"message": "a"}}}],
        },
    },
    "totalCu": 0.25,
    "isSimulation": False,
}


@pytest.mark.parametrize(
    ("model", "wire"),
    [(Workflow, WORKFLOW_WIRE), (Run, RUN_WIRE)],
    ids=["workflow", "run"],
)
def test_handwritten_shapes_round_trip(model: type[BaseModel], wire: dict[str, Any]) -> None:
    assert to_wire(model.model_validate(wire)) == wire


def test_snake_case_in_python_camel_case_on_the_wire() -> None:
    wf = Workflow.model_validate(WORKFLOW_WIRE)
    assert wf.has_live_version is True and wf.cooldown_ms == 1000 and wf.organization_id == "org_1"
    assert wf.definition is not None
    assert wf.definition.trigger_node_ids == ["root"]
    assert wf.definition.nodes["loop"].loop_body == ["say"]
    run = Run.model_validate(RUN_WIRE)
    assert run.execution_state is not None
    iteration = run.execution_state["loop"].iterations
    assert iteration is not None and isinstance(iteration[0]["say"], ExecutionNode)
    # Python names populate too, and dump back to camelCase.
    node = WorkflowNode(type="log", payload={"message": "hi"}, loop_body=["a"], title_override="T")
    assert to_wire(node) == {
        "type": "log",
        "payload": {"message": "hi"},
        "loopBody": ["a"],
        "titleOverride": "T",
    }


def test_unknown_fields_are_kept_and_dumped_back() -> None:
    wire = {**WORKFLOW_WIRE, "brandNewField": {"nested": [1, 2]}, "aiScore": 0.9}
    wire["definition"] = {
        **WORKFLOW_WIRE["definition"],
        "props": {"k": "v"},
        "nodes": {"root": {"type": "manual", "payload": {}, "position": {"x": 1}}},
    }
    wf = Workflow.model_validate(wire)
    assert wf.model_extra == {"brandNewField": {"nested": [1, 2]}, "aiScore": 0.9}
    assert to_wire(wf) == wire


@pytest.mark.parametrize(
    ("model", "wire"),
    [
        (Workflow, {"id": "wf_1", "status": "quarantined", "type": "brand-new-trigger"}),
        (WorkflowListItem, {"id": "wf_1", "status": "frozen"}),
        (Run, {"id": "run_1", "status": "teleporting", "executionState": {"a": {"status": "levitating"}}}),
        (RunListItem, {"id": "run_1", "status": "queued"}),
    ],
)
def test_unknown_enum_strings_never_crash(model: type[BaseModel], wire: dict[str, Any]) -> None:
    assert to_wire(model.model_validate(wire)) == wire


def test_run_terminal_status() -> None:
    assert Run.model_validate({"id": "run_1", "status": "partial"}).is_terminal
    assert not Run.model_validate({"id": "run_1", "status": "waiting"}).is_terminal
    assert not Run.model_validate({"id": "run_1", "status": "something-new"}).is_terminal


def test_trigger_secret_is_not_in_the_model_repr() -> None:
    wf = Workflow.model_validate(WORKFLOW_WIRE)
    assert "whsec_do_not_print" not in repr(wf)
    assert wf.trigger_secret == "whsec_do_not_print"


def test_page_and_validation_result() -> None:
    page = Page[WorkflowListItem].model_validate(
        {
            "items": [{"id": "wf_1", "nodeCount": 2}],
            "limit": 1,
            "offset": 0,
            "hasMore": True,
            "currentVersion": 4,
        }
    )
    assert page.has_more and page.items[0].node_count == 2 and page.model_extra == {"currentVersion": 4}
    result = ValidationResult.model_validate(
        {
            "valid": False,
            "errors": [{"type": "nodes", "message": "bad", "nodeId": "n1", "field": "payload.x"}],
        }
    )
    assert result.errors[0].node_id == "n1" and result.errors[0].field == "payload.x"


@pytest.mark.parametrize(
    ("event", "terminal"),
    [
        (RunEvent(type="run_completed"), True),
        (RunEvent(type="run_failed", status="failure"), True),
        (RunEvent(type="run_started", status="running"), False),
        (RunEvent(type="node_completed", status="success"), False),
        (RunEvent(type="run_waiting", status="waiting"), False),
    ],
)
def test_run_event_terminal(event: RunEvent, terminal: bool) -> None:
    assert event.is_terminal is terminal
