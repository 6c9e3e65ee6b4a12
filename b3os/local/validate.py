"""``POST /v1/workflows/validate``: 200 with ``{valid, errors}`` and no side effects (G9)."""

from __future__ import annotations

from typing import Any

from b3os.local import shared
from b3os.local.errors import BadRequest

__all__ = ["validate_request"]


def validate_request(body: dict[str, Any]) -> dict[str, Any]:
    if "definition" not in body:
        raise BadRequest('definition is required: send {"definition": {...}, "name": "..."}')
    errors: list[dict[str, Any]] = []
    name = body.get("name")
    # The official client always sends a name because the service rejects nameless requests (§5.1).
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        errors.append({"type": "name", "field": "name", "message": "name is required (1..255 characters)"})
    definition = body["definition"]
    if isinstance(definition, dict):
        errors += shared.validate(definition)
    else:
        errors.append({"type": "nodes", "field": "definition", "message": "definition must be a JSON object"})
    return {"valid": not errors, "errors": errors}
