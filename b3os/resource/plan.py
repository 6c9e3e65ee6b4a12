"""Plans of the simple kinds: the ordered API actions and a managed-field diff, computed purely.

The field table decides everything: which fields are managed (``None`` = not), what counts as a
change (``Field.same``), which values are secret (masked in the diff) and which are write-only
(compared against a fingerprint of what was last sent, never against the value).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from b3os.redact import REDACTED
from b3os.resource.spec import Spec, State

__all__ = ["SENSITIVE", "Action", "Diff", "Plan"]

SENSITIVE = "(sensitive)"  # how a diff shows a secret or write-only value


@dataclass(frozen=True)
class Action:
    """One API call the plan will make; ``fields`` are the wire fields it sends."""

    kind: str
    fields: dict[str, Any] = field(default_factory=dict, repr=False)
    reason: str = ""

    def __str__(self) -> str:
        return f"{self.kind}: {self.reason}" if self.reason else self.kind


@dataclass(frozen=True)
class Diff:
    """Before/after on the managed fields; secret values are already masked here."""

    before: dict[str, Any]
    after: dict[str, Any]
    changed: list[str]

    def describe(self) -> list[str]:
        lines = []
        for key in self.changed:
            before, after = self.before.get(key), self.after.get(key)
            if SENSITIVE in (before, after) or REDACTED in (before, after):
                lines.append(f"{key}: (sensitive value changed)")
            elif before is None:
                lines.append(f"{key}: {after!r}")
            else:
                lines.append(f"{key}: {before!r} -> {after!r}")
        return lines


@dataclass(frozen=True)
class Plan:
    spec: Spec
    state: State | None
    actions: list[Action]
    diff: Diff
    final_status: str | None

    @property
    def changed(self) -> bool:
        return bool(self.actions)

    @property
    def writes(self) -> int:
        """Every action is exactly one write request."""
        return len(self.actions)

    @property
    def action_names(self) -> list[str]:
        return [a.kind for a in self.actions]

    @property
    def sends_definition(self) -> bool:
        return False
