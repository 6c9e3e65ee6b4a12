"""Many declared objects of any kinds at once: read → plan → apply, in dependency order, in parallel.

* Reads are one listing per kind (and scope) plus per-object GETs; the plan is pure.
* Writes of independent objects run with bounded concurrency (``parallelism``, default 10, like
  ``terraform -parallelism``); each object's own actions stay in order, and kinds are applied in
  registry order (connectors and webhooks before the workflows that use them, variables after
  their workflows).
* A kind applies its objects through ``Kind.apply_many``, which may share reads between them
  (workflows: one read settles every create against concurrent creators).
* One object's failure does not stop the others: every outcome is reported. What depends on a
  failed object is skipped and says why.
* Results come back in the order the objects were declared, whatever order they finished in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from b3os._pool import DEFAULT_PARALLELISM, pool_map
from b3os.errors import B3OSError, ConfigError
from b3os.resource.references import connector_names, resolve_connectors

if TYPE_CHECKING:
    from b3os.client import Client
    from b3os.resource.files import Declared

__all__ = ["DEFAULT_PARALLELISM", "FleetError", "Outcome", "Planned", "apply_all", "plan_all"]


@dataclass
class Planned:
    """One declared object and its plan; ``waits_for``: connector names created earlier in the run."""

    declared: Declared
    plan: Any
    waits_for: tuple[str, ...] = ()

    @property
    def path(self) -> Path:
        return self.declared.path


@dataclass
class Outcome:
    planned: Planned
    result: Any | None = None
    error: B3OSError | None = None
    skipped: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return self.error is None and self.skipped is None


class FleetError(B3OSError):
    """Some objects of a many-object apply failed; ``outcomes`` holds every one, in order.
    The message lists each failure and counts what was applied, so a re-run is known to be safe."""

    def __init__(self, outcomes: Sequence[Outcome]) -> None:
        self.outcomes = list(outcomes)
        failed = [o for o in self.outcomes if not o.ok]
        applied = sum(1 for o in self.outcomes if o.ok and o.planned.plan.changed)
        lines = [f"{_label(o)}: {o.skipped or o.error}" for o in failed]
        super().__init__(
            f"{len(failed)} of {len(self.outcomes)} failed ({applied} applied, the rest unchanged or not "
            "written); re-running is safe:\n  " + "\n  ".join(lines)
        )


def _label(outcome: Outcome) -> str:
    declared = outcome.planned.declared
    return declared.kind.label(declared.spec)


def _connector_ids(
    client: Client, declared: Sequence[Declared], states: dict[int, Any]
) -> dict[str, str | None]:
    """Connector names → ids: declared ones (``None`` until created), then the organization's."""
    ids: dict[str, str | None] = {}
    needed: set[str] = set()
    for item in declared:
        if item.kind.name == "workflow":
            needed.update(connector_names(item.spec.definition).values())
    if not needed:
        return ids
    for index, item in enumerate(declared):
        if item.kind.name == "connector":
            state = states.get(index)
            ids[str(item.spec.get("name"))] = state.id if state is not None else None
    if needed - set(ids):
        for connector in client.connectors.iter():
            if connector.name is not None:
                ids.setdefault(connector.name, connector.id)
    return ids


def _with_connectors(item: Declared, ids: dict[str, str | None]) -> tuple[Declared, tuple[str, ...]]:
    names = connector_names(item.spec.definition) if item.kind.name == "workflow" else {}
    if not names:
        return item, ()
    definition = resolve_connectors(item.spec.definition, ids, source=str(item.path))
    waits = tuple(sorted({name for name in names.values() if ids.get(name) is None}))
    return dataclasses.replace(item, spec=dataclasses.replace(item.spec, definition=definition)), waits


def plan_all(
    client: Client,
    declared: Sequence[Declared],
    *,
    parallelism: int = DEFAULT_PARALLELISM,
    validate: Callable[[Client, Sequence[Any], int], None] | None = None,
) -> list[Planned]:
    """Read and plan every declared object (no writes); ``validate(client, plans, parallelism)``
    runs the server's checks on the plans that would send content, before anything is written
    (for workflows: ``b3os.workflow.apply.validate_plans``, which runs them at twice
    ``parallelism`` and sends each distinct definition once)."""
    states: dict[int, Any] = {}
    by_kind: dict[str, list[int]] = {}
    for index, item in enumerate(declared):
        by_kind.setdefault(item.kind.name, []).append(index)
    for indexes in by_kind.values():
        kind = declared[indexes[0]].kind
        found = kind.read_many(client, [declared[i].spec for i in indexes])
        states.update(zip(indexes, found, strict=True))
    ids = _connector_ids(client, declared, states)
    planned: list[Planned] = []
    errors: list[B3OSError] = []
    for index, item in enumerate(declared):
        resolved, waits = _with_connectors(item, ids)
        try:
            planned.append(Planned(resolved, resolved.kind.plan(resolved.spec, states[index]), waits))
        except B3OSError as exc:  # e.g. owned elsewhere: every such object is reported, none written
            errors.append(ConfigError(f"{item.path}: {exc}") if isinstance(exc, ConfigError) else exc)
    if errors:
        from b3os.resource.files import FileErrors

        raise errors[0] if len(errors) == 1 else FileErrors(errors)
    if validate is not None:
        validate(client, [p.plan for p in planned if not p.waits_for and p.plan.changed], parallelism)
    return planned


def apply_all(
    client: Client,
    planned: Sequence[Planned],
    *,
    parallelism: int = DEFAULT_PARALLELISM,
    on_done: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Apply every plan, kind by kind in registry order, objects of one kind in parallel.

    ``on_done(outcome)`` is called as each object finishes, in completion order, from the worker
    thread that applied it (so possibly from several threads at once: it must be thread-safe);
    the returned list is in declared order whatever the completion order."""
    from b3os.kinds import KINDS

    outcomes: dict[int, Outcome] = {}
    failed: set[tuple[str, str]] = set()  # (kind name, natural name) of what failed or was skipped
    created: dict[str, str] = {}  # connector name → id, for workflows waiting on it

    def done(index: int, outcome: Outcome) -> None:
        outcomes[index] = outcome
        if on_done is not None:
            on_done(outcome)  # as each object finishes (a progress display), from its worker thread

    def prepare(index: int) -> Planned | None:
        """The plan to apply, or ``None`` when the object is done already (skipped, or its
        re-plan against connectors created in this run failed)."""
        item = planned[index]
        blocked = _blocked_by(item, failed)
        if blocked is not None:
            done(index, Outcome(item, skipped=f"not applied: it depends on {blocked}, which was not applied"))
            return None
        if not item.waits_for:
            return item
        try:
            return _replan(client, item, created)
        except B3OSError as exc:
            done(index, Outcome(item, error=exc))
            return None

    for kind in KINDS:
        indexes = [i for i, p in enumerate(planned) if p.declared.kind.name == kind.name]
        ready = [(i, p) for i, p in zip(indexes, pool_map(prepare, indexes, parallelism), strict=True) if p]

        def applied(position: int, result: Any, ready: list[tuple[int, Planned]] = ready) -> None:
            index, item = ready[position]
            if isinstance(result, B3OSError):
                done(index, Outcome(item, error=result))
            else:
                done(index, Outcome(item, result=result, outputs=dict(result.outputs)))

        kind.apply_many(client, [p.plan for _, p in ready], parallelism=parallelism, on_done=applied)
        for index in indexes:
            outcome = outcomes[index]
            name = _natural_name(outcome.planned)
            if not outcome.ok:
                failed.add((kind.name, name))
            elif kind.name == "connector" and outcome.result is not None and outcome.result.state is not None:
                created[name] = outcome.result.state.id
    return [outcomes[i] for i in range(len(planned))]


def _natural_name(item: Planned) -> str:
    spec = item.declared.spec
    name = spec.get("name") if hasattr(spec, "get") else getattr(spec, "name", None)
    return str(name if name is not None else getattr(spec, "id", ""))


def _blocked_by(item: Planned, failed: set[tuple[str, str]]) -> str | None:
    for name in item.waits_for:
        if ("connector", name) in failed:
            return f"connector {name!r}"
    if item.declared.kind.name == "workflow_variable":
        workflow = str(item.declared.spec.get("workflow"))
        if ("workflow", workflow) in failed:
            return f"workflow {workflow!r}"
    return None


def _replan(client: Client, item: Planned, created: dict[str, str]) -> Planned:
    """A workflow that used connectors created in this run: now that their ids are known, read
    and plan it again against the resolved definition."""
    declared = item.declared
    ids: dict[str, str | None] = dict(created)
    definition = resolve_connectors(declared.spec.definition, ids, source=str(declared.path))
    spec = dataclasses.replace(declared.spec, definition=definition)
    kind = declared.kind
    return Planned(dataclasses.replace(declared, spec=spec), kind.plan(spec, kind.read(client, spec)))
