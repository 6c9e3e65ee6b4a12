"""Apply: execute a plan against B3OS, with optimistic locking, and report what happened.

Every write that depends on what was read carries the version it was read at
(``expectedCurrentVersion`` on update, ``expectedVersion`` on publish), so an edit made by
someone else in between gives a clear conflict instead of being silently overwritten.

Partial failure rule: identity is by name (or id), so a run that dies after ``create`` and
before ``publish`` leaves a same-named draft, carrying our owner marker, that the next apply
reads as its own and publishes — it never creates a second workflow. B3OS cannot publish into
``paused``: a run killed between publish and pause leaves the workflow active for that moment,
and the next plan's first action is the ``pause``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from b3os._pool import DEFAULT_PARALLELISM, pool_map, validation_parallelism
from b3os._retry import RETRY_STATUSES
from b3os.client import Client
from b3os.errors import (
    B3OSError,
    ConflictError,
    DefinitionError,
    NotFoundError,
    RateLimitError,
    ServerError,
    TransportError,
)
from b3os.models import ValidationItem, Workflow, WorkflowListItem
from b3os.redact import redact
from b3os.workflow.converge import earlier_row, live_named, live_named_many
from b3os.workflow.outputs import outputs_of, predicted_outputs
from b3os.workflow.owner import marked, new_nonce, nonce_of
from b3os.workflow.plan import Action, ActionKind, Plan, WorkflowDiff, plan
from b3os.workflow.spec import WorkflowSpec
from b3os.workflow.state import WorkflowState, read, state_of

__all__ = [
    "ApplyResult",
    "CreateConflictError",
    "apply",
    "apply_many",
    "ensure",
    "validate_on_server",
    "validate_plans",
    "validate_remotely",
]


@dataclass(frozen=True)
class ApplyResult:
    """What an apply did (or, with ``dry_run``, would do)."""

    changed: bool
    actions: list[str]
    plan: Plan
    state: WorkflowState | None  # the state after apply (the state read, in a dry run)
    # outputs_of(state): trigger_secret included, so kept out of repr (use .workflow to print)
    outputs: dict[str, Any] = field(default_factory=dict, repr=False)
    dry_run: bool = False

    @property
    def diff(self) -> WorkflowDiff:
        return self.plan.diff

    @property
    def workflow(self) -> dict[str, Any]:
        """The workflow as front ends print it: outputs with every secret masked."""
        masked: dict[str, Any] = redact(self.outputs, [self.outputs.get("trigger_secret")])
        return masked


def validate_on_server(client: Client, spec: WorkflowSpec) -> None:
    """The server's validator on the spec's definition; raise ``DefinitionError`` if it refuses."""
    if spec.definition is None:
        return
    try:
        result = client.validate_definition(spec.definition, name=spec.name or "Untitled")
    except NotFoundError:
        return  # a server without /validate: the local validator already ran
    if not result.valid:
        items = list(result.errors) or [ValidationItem(message="the server rejected the definition")]
        raise DefinitionError(items)


def validate_remotely(client: Client, plan: Plan) -> None:
    """Ask the server's validator about a definition this plan would send; raise before any write."""
    if plan.sends_definition:
        validate_on_server(client, plan.spec)


def validate_plans(client: Client, plans: Iterable[Plan], *, parallelism: int = DEFAULT_PARALLELISM) -> None:
    """The server's validator on every definition these plans would send, before any write: the
    one validation phase of ``b3os apply`` and of the bulk Ansible module.

    Validations have no side effects, so they run ``validation_parallelism(parallelism)`` at a
    time (twice the writes' bound); each distinct (name, definition) is sent once per call (the
    server's answer depends on nothing else). The first refusal in the plans' order is raised as
    ``DefinitionError`` (validations not started yet are then not sent)."""
    distinct: dict[tuple[str, str], WorkflowSpec] = {}
    for the_plan in plans:
        spec = the_plan.spec
        if the_plan.sends_definition and spec.definition is not None:
            key = (spec.name or "Untitled", json.dumps(spec.definition, sort_keys=True, default=str))
            distinct.setdefault(key, spec)
    pool_map(
        lambda spec: validate_on_server(client, spec),
        list(distinct.values()),
        validation_parallelism(parallelism),
    )


def ensure(
    client: Client, spec: WorkflowSpec, *, dry_run: bool = False, remote_validate: bool = True
) -> ApplyResult:
    """Read, plan and apply in one call: what Ansible, the CLI and Pulumi's create/update use."""
    current = read(client, spec)
    the_plan = plan(spec, current)
    if remote_validate:
        validate_remotely(client, the_plan)
    return apply(client, the_plan, dry_run=dry_run)


def apply(client: Client, plan: Plan, *, dry_run: bool = False) -> ApplyResult:
    """Execute ``plan`` (or only predict its result with ``dry_run``)."""
    if dry_run or not plan.actions:
        outputs = predicted_outputs(plan) if plan.actions else outputs_of(plan.state, plan.spec)
        return ApplyResult(bool(plan.actions), plan.action_names, plan, plan.state, outputs, dry_run)
    run = _Run(client, plan)
    for action in plan.actions:
        run.execute(action)
        if action.kind is ActionKind.CREATE:
            run.converge(live_named(client, action.fields["name"]))
    return run.result()


def apply_many(
    client: Client,
    plans: Sequence[Plan],
    *,
    parallelism: int = DEFAULT_PARALLELISM,
    on_done: Callable[[int, ApplyResult | B3OSError], None] | None = None,
) -> list[ApplyResult | B3OSError]:
    """Apply independent plans ``parallelism`` at a time: each one's result, or the error that
    stopped it, in input order; ``on_done(index, outcome)`` as each finishes (from its worker).

    The writes of each workflow are those of ``apply``, in the same order, in three phases: every
    plan up to its create (all of a plan without one), then one read settles all the creates
    against concurrent creators (``b3os.workflow.converge``: one scan of the organization's live
    workflows instead of a search per name), then the rest of each created plan (publish,
    pause). A create then costs the round trips of a create and a publish, like a hand-written
    parallel loop, plus the few pages of that scan for the whole batch."""
    runs = [_Run(client, p) for p in plans]
    creates = [next((i for i, a in enumerate(p.actions) if a.kind is ActionKind.CREATE), -1) for p in plans]
    results: list[ApplyResult | B3OSError | None] = [None] * len(plans)

    def finish(index: int, outcome: ApplyResult | B3OSError) -> None:
        results[index] = outcome
        if on_done is not None:
            on_done(index, outcome)

    def run_actions(index: int, actions: Sequence[Action]) -> bool:
        try:
            for action in actions:
                runs[index].execute(action)
        except B3OSError as exc:
            finish(index, exc)
            return False
        return True

    def until_create(index: int) -> bool:
        """True: created, waiting for the converge; else finished (ok or not)."""
        actions, cut = plans[index].actions, creates[index]
        if cut < 0:
            if not actions:
                finish(index, apply(client, plans[index]))
            elif run_actions(index, actions):
                finish(index, _result(runs[index]))
            return False
        return run_actions(index, actions[: cut + 1])

    created = [
        i for i, waiting in enumerate(pool_map(until_create, range(len(plans)), parallelism)) if waiting
    ]
    names = {i: plans[i].actions[creates[i]].fields["name"] for i in created}
    try:
        rows = live_named_many(client, names.values(), parallelism=parallelism)
    except B3OSError as exc:
        for index in created:
            finish(index, exc)
        return [r for r in results if r is not None]

    def settle_and_finish(index: int) -> None:
        try:
            runs[index].converge(rows.get(names[index], []))
        except B3OSError as exc:
            finish(index, exc)
            return
        if run_actions(index, plans[index].actions[creates[index] + 1 :]):
            finish(index, _result(runs[index]))

    pool_map(settle_and_finish, created, parallelism)
    return [r for r in results if r is not None]  # every index finished above


def _result(run: _Run) -> ApplyResult | B3OSError:
    try:
        return run.result()
    except B3OSError as exc:  # the final re-read, when a response carried no row
        return exc


class _Run:
    """The workflow as the writes go: its id, the version to lock on, and the rows seen."""

    def __init__(self, client: Client, plan: Plan) -> None:
        self.client = client
        self.plan = plan
        state = plan.state
        self.id: str | None = state.id if state else None
        self.version: int | None = state.version if state else None
        self.latest: dict[str, Any] | None = state.wire if state else None
        self.live: dict[str, Any] | None = state.live_wire if state else None
        self.stale = False  # a response without a workflow row: re-read at the end

    def execute(self, action: Action) -> None:
        try:
            self._execute(action)
        except CreateConflictError:
            raise
        except ConflictError as exc:
            raise ConflictError(
                f"workflow {self.id or self.plan.spec.label} was changed by someone else since it was read "
                f"({action.kind.value} expected version {self.version}); nothing was overwritten: "
                f"re-run to plan against its current state. Server said: {exc.message}",
                status_code=exc.status_code,
                code=exc.code,
                details=exc.details,
                request_id=exc.request_id,
                method=exc.method,
                path=exc.path,
            ) from exc

    def _execute(self, action: Action) -> None:
        c, kind = self.client, action.kind
        if kind is ActionKind.CREATE:
            self._create(action.fields)
            return
        assert self.id is not None, "every action but create acts on an existing workflow"
        if kind is ActionKind.UPDATE:
            f = action.fields
            row = c.update_workflow(
                self.id,
                name=f.get("name"),
                description=f.get("description"),
                definition=f.get("definition"),
                cooldown_ms=f.get("cooldownMs"),
                max_runs=f.get("maxRuns"),
                expected_current_version=self.version,
            )
            self._saw(row, live=row.status in ("active", "paused"))
        elif kind is ActionKind.PUBLISH:
            self._saw(c.publish(self.id, expected_version=self.version), live=True)
        elif kind is ActionKind.UNARCHIVE:
            self.live = None
            self._saw(c.unarchive_workflow(self.id), live=False)
        elif kind is ActionKind.PAUSE:
            self._saw(c.pause(self.id), live=True)
        elif kind is ActionKind.RESUME:
            self._saw(c.resume(self.id), live=True)
        elif kind is ActionKind.DISCARD_DRAFT:
            self._saw(c.discard_draft(self.id), live=True)
        elif kind is ActionKind.ARCHIVE:
            self.live = None
            self._saw(c.archive_workflow(self.id), live=False)
        elif kind is ActionKind.ADOPT:
            self._adopt(action.fields["owner"])
        elif kind is ActionKind.ROLLBACK:
            row = c.rollback(self.id, action.fields["targetVersion"], expected_current_version=self.version)
            self._saw(row, live=False)
        elif kind is ActionKind.SET_VISIBILITY:
            c.set_visibility(self.id, action.fields["visibility"])
            self.stale = True

    def _adopt(self, owner: str) -> None:
        """Set our owner marker in ``uiMetadata`` (in place: no new version)."""
        assert self.id is not None
        current = dict(self.latest or {})
        meta = marked(current.get("uiMetadata"), owner)
        self.client.set_ui_metadata(self.id, meta, expected_current_version=self.version)
        current["uiMetadata"] = meta
        self.latest = current
        if self.live is not None:
            self.live = {**self.live, "uiMetadata": meta}

    def _create(self, f: dict[str, Any]) -> None:
        """Create, surviving transient failures and concurrent creators without ever leaving a
        duplicate.

        The client never retries ``POST /v1/workflows`` (it cannot tell whether a failed attempt
        landed). Each POST carries our owner marker and a nonce of this run. After a
        429/5xx-retryable/transport failure we look the name up: a row with our nonce means our
        attempt landed (take it); another live row with the name is someone else's — a clear
        conflict, nothing published; no row means it did not land (create again, after the same
        backoff the client uses). After the create, ``converge`` settles a concurrent creator.
        """
        c = self.client
        budget = c.retry_budget()  # one budget for every attempt, Retry-After included
        owner, nonce = self.plan.spec.owner, new_nonce()
        attempt = 0
        while True:
            attempt += 1
            try:
                row = c.create_workflow(
                    f["name"], f.get("description", ""), f["definition"],
                    cooldown_ms=f.get("cooldownMs"), max_runs=f.get("maxRuns"),
                    ui_metadata=marked(None, owner, nonce),
                )  # fmt: skip
            except (RateLimitError, ServerError, TransportError) as exc:
                transient = not isinstance(exc, ServerError) or exc.status_code in RETRY_STATUSES
                if not transient:
                    raise
                landed = self._landed(f["name"], nonce)
                if landed is not None:
                    self.id, self.version = landed.id, landed.version
                    self.latest, self.live = landed.wire, landed.live_wire
                    return
                if not c.backoff(attempt, getattr(exc, "retry_after", None), budget=budget):
                    raise budget.give_up(exc) from None
                continue
            self._saw(row, live=False)
            return

    def _landed(self, name: str, nonce: str) -> WorkflowState | None:
        """After a failed POST: the row our own attempt made (our nonce), or ``None`` if nothing
        with the name exists; ``ConflictError`` if only someone else's workflow has it."""
        for item in live_named(self.client, name):
            state = read(self.client, WorkflowSpec(id=item.id))
            if state is not None and nonce_of(state.wire) == nonce:
                return state
        others = live_named(self.client, name)
        if others:
            raise _conflict(
                name,
                f"a create attempt failed and a workflow with that name appeared meanwhile ({others[0].id}) "
                "that this run did not create; it was not taken over and nothing was published",
            )
        return None

    def converge(self, rows: Iterable[WorkflowListItem]) -> None:
        """Right after our create: given the live rows with its name, read after it, either ours
        stays or it is a later copy of a concurrent creator's, which archives itself and reports
        a conflict (nothing else is written for it). The rule: ``b3os.workflow.converge``."""
        assert self.id is not None
        name = self.plan.spec.name or self.id
        first = earlier_row(rows, self.id)
        if first is None:
            return
        try:
            self.client.archive_workflow(self.id)
        except B3OSError:
            pass  # the conflict below is what to report; the next plan shows the leftover
        raise _conflict(
            name,
            f"another run created it at the same time ({first.id}); this run's copy ({self.id}) was archived "
            "and nothing else was written for it. Re-run to plan against the one that stayed",
        )

    def _saw(self, row: Workflow | None, *, live: bool) -> None:
        """Track the rows the server answered with, to build the final state without re-reading."""
        if row is None:
            self.stale = True
            return
        wire = row.model_dump(by_alias=True, exclude_none=True, mode="json")
        self.id = row.id
        self.version = row.version
        self.latest = wire
        if live:
            self.live = wire

    def final_state(self) -> WorkflowState | None:
        assert self.id is not None
        if self.stale or self.latest is None:
            return read(self.client, WorkflowSpec(id=self.id))
        return state_of(self.latest, self.live)

    def result(self) -> ApplyResult:
        final = self.final_state()
        return ApplyResult(True, self.plan.action_names, self.plan, final, outputs_of(final, self.plan.spec))


class CreateConflictError(ConflictError):
    """A create met another creator of the same name (a race, or a create retry that found a
    workflow this run did not make): nothing more was written for this workflow."""


def _conflict(name: str, text: str) -> ConflictError:
    return CreateConflictError(f"workflow {name!r}: {text}", status_code=409)
