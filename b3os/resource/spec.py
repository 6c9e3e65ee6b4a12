"""Desired and actual objects of the simple kinds, as the field table describes them.

``Spec`` is what the user declared (``None`` = not managed), checked against the kind's field
table once, before anything is sent. ``State`` is what B3OS has, condensed to field values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from b3os.errors import ConfigError
from b3os.resource.fields import Field

__all__ = ["Spec", "State", "check_values"]

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list, tuple),
}


@dataclass(frozen=True)
class Spec:
    """One declared object: ``values`` keyed by field name, ``None`` meaning unmanaged."""

    kind: str
    values: Mapping[str, Any]

    def get(self, name: str) -> Any:
        return self.values.get(name)

    @property
    def id(self) -> str | None:
        value = self.values.get("id")
        return value if isinstance(value, str) else None

    @property
    def label(self) -> str:
        """How messages name it: the id, else the natural key."""
        if self.id:
            return self.id
        name = self.values.get("name")
        return repr(name) if name is not None else self.kind


@dataclass(frozen=True)
class State:
    """One actual object: ``values`` keyed by field name (write-only fields are never here)."""

    id: str
    values: Mapping[str, Any]
    wire: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def get(self, name: str) -> Any:
        return self.values.get(name)


def _type_ok(f: Field, value: Any) -> bool:
    if f.type == "any":
        return True
    if f.type == "integer" and isinstance(value, bool):
        return False
    return isinstance(value, _PY_TYPES[f.type])


def check_values(kind: str, fields: tuple[Field, ...], values: Mapping[str, Any]) -> dict[str, Any]:
    """Type, choice and custom checks of user input; every message names the field and the fix."""
    known = {f.name: f for f in fields if f.is_input}
    unknown = sorted(k for k in values if k not in known)
    if unknown:
        raise ConfigError(f"{kind}: unknown field(s) {', '.join(unknown)}; known fields: {', '.join(known)}")
    checked: dict[str, Any] = {}
    for name, f in known.items():
        value = values.get(name)
        if value is None:
            value = f.default
        if value is None:
            checked[name] = None
            continue
        if not _type_ok(f, value):
            raise ConfigError(f"{kind} {name}: expected {'a' if f.type != 'integer' else 'an'} {f.type}")
        if f.type == "array" and f.items is not None:
            bad = [v for v in value if not _type_ok(Field("item", f.items, ""), v)]
            if bad:
                raise ConfigError(f"{kind} {name}: every item must be a {f.items}")
            value = list(value)
        if f.choices and value not in f.choices:
            raise ConfigError(f"{kind} {name}: {value!r} is not one of {', '.join(f.choices)}")
        if f.check is not None:
            try:
                value = f.check(value)
            except ValueError as exc:
                raise ConfigError(f"{kind} {name}: {exc}") from None
        checked[name] = value
    return checked
