"""The one JSON document of ``b3os plan --json`` and ``b3os apply --json`` (schema ``b3os.plan/1``).

Both commands print the same shape, so a CI step parses either with one schema (the README
shows an example). :data:`PLAN_SCHEMA` is its JSON Schema; a test validates the output of both
commands against it. A compatible addition (a new optional key) keeps the version; anything
that renames, removes or retypes a key bumps it.

Document::

    {"schema": "b3os.plan/1", "command": "plan" | "apply", "changed": bool,
     "summary": {"resources": int, "changed": int, "writes": int, "failed": int},
     "resources": [ENTRY, …],          # every declared object, in file order
     "workflows": [ENTRY, …]}          # the entries of kind "workflow"

    ENTRY = {"file": str, "kind": str, "name": str | null, "id": str | null,
             "changed": bool, "applied": bool, "actions": [str],
             "diff": {"changed": [str], "before": {…}, "after": {…}},
             "outputs": {…} | null, "error": str | null}
             # kind "workflow" also has "workflow": the same object as "outputs"

* ``name`` is the plain name (never a quoted Python repr); ``id`` the object's id once known.
* ``actions`` are the API calls in order (``create``, ``update``, ``publish``, …); ``writes``
  counts them over the objects that changed (each action is one write request).
* ``diff`` holds the managed keys only, secrets masked as ``***``.
* ``outputs`` is the object as the server has it after ``apply`` (secrets masked), ``null`` in
  a plan; ``applied`` says whether this run wrote it; ``error`` why an apply failed or skipped it.
* ``undeclared`` (present when there are any): workflows the directory's record owns whose file
  is gone — ``{"file", "kind", "id", "name", "action": "archive" | "none", "reason"}``; with
  ``--prune`` the archives are also entries of ``resources`` (so ``summary`` counts them), and one
  another owner has taken over is ``"action": "none"`` with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from b3os.redact import redact, redact_text

if TYPE_CHECKING:
    from b3os.resource.fleet import Outcome, Planned

__all__ = ["PLAN_SCHEMA", "SCHEMA_ID", "plan_document"]

SCHEMA_ID = "b3os.plan/1"

_NULLABLE_OBJECT: dict[str, Any] = {"type": ["object", "null"]}
_ENTRY: dict[str, Any] = {
    "type": "object",
    "required": ["file", "kind", "name", "id", "changed", "applied", "actions", "diff", "outputs", "error"],
    "properties": {
        "file": {"type": "string"},
        "kind": {"type": "string"},
        "name": {"type": ["string", "null"]},
        "id": {"type": ["string", "null"]},
        "changed": {"type": "boolean"},
        "applied": {"type": "boolean"},
        "actions": {"type": "array", "items": {"type": "string"}},
        "diff": {
            "type": "object",
            "required": ["changed", "before", "after"],
            "properties": {
                "changed": {"type": "array", "items": {"type": "string"}},
                "before": {"type": "object"},
                "after": {"type": "object"},
            },
        },
        "outputs": _NULLABLE_OBJECT,
        "workflow": _NULLABLE_OBJECT,
        "error": {"type": ["string", "null"]},
    },
}
_UNDECLARED: dict[str, Any] = {
    "type": "object",
    "required": ["file", "kind", "id", "name", "action", "reason"],
    "properties": {
        "file": {"type": "string"},
        "kind": {"const": "workflow"},
        "id": {"type": "string"},
        "name": {"type": ["string", "null"]},
        "action": {"enum": ["archive", "none"]},
        "reason": {"type": "string"},
    },
}
PLAN_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "b3os plan/apply --json",
    "type": "object",
    "required": ["schema", "command", "changed", "summary", "resources", "workflows"],
    "properties": {
        "schema": {"const": SCHEMA_ID},
        "command": {"enum": ["plan", "apply"]},
        "changed": {"type": "boolean"},
        "summary": {
            "type": "object",
            "required": ["resources", "changed", "writes", "failed"],
            "properties": {
                k: {"type": "integer", "minimum": 0} for k in ("resources", "changed", "writes", "failed")
            },
        },
        "resources": {"type": "array", "items": _ENTRY},
        "workflows": {"type": "array", "items": _ENTRY},
        "undeclared": {"type": "array", "items": _UNDECLARED},
    },
}


def _name(planned: Planned, outputs: dict[str, Any] | None) -> str | None:
    name = (outputs or {}).get("name") or getattr(planned.declared.spec, "name", None)
    if name is None:
        state = getattr(planned.plan, "state", None)
        content = getattr(state, "latest", None)
        name = getattr(content, "name", None)
    return name if isinstance(name, str) else None


def _entry(planned: Planned, outcome: Outcome | None) -> dict[str, Any]:
    from b3os.resource.simple import masked_outputs

    the_plan, kind = planned.plan, planned.declared.kind
    shown = masked_outputs(kind.fields, outcome.outputs) if outcome is not None and outcome.outputs else None
    state = getattr(the_plan, "state", None)
    spec_id = getattr(planned.declared.spec, "id", None)
    failed = outcome is not None and not outcome.ok
    entry: dict[str, Any] = {
        "file": str(planned.path),
        "kind": kind.name,
        "name": _name(planned, shown),
        "id": (shown or {}).get("id")
        or spec_id
        or (getattr(state, "id", None) if state is not None else None),
        "changed": the_plan.changed,
        "applied": outcome is not None and outcome.ok and the_plan.changed,
        "actions": the_plan.action_names,
        "diff": redact(
            {"changed": the_plan.diff.changed, "before": the_plan.diff.before, "after": the_plan.diff.after}
        ),
        "outputs": shown,
        "error": (outcome.skipped or redact_text(str(outcome.error))) if failed and outcome else None,
    }
    if kind.name == "workflow":
        entry["workflow"] = shown
    return entry


def plan_document(
    command: str,
    items: Sequence[tuple[Planned, Outcome | None]],
    undeclared: Sequence[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The ``b3os.plan/1`` document of ``plan`` (no outcomes) or ``apply`` (one per object)."""
    entries = [_entry(planned, outcome) for planned, outcome in items]
    done = [p for p, o in items if p.plan.changed and (o is None or o.ok)]
    doc: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "command": command,
        "changed": any(p.plan.changed for p, _ in items),
        "summary": {
            "resources": len(items),
            "changed": len(done),
            "writes": sum(p.plan.writes for p in done),
            "failed": sum(1 for _, o in items if o is not None and not o.ok),
        },
        "resources": entries,
        "workflows": [e for e in entries if e["kind"] == "workflow"],
    }
    if undeclared:
        doc["undeclared"] = list(undeclared)
    return doc
