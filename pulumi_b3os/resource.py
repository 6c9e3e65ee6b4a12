"""``Workflow``: a B3OS workflow as a Pulumi resource (type ``pulumi-python:dynamic/b3os:Workflow``).

The type token is part of every URN: renaming the module or class needs a Pulumi alias.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import pulumi
from pulumi.dynamic import Resource

from b3os.definition import load_definition
from b3os.redact import holds_secrets
from pulumi_b3os._props import INPUT_KEYS, OUTPUT_ONLY_KEYS, OWNER_KEY
from pulumi_b3os.provider import WorkflowProvider

__all__ = ["Workflow", "WorkflowArgs"]

DefinitionInput = Mapping[str, Any] | str | os.PathLike[str]


@dataclass
class WorkflowArgs:
    """What a Workflow declares. Every field may also be a ``pulumi.Output``.

    * ``definition``: a dict, JSON/YAML text, or a path to a .json/.yaml file (relative to the
      program directory); validated at preview, naming node and field.
    * ``state``: ``published`` (default: the content is live and active), ``paused``, ``draft``
      (the latest version has the content, nothing is published; a live version keeps running)
      or ``archived``.
    * ``name``: defaults to the resource name. ``description``, ``cooldown_ms``, ``max_runs``,
      ``visibility``: left to the server when unset.
    * ``live_version``: pin the live content to version N (a B3OS rollback copies N's definition
      into a new version, which is published; newer versions stay). The declared ``definition``
      is then not published; removing the pin publishes it again. The ``live_version`` output is
      the server's live version number.
    * ``adopt_id`` / ``adopt_by_name``: take over an existing workflow at creation instead of
      creating one (Pulumi's ``import`` cannot work for dynamic providers). Every workflow a
      stack manages carries the stack as its owner on the server (``pulumi:<project>/<stack>``);
      without an adopt, a same-named workflow of another owner (a stack, a CLI directory) or of
      none is a preview error naming the owner, never taken over or duplicated. What an
      interrupted ``up`` left carries this stack's owner and is reused.
    """

    definition: pulumi.Input[Any] | None = None
    name: pulumi.Input[str] | None = None
    description: pulumi.Input[str] | None = None
    state: pulumi.Input[str] | None = "published"
    cooldown_ms: pulumi.Input[int] | None = None
    max_runs: pulumi.Input[int] | None = None
    visibility: pulumi.Input[str] | None = None
    adopt_id: pulumi.Input[str] | None = None
    adopt_by_name: pulumi.Input[bool] | None = None
    live_version: pulumi.Input[int] | None = None


def _load(value: Any) -> Any:
    """Load files and text in the program, where relative paths mean what the user meant."""
    if isinstance(value, pulumi.Output):
        return value.apply(lambda v: load_definition(v) if v is not None else None)
    if isinstance(value, Mapping | str | os.PathLike):
        return load_definition(value)
    return value


def _secret_if_needed(definition: Any) -> tuple[Any, bool]:
    """A definition holding secret-named values (``password``, ``token``, ``Authorization``,
    ``X-Api-Key``, …, as ``b3os.redact`` names them) becomes a Pulumi secret: masked in
    ``preview/up --diff``, encrypted in the state and ``stack export``, ``[secret]`` in
    ``stack output``. A definition computed from other outputs is not known yet: its output is
    made secret anyway (True), and its input only when its value turns out to hold secrets."""
    if isinstance(definition, pulumi.Output):
        return definition.apply(lambda v: pulumi.Output.secret(v) if holds_secrets(v) else v), True
    if definition is not None and holds_secrets(definition):
        return pulumi.Output.secret(definition), True
    return definition, False


class Workflow(Resource, module="b3os", name="Workflow"):
    """A B3OS workflow managed by Pulumi; the resource id is the workflow id (``wf_…``)."""

    name: pulumi.Output[str]
    description: pulumi.Output[str]
    definition: pulumi.Output[
        dict[str, Any]
    ]  # as declared when the server's content equals it, else the server's (normalized)
    state: pulumi.Output[str]  # the declared desired state
    status: pulumi.Output[str]  # the server's status: draft, active, paused, archived
    version: pulumi.Output[int]
    live_version: pulumi.Output[int | None]
    has_draft: pulumi.Output[bool]
    type: pulumi.Output[str]
    created_at: pulumi.Output[str]
    updated_at: pulumi.Output[str]
    cooldown_ms: pulumi.Output[int | None]
    max_runs: pulumi.Output[int | None]
    visibility: pulumi.Output[str]
    trigger_secret: pulumi.Output[str]  # a Pulumi secret

    def __init__(
        self,
        resource_name: str,
        args: WorkflowArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        args = args or WorkflowArgs(**kwargs)
        values = {f.name: getattr(args, f.name) for f in fields(args)}  # shallow: Outputs stay Outputs
        values["definition"], secret_definition = _secret_if_needed(_load(values["definition"]))
        if values["name"] is None:
            values["name"] = resource_name
        # A fresh dict (Resource adds __provider to it); output-only keys seeded so they become attributes.
        props: dict[str, Any] = {key: values[key] for key in INPUT_KEYS}
        # Who owns the workflow on the server (uiMetadata.b3osIac.owner): this stack.
        props[OWNER_KEY] = f"pulumi:{pulumi.get_project()}/{pulumi.get_stack()}"
        props.update({key: None for key in OUTPUT_ONLY_KEYS if key not in props})
        secret_outputs = ["trigger_secret", *(["definition"] if secret_definition else [])]
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=secret_outputs)
        super().__init__(
            WorkflowProvider(), resource_name, props, pulumi.ResourceOptions.merge(secret_opts, opts)
        )
