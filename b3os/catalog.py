"""The node catalog as data: every node type b3os-local knows, described once.

One table, three readers, so they cannot disagree:

- the definition validator (``b3os.definition``) checks a node's payload against its
  ``payloadSchema`` (plus the named extra ``checks``) and its children against ``branches``;
- b3os-local's executor (``b3os.local.engine``) runs a node with the handler named by ``local``;
- b3os-local's public catalog routes (``GET /v1/actions``, ``/v1/triggers``, ``/v1/logic-actions``)
  serve the entries, and ``scripts/gen-node-reference`` renders docs/node-reference.md from them.

Plain data only (imported by the validator, which every front end imports): no pydantic, no I/O.

``payloadSchema`` is a small JSON-Schema subset the validator understands: ``required`` and, per
property, ``type`` (string, integer, number, boolean, object, array or a list of them),
``minimum``, ``maximum`` and ``minLength``. A whole-expression string ``"{{…}}"`` is accepted for any
non-string type (it is resolved at run time). ``examples[0]`` of a property is quoted in messages.

Node types that are *not* in this table (the real service's ~500 catalog actions, and the trigger
types of the OAS ``Workflow.type`` enum) are still accepted by the validator when their name
matches ``^[a-z0-9][a-z0-9-]*$``: the offline validator cannot know the server's catalog, so it
checks only their shape; ``b3os validate --catalog`` checks their payloads against the catalog of
the server it talks to (:func:`b3os.definition.validate_definition` with ``catalog=``).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CONNECTOR_TYPES",
    "NODE_TYPES",
    "action_types",
    "branches_of",
    "entry",
    "is_logic",
    "local_handler",
    "trigger_types",
    "wire_entry",
]

_MS = "milliseconds"
INT64_MAX = 2**63 - 1  # integer fields are int64 in the Go service

# kind: trigger | action. category "Logic" marks the control-flow actions (GET /v1/logic-actions).
# local: how b3os-local runs the node (a handler name of b3os.local.nodes or the engine), or None
#        for a type b3os-local accepts but does not execute (then only simulate=true runs it).
# checks: extra validator rules beyond payloadSchema (functions of b3os.definition._payloads).
NODE_TYPES: dict[str, dict[str, Any]] = {
    "manual": {
        "kind": "trigger",
        "name": "Manual",
        "category": "Trigger",
        "description": "Start a run by hand (POST /v1/workflows/{id}/run) or through the workflow's "
        "webhook URL (POST /v1/webhooks/{secret}). The run payload becomes the trigger result.",
        "payloadSchema": {
            "type": "object",
            "properties": {
                "inputSchema": {
                    "x-display-type": "object or list",
                    "description": 'the run inputs: a JSON-Schema object or a list of {"key", "type"} fields',
                    "examples": [[{"key": "message", "type": "string"}]],
                },
            },
        },
        "resultSchema": {
            "type": "object",
            "properties": {
                "body": {"type": "object", "description": "the run payload / webhook body"},
                "headers": {"type": "object", "description": "the webhook request headers"},
                "source": {"type": "string", "description": "manual or webhook"},
                "triggeredAt": {"type": "string", "description": "ISO-8601 UTC"},
            },
        },
        "branches": [],
        "checks": ["input_schema"],
        "local": "trigger",
        "example": {},
        "tags": ["core"],
    },
    "webhook": {
        "kind": "trigger",
        "name": "Webhook (legacy)",
        "category": "Trigger",
        "description": "Legacy trigger type, accepted and run like manual; a manual trigger already "
        "listens on the workflow's webhook URL.",
        "payloadSchema": {"type": "object", "properties": {}},
        "resultSchema": {
            "type": "object",
            "properties": {"body": {"type": "object"}, "headers": {"type": "object"}},
        },
        "branches": [],
        "checks": [],
        "local": "trigger",
        "example": {},
        "tags": ["core", "legacy"],
    },
    "cronjob": {
        "kind": "trigger",
        "name": "Schedule (rrule)",
        "category": "Trigger",
        "description": "Run on a schedule. b3os-local never fires schedules by itself; it reports the "
        "next run time on GET /v1/workflows/{id}/schedule.",
        "payloadSchema": {
            "type": "object",
            "required": ["rrule"],
            "properties": {
                "rrule": {
                    "type": "string",
                    "minLength": 1,
                    "description": "a DTSTART line and an RRULE line",
                    "examples": ["DTSTART:20260101T090000Z\nRRULE:FREQ=DAILY;INTERVAL=1"],
                },
            },
        },
        "resultSchema": {"type": "object", "properties": {"triggeredAt": {"type": "string"}}},
        "branches": [],
        "checks": ["rrule"],
        "local": "trigger",
        "example": {"rrule": "DTSTART:20260101T090000Z\nRRULE:FREQ=DAILY;INTERVAL=1"},
        "tags": ["core", "schedule"],
    },
    "log": {
        "kind": "action",
        "name": "Log",
        "category": "Core",
        "description": "Write a message to the run log; expressions in the message are resolved.",
        "payloadSchema": {
            "type": "object",
            "required": ["message"],
            "properties": {
                "message": {
                    "type": "string",
                    "minLength": 1,
                    "description": "the text to log (templated)",
                    "examples": ["Hello {{$trigger.body.name}}"],
                },
            },
        },
        "resultSchema": {
            "type": "object",
            "properties": {"message": {"type": "string"}, "loggedAt": {"type": "string"}},
        },
        "branches": [],
        "checks": [],
        "local": "log",
        "example": {"message": "Hello {{$trigger.body.name}}"},
        "tags": ["core"],
    },
    "delay": {
        "kind": "action",
        "name": "Delay",
        "category": "Logic",
        "description": "Pause the run for a number of milliseconds.",
        "payloadSchema": {
            "type": "object",
            "required": ["delayMs"],
            "properties": {
                "delayMs": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": INT64_MAX,
                    "description": f"how long to wait, in {_MS}",
                    "examples": [5000],
                },
            },
        },
        "resultSchema": {
            "type": "object",
            "properties": {"status": {"type": "string"}, "delayMs": {"type": "integer"}},
        },
        "branches": [],
        "checks": [],
        "local": "delay",
        "example": {"delayMs": 5000},
        "tags": ["core", "logic"],
    },
    "if": {
        "kind": "action",
        "name": "If",
        "category": "Logic",
        "description": "Evaluate a condition and continue on the 'then' or the 'else' branch; "
        'children say which branch they belong to with "branch".',
        "payloadSchema": {
            "type": "object",
            "required": ["condition"],
            "properties": {
                "condition": {
                    "type": "object",
                    "description": "one key $and or $or holding {expression: {$op: value}} items",
                    "examples": [{"$and": [{"{{$trigger.body.price}}": {"$lte": 2000}}]}],
                },
            },
        },
        "resultSchema": {
            "type": "object",
            "properties": {"result": {"type": "boolean"}, "branch": {"type": "string"}},
        },
        "branches": ["then", "else"],
        "checks": ["condition"],
        "local": "if",
        "example": {"condition": {"$and": [{"{{$trigger.body.price}}": {"$lte": 2000}}]}},
        "tags": ["core", "logic"],
    },
    "for-each": {
        "kind": "action",
        "name": "For each",
        "category": "Logic",
        "description": "Run the nodes listed in loopBody once per item of a list (at most 100).",
        "payloadSchema": {
            "type": "object",
            "required": ["array"],
            "properties": {
                "array": {
                    "type": ["array", "string"],
                    "minLength": 1,
                    "description": "the list to iterate, usually an expression",
                    "examples": ["{{$trigger.body.items}}"],
                },
            },
        },
        "resultSchema": {
            "type": "object",
            "properties": {
                "count": {"type": "integer"},
                "succeeded": {"type": "integer"},
                "failed": {"type": "integer"},
                "results": {"type": "array"},
            },
        },
        "branches": [],
        "checks": ["loop_body"],
        "local": "for-each",
        "example": {"array": "{{$trigger.body.items}}"},
        "tags": ["core", "logic"],
    },
    "wait": {
        "kind": "action",
        "name": "Wait",
        "category": "Logic",
        "description": "Hold the run (status waiting) until POST /v1/runs/{id}/nodes/{nodeId}/resume "
        "or the timeout; children take the 'resumed' or the 'timed_out' branch.",
        "payloadSchema": {
            "type": "object",
            "properties": {
                "timeoutMs": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": INT64_MAX,
                    "description": f"give up after this many {_MS} (default: wait forever)",
                    "examples": [60000],
                },
                "triggerType": {"type": "string", "description": "what resumes the node"},
                "triggerConfig": {"type": "object", "description": "settings of that trigger"},
            },
        },
        "resultSchema": {
            "type": "object",
            "properties": {
                "branch": {"type": "string"},
                "resumed": {"type": "boolean"},
                "timedOut": {"type": "boolean"},
                "data": {"type": "object"},
            },
        },
        "branches": ["resumed", "timed_out"],
        "checks": [],
        "local": "wait",
        "example": {"timeoutMs": 60000},
        "tags": ["core", "logic"],
    },
    "format": {
        "kind": "action",
        "name": "Format",
        "category": "Core",
        "description": "Render a template (b3os-local also reads format, value or input) and return it.",
        "payloadSchema": {
            "type": "object",
            "properties": {
                "template": {
                    "type": "string",
                    "description": "the text to render (templated)",
                    "examples": ["{{$trigger.body.first}} {{$trigger.body.last}}"],
                },
            },
        },
        "resultSchema": {"type": "object", "properties": {"result": {}}},
        "branches": [],
        "checks": [],
        "local": "format",
        "example": {"template": "{{$trigger.body.first}} {{$trigger.body.last}}"},
        "tags": ["core", "data"],
    },
    "filter": {
        "kind": "action",
        "name": "Filter",
        "category": "Core",
        "description": "Keep the items of a list for which a condition holds ($item and $index in it).",
        "payloadSchema": {
            "type": "object",
            "properties": {
                "array": {
                    "type": ["array", "string"],
                    "description": "the list to filter",
                    "examples": ["{{$trigger.body.items}}"],
                },
                "condition": {
                    "type": "object",
                    "description": "the test per item, like an if condition",
                    "examples": [{"$and": [{"{{$item.price}}": {"$lt": 10}}]}],
                },
            },
        },
        "resultSchema": {
            "type": "object",
            "properties": {"result": {"type": "array"}, "count": {"type": "integer"}},
        },
        "branches": [],
        "checks": [],
        "local": "filter",
        "example": {
            "array": "{{$trigger.body.items}}",
            "condition": {"$and": [{"{{$item.price}}": {"$lt": 10}}]},
        },
        "tags": ["core", "data"],
    },
    "pluck": {
        "kind": "action",
        "name": "Pluck",
        "category": "Core",
        "description": "Take one field (a dotted path) of every item of a list.",
        "payloadSchema": {
            "type": "object",
            "properties": {
                "array": {
                    "type": ["array", "string"],
                    "description": "the list",
                    "examples": ["{{$trigger.body.items}}"],
                },
                "path": {"type": "string", "description": "dotted field path", "examples": ["price.usd"]},
            },
        },
        "resultSchema": {"type": "object", "properties": {"result": {"type": "array"}}},
        "branches": [],
        "checks": [],
        "local": "pluck",
        "example": {"array": "{{$trigger.body.items}}", "path": "price.usd"},
        "tags": ["core", "data"],
    },
}

# ASSUMPTION: b3os-local stores no connector definitions (no action it runs needs one), so the
# public GET /v1/connector-types answers this empty list.
CONNECTOR_TYPES: list[dict[str, Any]] = []

_WIRE_KEYS = ("name", "description", "category", "payloadSchema", "resultSchema", "tags")


def entry(node_type: str) -> dict[str, Any] | None:
    """The table entry of a node type, or None when b3os-local does not know it."""
    return NODE_TYPES.get(node_type)


def trigger_types() -> frozenset[str]:
    return frozenset(t for t, e in NODE_TYPES.items() if e.get("kind") == "trigger")


def action_types() -> frozenset[str]:
    return frozenset(t for t, e in NODE_TYPES.items() if e.get("kind") != "trigger")


def is_logic(node_type: str) -> bool:
    e = NODE_TYPES.get(node_type)
    return e is not None and e.get("category") == "Logic"


def branches_of(node_type: str | None) -> tuple[str, ...]:
    """The branch names children of this node type must pick from (empty: no branches)."""
    e = NODE_TYPES.get(node_type or "")
    return tuple(e.get("branches") or ()) if e is not None else ()


def local_handler(node_type: str) -> str | None:
    """How b3os-local executes a node type (None: not executed, only simulated)."""
    e = NODE_TYPES.get(node_type)
    return e.get("local") if e is not None else None


def wire_entry(node_type: str) -> dict[str, Any]:
    """The entry as the public catalog routes serve it (ActionDefinition / TriggerDefinition)."""
    e = NODE_TYPES[node_type]
    out: dict[str, Any] = {"type": node_type}
    for key in _WIRE_KEYS:
        if key == "category" and e.get("kind") == "trigger":
            continue  # TriggerDefinition has no category
        if key in e:
            out[key] = e[key]
    if e.get("kind") != "trigger":
        out["exampleInput"] = e.get("example", {})
        out["requiresGas"] = False
    out["branches"] = list(e.get("branches") or [])
    out["createdBy"] = "b3os-local"
    return out
