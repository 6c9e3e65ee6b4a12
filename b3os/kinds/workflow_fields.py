"""The Workflow kind's field table (see ``b3os.resource.fields``)."""

from __future__ import annotations

from typing import Any

from b3os.resource.fields import Field

__all__ = ["FIELDS"]

DESIRED_STATES = ("draft", "published", "paused", "archived")
VISIBILITIES = ("private", "org", "public_view", "public_execute")


def _same_definition(desired: Any, actual: Any) -> bool:
    from b3os.normalize import definitions_equal  # lazy: the table is imported by cheap paths

    return isinstance(actual, dict) and definitions_equal(desired, actual)


def _same_text(desired: Any, actual: Any) -> bool:
    return bool((actual or "") == desired)


FIELDS: tuple[Field, ...] = (
    Field(
        "id", "string", "The workflow id (wf_…): manage an existing workflow by id; `name` then renames it.",
        role="id", wire="id",
    ),
    Field(
        "name", "string",
        "The workflow name. Without `id`, the workflow is found by exact name across every status, "
        "archived included; two workflows with that name is an error listing their ids.",
        role="key", wire="name",
    ),
    Field("description", "string", "The workflow description.", wire="description", same=_same_text),
    Field(
        "definition", "object",
        "The workflow definition: an object with `nodes` (a trigger `root` plus action nodes linked by "
        "`children`). Compared after normalization: key order, whitespace and server-added fields never count.",
        wire="definition", same=_same_definition,
    ),
    Field(
        "state", "string",
        "The desired lifecycle state: `published` (the content is live and active), `paused`, `draft` "
        "(the latest version holds the content; nothing is published) or `archived`.",
        role="state", default="published", choices=DESIRED_STATES,
    ),
    Field(
        "cooldown_ms", "integer", "Minimum time between automatic trigger runs, in milliseconds (>= 1000).",
        wire="cooldownMs", aliases=("cooldownMs",),
    ),
    Field(
        "max_runs", "integer", "Number of automatic runs after which B3OS pauses the workflow (1-99999).",
        wire="maxRuns", aliases=("maxRuns",),
    ),
    Field("visibility", "string", "Who can see or run the workflow.", wire="visibility", choices=VISIBILITIES),
    Field("status", "string", "The server's status: draft, active, paused or archived.", role="computed", wire="status"),
    Field("version", "integer", "The latest version number.", role="computed", wire="version"),
    Field(
        "live_version", "integer",
        "As an input: pin the live content to version N (B3OS rollback copies N's definition into a new "
        "version and it is published; the newer versions stay listed; the declared definition is then not "
        "published). Unset: versions are left alone. As an output: the version that is live, if any.",
    ),
    Field("has_draft", "boolean", "Whether a draft sits on top of the live version.", role="computed", wire="hasDraft"),
    Field("type", "string", "The trigger type of the workflow.", role="computed", wire="type"),
    Field("created_at", "string", "When the workflow was created (RFC 3339).", role="computed", wire="createdAt"),
    Field("updated_at", "string", "When the workflow was last updated (RFC 3339).", role="computed", wire="updatedAt"),
    Field(
        "trigger_secret", "string", "The secret in the workflow's incoming webhook URL.",
        role="computed", wire="triggerSecret", secret=True,
    ),
)  # fmt: skip
