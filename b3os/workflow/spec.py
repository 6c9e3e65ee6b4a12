"""The desired state of one workflow, as every front end declares it.

A ``WorkflowSpec`` is built from user input once (``WorkflowSpec.build``), and every check that
can fail on bad input happens there, before any request: a bad spec raises ``ConfigError`` (or
``DefinitionError`` for the definition) naming the field and the fix.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Literal

from b3os.definition import check_definition, load_definition
from b3os.errors import ConfigError
from b3os.workflow.owner import check_owner_string

__all__ = ["DESIRED_STATES", "STATE_ALIASES", "VISIBILITIES", "DesiredState", "WorkflowSpec"]

DesiredState = Literal["draft", "published", "paused", "archived"]
DESIRED_STATES: tuple[DesiredState, ...] = ("draft", "published", "paused", "archived")
# Front-end vocabularies map onto the four states: present/absent (a kubernetes.core user reads
# "present" as "live", so present = published everywhere; draft is explicit), B3OS's own "active".
STATE_ALIASES: dict[str, DesiredState] = {"present": "published", "absent": "archived", "active": "published"}
VISIBILITIES = ("private", "org", "public_view", "public_execute")

NAME_MAX = 255
DESCRIPTION_MAX = 2000
COOLDOWN_MIN_MS = 1000
MAX_RUNS_RANGE = (1, 99999)
# Real definitions are a few KB (10,000 nodes at ~100 bytes is 1 MB); anything bigger is data
# pasted by mistake, and would be sent (and printed in diffs) on every plan.
DEFINITION_MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class WorkflowSpec:
    """What the user wants. ``None`` means "not managed": the server's value is left alone."""

    name: str | None = None
    id: str | None = None
    description: str | None = None
    definition: dict[str, Any] | None = None
    state: DesiredState = "published"
    cooldown_ms: int | None = None
    max_runs: int | None = None
    visibility: str | None = None
    # Ownership (docs/internals.md, "Ownership"): set by the front end, never content.
    owner: str | None = None  # None: the Python API without an owner — no ownership rules
    adopt: bool = False  # take it over from any owner (an explicit adopt)
    adopt_unowned: bool = False  # take over a workflow without owner (Ansible by name; our own state)
    recorded: bool = False  # the id came from the owner's record: if it is gone, look up by name
    live_version: int | None = None  # pin: the live content is version N's

    @classmethod
    def build(
        cls,
        *,
        name: str | None = None,
        id: str | None = None,
        description: str | None = None,
        definition: dict[str, Any] | str | os.PathLike[str] | None = None,
        state: str | None = "published",
        cooldown_ms: int | None = None,
        max_runs: int | None = None,
        visibility: str | None = None,
        live_version: int | None = None,
        owner: str | None = None,
        adopt: bool = False,
        adopt_unowned: bool = False,
        validate: bool = True,
    ) -> WorkflowSpec:
        """Check and normalise user input; raise before anything is sent."""
        if id is None and name is None:
            raise ConfigError("a workflow needs an identity: set 'name' (or 'id' to manage an existing one)")
        if id is not None and (not isinstance(id, str) or not id.startswith("wf_")):
            raise ConfigError(f"id {id!r} is not a workflow id: B3OS workflow ids look like 'wf_…'")
        if name is not None:
            if not isinstance(name, str) or not name.strip():
                raise ConfigError("name must be a non-empty string")
            if len(name) > NAME_MAX:
                raise ConfigError(f"name is {len(name)} characters long; B3OS allows at most {NAME_MAX}")
        if description is not None:
            if not isinstance(description, str):
                raise ConfigError("description must be a string")
            if len(description) > DESCRIPTION_MAX:
                size, limit = len(description), DESCRIPTION_MAX
                raise ConfigError(f"description is {size} characters long; B3OS allows at most {limit}")
        desired = _desired_state(state)
        if cooldown_ms is not None and (_not_int(cooldown_ms) or cooldown_ms < COOLDOWN_MIN_MS):
            raise ConfigError(f"cooldown_ms must be an integer >= {COOLDOWN_MIN_MS} (milliseconds)")
        low, high = MAX_RUNS_RANGE
        if max_runs is not None and (_not_int(max_runs) or not low <= max_runs <= high):
            raise ConfigError(f"max_runs must be an integer from {low} to {high}")
        if visibility is not None and visibility not in VISIBILITIES:
            raise ConfigError(f"visibility {visibility!r} is not one of {', '.join(VISIBILITIES)}")
        if live_version is not None and (_not_int(live_version) or live_version < 1):
            raise ConfigError("live_version must be a version number (an integer >= 1)")
        if live_version is not None and desired in ("draft", "archived"):
            raise ConfigError(
                f"live_version pins the live version: it needs state published or paused, not {desired}"
            )
        owner = check_owner_string(owner)
        loaded = _load(definition) if definition is not None else None
        if loaded is not None:
            _check_size(loaded)
        if loaded is not None and validate:
            check_definition(loaded)
        return cls(
            name=name,
            id=id,
            description=description,
            definition=loaded,
            state=desired,
            cooldown_ms=cooldown_ms,
            max_runs=max_runs,
            visibility=visibility,
            owner=owner,
            adopt=bool(adopt),
            adopt_unowned=bool(adopt_unowned),
            live_version=live_version,
        )

    @property
    def label(self) -> str:
        """How messages name this workflow (by name when the id only came from the owner's record)."""
        if self.recorded and self.name is not None:
            return repr(self.name)
        return self.id or repr(self.name)


def _load(definition: dict[str, Any] | str | os.PathLike[str]) -> dict[str, Any]:
    try:
        return load_definition(definition)
    except ConfigError as exc:
        if str(exc).startswith("definition"):
            raise
        raise ConfigError(f"definition: {exc}") from None  # say which field "<text>" was


def _check_size(definition: dict[str, Any]) -> None:
    # Never raises on values JSON cannot carry (lone surrogates, odd keys, deep nesting):
    # the validator reports those, naming the field.
    try:
        text = json.dumps(definition, separators=(",", ":"), ensure_ascii=False, default=str, skipkeys=True)
    except RecursionError:
        return
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > DEFINITION_MAX_BYTES:
        raise ConfigError(
            f"definition is {size:,} bytes of JSON; at most {DEFINITION_MAX_BYTES:,} are accepted: "
            "keep large data (lists, documents, payload samples) out of the definition"
        )


def _not_int(value: object) -> bool:
    return isinstance(value, bool) or not isinstance(value, int)


def _desired_state(state: str | None) -> DesiredState:
    if state is None:
        return "published"
    if not isinstance(state, str):
        raise ConfigError(f"state must be a string, one of {', '.join(DESIRED_STATES)}")
    key = state.strip().lower()
    if key in DESIRED_STATES:
        return key
    if key in STATE_ALIASES:
        return STATE_ALIASES[key]
    choices = ", ".join([*DESIRED_STATES, *STATE_ALIASES])
    raise ConfigError(f"state {state!r} is not valid: use one of {choices}")
