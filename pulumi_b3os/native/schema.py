"""The Pulumi package schema of ``pulumi-resource-b3os``, generated from the kinds' field tables.

Nothing here names a kind or a field: every kind registered in ``b3os.kinds.KINDS`` becomes the
resource ``b3os:index:<Kind.token>``, every field of its table a property (camelCase), with the
table's description, type, choices and secrecy. Two renames, because Pulumi reserves ``id`` and
``urn`` as resource property names:

* the ``id``-role field (manage an existing object by id) is the input ``adoptId``;
* every kind with a natural key also takes the option ``adoptByName`` (take over an existing
  object found by its key, whatever its content).

Both mirror the dynamic provider's ``adopt_id`` / ``adopt_by_name``. The resource id is the
object's id, so the id is never an output property.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from b3os._version import __version__
from b3os.kinds import KINDS
from b3os.resource.fields import Field
from b3os.resource.kind import Kind

__all__ = [
    "ADOPT_BY_NAME",
    "ADOPT_ID",
    "CONFIG",
    "PACKAGE",
    "has_key",
    "input_fields",
    "kind_for_type",
    "output_fields",
    "property_name",
    "schema",
    "schema_json",
    "type_token",
]

PACKAGE = "b3os"
ADOPT_ID = "adoptId"
ADOPT_BY_NAME = "adoptByName"

CONFIG: dict[str, dict[str, Any]] = {
    "apiUrl": {
        "type": "string",
        "description": "The B3OS API base URL (https://…; http only for localhost). Falls back to B3OS_API_URL.",
    },
    "apiKey": {
        "type": "string",
        "secret": True,
        "description": "The B3OS API key (`pulumi config set --secret b3os:apiKey …`). Falls back to B3OS_API_KEY.",
    },
}

_ANY = {"$ref": "pulumi.json#/Any"}


def type_token(kind: Kind) -> str:
    return f"{PACKAGE}:index:{kind.token}"


def kind_for_type(token: str) -> Kind:
    """The kind behind a type token; ``KeyError`` naming the known tokens otherwise."""
    for kind in KINDS:
        if type_token(kind) == token:
            return kind
    known = ", ".join(type_token(k) for k in KINDS)
    raise KeyError(f"unknown resource type {token!r}; this provider serves {known}")


def property_name(f: Field) -> str:
    return ADOPT_ID if f.role == "id" else f.camel


def input_fields(kind: Kind) -> tuple[Field, ...]:
    return tuple(f for f in kind.fields if f.is_input)


def output_fields(kind: Kind) -> tuple[Field, ...]:
    return tuple(f for f in kind.fields if f.is_output and f.role != "id")


def has_key(kind: Kind) -> bool:
    return any(f.role == "key" for f in kind.fields)


def _type_spec(kind: str | None) -> dict[str, Any]:
    if kind in (None, "any"):
        return dict(_ANY)
    if kind == "object":
        return {"type": "object", "additionalProperties": dict(_ANY)}
    if kind == "array":
        return {"type": "array", "items": dict(_ANY)}
    return {"type": kind}


def _property(f: Field) -> dict[str, Any]:
    spec = _type_spec(f.type)
    if f.type == "array" and f.items is not None:
        spec["items"] = _type_spec(f.items)
    description = f.description
    if f.choices:
        description += " One of: " + ", ".join(f"`{c}`" for c in f.choices) + "."
    if f.default is not None and f.is_input:
        description += f" Default: `{f.default}`."
    if f.write_only:
        description += " Write-only: the API never returns it."
    spec["description"] = description
    if f.secret:
        spec["secret"] = True
    return spec


def _resource(kind: Kind) -> dict[str, Any]:
    inputs = {property_name(f): _property(f) for f in input_fields(kind)}
    if has_key(kind):
        key = ", ".join(f"`{f.camel}`" for f in kind.fields if f.role == "key")
        inputs[ADOPT_BY_NAME] = {
            "type": "boolean",
            "description": f"Take over an existing {kind.name} found by {key} even when its content "
            "differs (without it such an object is refused; an archived one, or one that already holds "
            "the declared content, is reused).",
        }
    outputs = {f.camel: _property(f) for f in output_fields(kind)}
    resource: dict[str, Any] = {
        "description": kind.description,
        "inputProperties": inputs,
        "properties": outputs,
    }
    required = [property_name(f) for f in input_fields(kind) if f.required]
    if required:
        resource["requiredInputs"] = required
    return resource


@cache
def schema() -> dict[str, Any]:
    """The package schema (Pulumi's metaschema: codegen/schema/pulumi.json)."""
    return {
        "name": PACKAGE,
        "displayName": "B3OS",
        "version": __version__,
        "description": "B3OS workflows and their companions as Pulumi resources (b3os-iac native provider).",
        "keywords": ["b3os", "workflows", "category/utility"],
        "license": "Apache-2.0",
        "config": {"variables": CONFIG},
        "provider": {
            "description": "The B3OS provider: credentials from `b3os:apiUrl` / `b3os:apiKey` or the environment.",
            "inputProperties": CONFIG,
            "properties": {"apiUrl": CONFIG["apiUrl"]},
        },
        "resources": {type_token(kind): _resource(kind) for kind in KINDS},
        "language": {
            "python": {"packageName": "pulumi_b3os_native"},
            "nodejs": {"packageName": "@b3os/pulumi"},
        },
    }


def schema_json() -> str:
    return json.dumps(schema(), indent=2, sort_keys=True)
