"""``check``: input validation with failures that name the property, the node and the field.

Validation rules are not defined here: the definition goes to ``b3os.definition`` and every
other field to ``WorkflowSpec.build`` (one field at a time, so each failure names its property).
Values still unknown during a preview (computed from other resources) are skipped, not rejected.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure

from b3os.definition import load_definition, validate_definition
from b3os.errors import B3OSError
from b3os.models import ValidationItem
from b3os.workflow import WorkflowSpec
from b3os.workflow.preview import definition_changed as changed
from pulumi_b3os._props import has_unknowns

__all__ = ["check_inputs", "definition_changed", "failure_of"]

_PLACEHOLDER_NAME = "placeholder"


def failure_of(item: ValidationItem) -> CheckFailure:
    """One validation item as a check failure on ``definition`` (or ``name``)."""
    prop = "name" if item.type == "name" else "definition"
    where = []
    if item.node_id and f"'{item.node_id}'" not in item.message:
        where.append(f"node {item.node_id!r}")
    if item.field and item.field not in item.message:
        where.append(f"field {item.field!r}")
    reason = f"{' '.join(where)}: {item.message}" if where else item.message
    return CheckFailure(prop, reason)


def _field_failures(inputs: dict[str, Any], unknown: list[str]) -> list[CheckFailure]:
    checks: dict[str, dict[str, Any]] = {
        "name": {"name": inputs.get("name")},
        "description": {"description": inputs.get("description")},
        "state": {"state": inputs.get("state")},
        "cooldown_ms": {"cooldown_ms": inputs.get("cooldown_ms")},
        "max_runs": {"max_runs": inputs.get("max_runs")},
        "visibility": {"visibility": inputs.get("visibility")},
        "adopt_id": {"id": inputs.get("adopt_id")},
        "live_version": {"live_version": inputs.get("live_version"), "state": inputs.get("state")},
    }
    failures = []
    for prop, kwargs in checks.items():
        if prop in unknown or inputs.get(prop) is None:
            continue
        kwargs.setdefault("name", _PLACEHOLDER_NAME)
        try:
            spec = WorkflowSpec.build(**kwargs, validate=False)
        except (B3OSError, TypeError) as exc:
            failures.append(CheckFailure(prop, str(exc)))
            continue
        if prop == "state":
            inputs["state"] = spec.state  # aliases ("active", "present", …) stored in canonical form
    if (
        "adopt_by_name" in inputs
        and not isinstance(inputs["adopt_by_name"], bool)
        and "adopt_by_name" not in unknown
    ):
        failures.append(CheckFailure("adopt_by_name", "adopt_by_name must be true or false"))
    if inputs.get("adopt_id") is not None and inputs.get("adopt_by_name"):
        failures.append(CheckFailure("adopt_id", "set adopt_id or adopt_by_name, not both"))
    return failures


def _definition_failures(inputs: dict[str, Any]) -> list[CheckFailure]:
    """Load (dict, JSON/YAML text or file path) and validate. The loaded form is kept as the user
    wrote it: the normalized form is for comparing only (it drops e.g. an empty payload that the
    server requires)."""
    value = inputs.get("definition")
    if value is None:
        if inputs.get("adopt_id") is None and not inputs.get("adopt_by_name"):
            return [CheckFailure("definition", "definition is required to create a workflow (or adopt one)")]
        return []
    try:
        loaded = load_definition(value)
    except B3OSError as exc:
        return [CheckFailure("definition", str(exc))]
    inputs["definition"] = loaded
    return [failure_of(item) for item in validate_definition(loaded)]


def check_inputs(inputs: dict[str, Any]) -> tuple[dict[str, Any], list[CheckFailure]]:
    """Validated inputs (definition loaded, state defaulted) plus every failure found."""
    inputs = dict(inputs)
    inputs.setdefault("state", "published")
    unknown = has_unknowns(inputs)
    failures = _field_failures(inputs, unknown)
    if "definition" not in unknown:
        failures += _definition_failures(inputs)
    return inputs, failures


def definition_changed(olds: dict[str, Any], news: dict[str, Any]) -> bool:
    """Whether the declared definition differs from the previous inputs (always, on create)."""
    return changed(olds.get("definition"), news.get("definition"))
