"""The field table: one row per property of a resource kind, the single source every front end reads.

A kind's ``FIELDS`` drive its spec checks, its plan's diff (what is managed, what counts as a
change, what is secret), its outputs, the CLI's file keys, the Ansible argspec and DOCUMENTATION
options, and the Pulumi schema/args. Adding a managed field to a kind is one row here.

Roles:

* ``id``: the server's id; also an input, to manage an existing object by id.
* ``key``: part of the natural key (e.g. a workflow's name; a variable's workflow + name): how an
  object is found when no id is given. A key field is also content when the identity is the id.
* ``content``: managed content, sent on create/update and compared on plan.
* ``state``: the desired lifecycle state (workflow ``state``, webhook ``enabled``).
* ``option``: a front-end input that is not content (``adopt_id``); never compared.
* ``computed``: an output only (status, version, created_at, signing_secret…).

``None`` as a desired value always means "not managed": the server's value is left alone.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Field", "FieldRole", "FieldType", "by_name", "file_keys", "inputs", "outputs"]

FieldType = Literal["string", "integer", "boolean", "object", "array", "any"]
FieldRole = Literal["id", "key", "content", "state", "option", "computed"]


@dataclass(frozen=True)
class Field:
    """One property of a kind.

    * ``name``: snake_case; the CLI file key, the Ansible option and the Python/Pulumi-Python
      property (the Pulumi schema spells it camelCase).
    * ``wire``: the API's (camelCase) name, or ``None`` when the field is never sent as is.
    * ``secret``: never printed, masked in diffs, a Pulumi secret, ``no_log`` in Ansible.
    * ``write_only``: the API accepts it but never returns it (connector ``data``); see the
      kind's docstring for how drift and change are decided.
    * ``same``: what counts as a change, ``same(desired, actual)``; the default is ``==``.
    * ``check``: validate and normalise one user value (raise ``ValueError`` with a message that
      does not repeat the field name); ``None`` values never reach it.
    * ``aliases``: other spellings accepted in files (camelCase).
    """

    name: str
    type: FieldType
    description: str
    role: FieldRole = "content"
    wire: str | None = None
    required: bool = False
    secret: bool = False
    write_only: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    items: FieldType | None = None
    aliases: tuple[str, ...] = ()
    same: Callable[[Any, Any], bool] = field(default=operator.eq, compare=False, repr=False)
    check: Callable[[Any], Any] | None = field(default=None, compare=False, repr=False)

    @property
    def is_input(self) -> bool:
        return self.role != "computed"

    @property
    def is_output(self) -> bool:
        return self.role != "option" and not self.write_only

    @property
    def camel(self) -> str:
        head, *rest = self.name.split("_")
        return head + "".join(part.title() for part in rest)


def by_name(fields: Iterable[Field]) -> dict[str, Field]:
    return {f.name: f for f in fields}


def inputs(fields: Iterable[Field]) -> tuple[Field, ...]:
    """What a user declares (file keys, Ansible options, Pulumi args)."""
    return tuple(f for f in fields if f.is_input)


def outputs(fields: Iterable[Field]) -> tuple[Field, ...]:
    """What a read reports (Pulumi outputs, Ansible return values, CLI --json)."""
    return tuple(f for f in fields if f.is_output)


def file_keys(fields: Iterable[Field]) -> dict[str, str]:
    """Every accepted file key (name and aliases) → the field name."""
    keys: dict[str, str] = {}
    for f in inputs(fields):
        keys[f.name] = f.name
        for alias in f.aliases:
            keys[alias] = f.name
    return keys
