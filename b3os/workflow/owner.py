"""Who manages a workflow: the owner marker kept on the server in ``uiMetadata.b3osIac``.

``uiMetadata`` is editor metadata (node positions, comments), never content: the normalizer
ignores it and ``PATCH /v1/workflows/{id}/ui-metadata`` changes it in place without a new
version. b3os-iac keeps ``{"owner": OWNER}`` there, plus at creation a one-time ``nonce`` that
lets a create retry recognise the row its own POST made. Owner strings:

* ``pulumi:<project>/<stack>`` — a Pulumi stack;
* ``dir:<uuid>`` — a CLI directory (the uuid is in its ``b3os.lock.json``);
* ``ansible`` (or the play's ``owner`` option) — an Ansible play.

The assumption about the real API (docs/internals.md, "Ownership"): it keeps unknown keys in
``uiMetadata`` and the app's editor does not drop them when it saves node positions.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from b3os.errors import ConfigError

__all__ = ["MARKER_KEY", "OwnershipError", "describe", "marked", "new_nonce", "nonce_of", "owner_of"]

MARKER_KEY = "b3osIac"
_EMPTY_UI: dict[str, Any] = {"nodePositions": {}, "comments": [], "stickyNotes": []}


class OwnershipError(ConfigError):
    """A workflow is managed by another owner (or none) and taking it over needs an explicit adopt."""

    def __init__(self, message: str, *, workflow_id: str | None = None, owner: str | None = None) -> None:
        super().__init__(message)
        self.workflow_id = workflow_id
        self.owner = owner


def _marker(wire: Mapping[str, Any] | None) -> Mapping[str, Any]:
    meta = (wire or {}).get("uiMetadata")
    marker = meta.get(MARKER_KEY) if isinstance(meta, Mapping) else None
    return marker if isinstance(marker, Mapping) else {}


def owner_of(wire: Mapping[str, Any] | None) -> str | None:
    """The owner recorded on a workflow row, or ``None`` (made in the app, or before markers)."""
    owner = _marker(wire).get("owner")
    return owner if isinstance(owner, str) and owner else None


def nonce_of(wire: Mapping[str, Any] | None) -> str | None:
    nonce = _marker(wire).get("nonce")
    return nonce if isinstance(nonce, str) else None


def new_nonce() -> str:
    return secrets.token_hex(8)


def marked(ui_metadata: Any, owner: str | None, nonce: str | None = None) -> dict[str, Any]:
    """``ui_metadata`` with our marker set (every other key kept as it was)."""
    base = dict(ui_metadata) if isinstance(ui_metadata, Mapping) else dict(_EMPTY_UI)
    marker: dict[str, Any] = {}
    if owner is not None:
        marker["owner"] = owner
    if nonce is not None:
        marker["nonce"] = nonce
    base[MARKER_KEY] = marker
    return base


def describe(owner: str | None) -> str:
    """How messages name an owner."""
    if owner is None:
        return "no owner (made in the app or by another tool)"
    if owner.startswith("pulumi:"):
        return f"Pulumi stack {owner[len('pulumi:') :]} ({owner})"
    if owner.startswith("dir:"):
        return f"a b3os CLI directory ({owner})"
    return f"{owner!r}"


def require_owner_ok(
    label: str, workflow_id: str, actual: str | None, wanted: str, *, archiving: bool = False
) -> None:
    """Raise the conflict message front ends show (naming the owner and how to adopt)."""
    what = "archive" if archiving else "manage"
    raise OwnershipError(
        f"workflow {label} ({workflow_id}) is owned by {describe(actual)}; this {describe(wanted)} "
        f"will not {what} it. To take it over, adopt it explicitly: `b3os adopt FILE` or `id: {workflow_id}` "
        f"in the file (CLI), adopt_id={workflow_id!r} or adopt_by_name=True (Pulumi); or remove it from "
        "the other owner first",
        workflow_id=workflow_id,
        owner=actual,
    )


def check_owner_string(owner: Any) -> str | None:
    if owner is None:
        return None
    if not isinstance(owner, str) or not owner.strip() or len(owner) > 200:
        raise ConfigError("owner must be a non-empty string of at most 200 characters")
    return owner
