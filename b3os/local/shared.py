"""The bridge to the shared b3os modules: one validator and one server-owned field list.

b3os.definition and b3os.normalize are imported lazily so that the emulator keeps importing
while those modules are being written; once present, they are the only source of truth.
"""

from __future__ import annotations

from typing import Any

__all__ = ["server_added_definition_fields", "trigger_types", "validate"]


def validate(definition: object) -> list[dict[str, Any]]:
    """ValidationErrorItem dicts (camelCase wire form) from ``b3os.definition`` (G9)."""
    from b3os.definition import validate_definition
    from b3os.models import to_wire

    return [to_wire(item) for item in validate_definition(definition)]


def server_added_definition_fields() -> frozenset[str]:
    from b3os.normalize import SERVER_ADDED_DEFINITION_FIELDS

    return SERVER_ADDED_DEFINITION_FIELDS


def trigger_types() -> frozenset[str]:
    from b3os.definition import TRIGGER_TYPES

    return TRIGGER_TYPES
