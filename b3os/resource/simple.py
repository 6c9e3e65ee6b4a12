"""``SimpleKind``: read → plan → apply for kinds that are plain CRUD objects plus a few actions.

Connectors, execution webhooks and workflow variables are such kinds: each is its field table
plus a small API adapter (list/get/create/update/delete and its lifecycle actions). Everything
else — lookup by natural key, the diff, write-only fields, create without duplicates after a
transient failure, dry run, outputs — is done here once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from b3os._retry import RETRY_STATUSES
from b3os.errors import ConfigError, ConflictError, NotFoundError, RateLimitError, ServerError, TransportError
from b3os.redact import REDACTED, redact
from b3os.resource import fingerprint
from b3os.resource.fields import Field
from b3os.resource.kind import Kind, Owner
from b3os.resource.lookup import index_by_key, unique_id
from b3os.resource.plan import SENSITIVE, Action, Diff, Plan
from b3os.resource.spec import Spec, State, check_values

if TYPE_CHECKING:
    from b3os.client import Client

__all__ = ["ApplyResult", "SimpleKind", "masked_outputs"]

ABSENT = "absent"


@dataclass(frozen=True)
class ApplyResult:
    """What an apply did (or, with ``dry_run``, would do)."""

    changed: bool
    actions: list[str]
    plan: Any
    state: Any | None
    outputs: dict[str, Any] = field(default_factory=dict, repr=False)  # unmasked: secrets included
    dry_run: bool = False

    @property
    def diff(self) -> Any:
        return self.plan.diff


def masked_outputs(fields: Iterable[Field], outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Outputs as front ends print them: secret fields masked, secret values masked anywhere."""
    secret = {f.name for f in fields if f.secret}
    values = [v for k, v in outputs.items() if k in secret and isinstance(v, str)]
    shown = {k: (REDACTED if k in secret and v not in (None, "") else v) for k, v in outputs.items()}
    masked: dict[str, Any] = redact(shown, values)
    return masked


class SimpleKind(Kind):
    """A kind whose objects are created, updated and deleted as a whole.

    Subclasses set the class attributes and implement the ``api_*`` adapter methods; rows are
    wire dicts (camelCase). ``key_fields`` name the natural key (how an object is found without
    an id); a ``state`` field with ``present``/``absent`` is the lifecycle.
    """

    key_fields: ClassVar[tuple[str, ...]] = ("name",)

    # -- the API adapter ------------------------------------------------------------------------

    def api_list(self, client: Client, spec: Spec) -> Iterable[Mapping[str, Any]]:
        raise NotImplementedError

    def api_get(self, client: Client, id: str, spec: Spec) -> Mapping[str, Any] | None:
        """The row, or ``None`` for a 404."""
        raise NotImplementedError

    def api_create(self, client: Client, body: dict[str, Any], spec: Spec) -> Mapping[str, Any]:
        raise NotImplementedError

    def api_update(
        self, client: Client, id: str, body: dict[str, Any], spec: Spec
    ) -> Mapping[str, Any] | None:
        raise NotImplementedError

    def api_delete(self, client: Client, id: str, spec: Spec) -> None:
        raise NotImplementedError

    def api_action(self, client: Client, id: str, action: Action, spec: Spec) -> Mapping[str, Any] | None:
        """A lifecycle action other than create/update/delete (enable, disable, …)."""
        raise NotImplementedError(action.kind)

    # -- hooks ----------------------------------------------------------------------------------

    def check_spec(self, values: dict[str, Any]) -> dict[str, Any]:
        """Cross-field checks after the per-field ones (raise ``ConfigError``)."""
        return values

    def values_of(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """Field values of one wire row (write-only fields are never on the wire)."""
        values: dict[str, Any] = {}
        for f in self.fields:
            if f.wire is not None and not f.write_only:
                values[f.name] = row.get(f.wire)
        return values

    def key_of_row(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        values = self.values_of(row)
        return tuple(values.get(name) for name in self.key_fields)

    def key_of_spec(self, spec: Spec) -> tuple[Any, ...]:
        return tuple(spec.get(name) for name in self.key_fields)

    def write_only_changed(self, f: Field, spec: Spec, state: State) -> bool:
        """Whether a write-only value must be sent again: by the fingerprint of what was last
        sent when one is known (Pulumi state, the CLI's record); otherwise never (documented)."""
        return fingerprint.matches(spec.get(f.name), state.get(f"{f.name}_fingerprint")) is False

    def lifecycle_actions(self, spec: Spec, state: State | None) -> list[Action]:
        """Actions after create/update that take the object to the desired lifecycle state."""
        return []

    def status_after(self, spec: Spec, state: State | None, actions: list[Action]) -> str | None:
        if any(a.kind == "delete" for a in actions):
            return ABSENT
        return "present" if state is not None or actions else ABSENT

    # -- the contract ---------------------------------------------------------------------------

    def build(self, values: Mapping[str, Any], *, validate: bool = True, owner: Owner | None = None) -> Spec:
        # The server records no owner of these kinds: ownership is the front end's own record.
        checked = check_values(self.name, self.fields, values)
        if checked.get("id") is None and any(checked.get(k) is None for k in self.key_fields):
            keys = " and ".join(repr(k) for k in self.key_fields)
            raise ConfigError(
                f"a {self.name} needs an identity: set {keys} (or 'id' to manage an existing one)"
            )
        return Spec(self.name, self.check_spec(checked))

    def label(self, spec: Any) -> str:
        return f"{self.name} {spec.label}"

    def state_of(self, row: Mapping[str, Any]) -> State:
        return State(str(row["id"]), self.values_of(row), dict(row))

    def read(self, client: Client, spec: Spec) -> State | None:
        if spec.id is not None:
            row = self.api_get(client, spec.id, spec)
            return self.state_of(row) if row is not None else None
        return self.read_many(client, [spec])[0]

    def read_many(self, client: Client, specs: Sequence[Spec]) -> list[State | None]:
        """One listing per scope (the organization; a workflow's variables) for every spec."""
        listings: dict[Any, dict[Any, list[str]]] = {}
        rows: dict[str, Mapping[str, Any]] = {}
        states: list[State | None] = []
        for spec in specs:
            if spec.id is not None:
                states.append(self.read(client, spec))
                continue
            scope = self.list_scope(spec)
            if scope not in listings:
                listed = list(self.api_list(client, spec))
                rows.update({str(r["id"]): r for r in listed if isinstance(r.get("id"), str)})
                listings[scope] = index_by_key(listed, self.key_of_row)
            key = self.key_of_spec(spec)
            found = unique_id(self.name, spec.label, listings[scope].get(key, []))
            states.append(self.state_of(rows[found]) if found is not None else None)
        return states

    def list_scope(self, spec: Spec) -> Any:
        """What one listing covers (specs with the same scope share it)."""
        return None

    def plan(self, spec: Spec, state: State | None) -> Plan:
        desired_state = spec.get("state") or "present"
        actions: list[Action] = []
        if desired_state == ABSENT:
            if state is not None:
                actions.append(Action("delete", reason=f"desired state {ABSENT}"))
        elif state is None:
            if spec.id is not None:
                raise ConfigError(f"{self.name} {spec.id} does not exist (or is not visible to this API key)")
            actions.append(Action("create", self._create_body(spec), f"new {self.name}"))
        else:
            changes = self._changes(spec, state)
            if changes:
                actions.append(Action("update", changes, "differs: " + ", ".join(self._field_names(changes))))
        if desired_state != ABSENT:
            actions.extend(self.lifecycle_actions(spec, state))
        return Plan(
            spec, state, actions, self._diff(spec, state, actions), self.status_after(spec, state, actions)
        )

    def apply(self, client: Client, plan: Plan, *, dry_run: bool = False) -> ApplyResult:
        if dry_run or not plan.actions:
            outputs = self.predicted_outputs(plan) if plan.actions else self.outputs(plan.state, plan.spec)
            return ApplyResult(bool(plan.actions), plan.action_names, plan, plan.state, outputs, dry_run)
        spec, state = plan.spec, plan.state
        sent: dict[str, Any] = {}
        for action in plan.actions:
            if action.kind == "create":
                state = self._create(client, spec, action.fields)
                sent.update(action.fields)
            elif action.kind == "delete":
                assert state is not None
                try:
                    self.api_delete(client, state.id, spec)
                except NotFoundError:
                    pass  # already gone: the desired state holds
                state = None
            elif action.kind == "update":
                assert state is not None
                row = self.api_update(client, state.id, action.fields, spec)
                state = self._merge(state, row)
                sent.update(action.fields)
            else:
                assert state is not None
                state = self._merge(state, self.api_action(client, state.id, action, spec))
        if state is not None:
            state = self._remember_sent(spec, state, sent, plan.state)
        return ApplyResult(True, plan.action_names, plan, state, self.outputs(state, spec))

    def outputs(self, state: Any | None, spec: Any | None = None) -> dict[str, Any]:
        if state is None:
            return {}
        out = {f.name: state.get(f.name) for f in self.fields if f.is_output}
        out["id"] = state.id
        if spec is not None and "state" in out:
            out["state"] = spec.get("state") or "present"
        return out

    def predicted_outputs(self, plan: Plan) -> dict[str, Any]:
        out = self.outputs(plan.state, plan.spec) or {f.name: None for f in self.fields if f.is_output}
        if plan.final_status == ABSENT:
            return {}
        for f in self.fields:
            if f.role in ("content", "key") and f.is_output and plan.spec.get(f.name) is not None:
                out[f.name] = plan.spec.get(f.name)
        return out

    def state_from_outputs(self, outputs: Mapping[str, Any]) -> State | None:
        if not outputs.get("id"):
            return None
        values = {f.name: outputs.get(f.name) for f in self.fields if f.is_output}
        return State(str(outputs["id"]), values)

    def delete(self, client: Client, id: str, *, owner: Owner | None = None) -> None:
        """``pulumi destroy`` (the native provider): the desired state ``absent``; 404 is success."""
        self.ensure(client, Spec(self.name, {"id": id, "state": ABSENT}))

    def carry_over(self, state: State | None, previous: Mapping[str, Any]) -> State | None:
        """Computed values the API never returns again (a signing secret, a fingerprint of what
        was sent), taken from the outputs a front end recorded; the read state wins otherwise."""
        if state is None:
            return None
        values = dict(state.values)
        for f in self.fields:
            if f.role == "computed" and values.get(f.name) is None and previous.get(f.name) is not None:
                values[f.name] = previous[f.name]
        return State(state.id, values, state.wire)

    # -- internals ------------------------------------------------------------------------------

    def _field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def _field_names(self, body: Mapping[str, Any]) -> list[str]:
        by_wire = {f.wire: f.name for f in self.fields if f.wire}
        return [by_wire.get(k, k) for k in body]

    def _managed(self, spec: Spec) -> list[Field]:
        """Fields the spec manages: content, plus the key when the identity is the id."""
        fields = []
        for f in self.fields:
            if f.wire is None or spec.get(f.name) is None:
                continue
            if f.role == "content" or (f.role == "key" and spec.id is not None):
                fields.append(f)
        return fields

    def _create_body(self, spec: Spec) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for f in self.fields:
            if f.role not in ("key", "content") or f.wire is None:
                continue
            value = spec.get(f.name)
            if value is None and f.required:
                raise ConfigError(f"{self.label(spec)} does not exist yet: '{f.name}' is needed to create it")
            if value is not None:
                body[f.wire] = value
        return body

    def _changes(self, spec: Spec, state: State) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for f in self._managed(spec):
            desired = spec.get(f.name)
            assert f.wire is not None
            if f.write_only:
                if self.write_only_changed(f, spec, state):
                    changes[f.wire] = desired
            elif not f.same(desired, state.get(f.name)):
                changes[f.wire] = desired
        return changes

    def _diff(self, spec: Spec, state: State | None, actions: list[Action]) -> Diff:
        sent = {k for a in actions for k in a.fields}
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for f in self._managed(spec) if spec.get("state") != ABSENT else []:
            desired = spec.get(f.name)
            if f.write_only:
                before[f.name] = SENSITIVE if state is not None else None
                after[f.name] = SENSITIVE if f.wire in sent else before[f.name]
                continue
            actual = state.get(f.name) if state is not None else None
            if f.secret:
                actual, desired = (SENSITIVE if actual is not None else None), SENSITIVE
            before[f.name], after[f.name] = actual, desired
        before["state"] = "present" if state is not None else ABSENT
        after["state"] = self.status_after(spec, state, actions)
        for action in actions:
            if action.kind not in ("create", "update", "delete"):
                before[action.kind], after[action.kind] = None, action.reason or action.kind
        # A write-only value shows as (sensitive) before and after: sending it is the change.
        resent = {f.name for f in self.fields if f.write_only and f.wire in sent}
        changed = [k for k in after if before.get(k) != after.get(k) or k in resent]
        return Diff(before, after, list(dict.fromkeys(changed)))

    def _create(self, client: Client, spec: Spec, body: dict[str, Any]) -> State:
        """Create, surviving transient failures without a duplicate: the API has no idempotency
        key, so after a failure that may have landed, the natural key is looked up. What is found
        is adopted only when it holds exactly the declared content (what this run's own lost
        POST would have made); anything else is a conflict, and nothing is touched."""
        budget = client.retry_budget()  # one budget for every attempt, Retry-After included
        attempt = 0
        while True:
            attempt += 1
            try:
                return self.state_of(self.api_create(client, body, spec))
            except (RateLimitError, ServerError, TransportError) as exc:
                transient = not isinstance(exc, ServerError) or exc.status_code in RETRY_STATUSES
                if not transient:
                    raise
                landed = self.read_many(client, [Spec(spec.kind, {**spec.values, "id": None})])[0]
                if landed is not None:
                    if self._changes(spec, landed):
                        raise ConflictError(
                            f"{self.label(spec)} appeared with other content while it was being created "
                            f"({landed.id}); nothing was changed: re-run to plan against it",
                            status_code=409,
                        ) from exc
                    return landed
                if not client.backoff(attempt, getattr(exc, "retry_after", None), budget=budget):
                    raise budget.give_up(exc) from None

    def _merge(self, state: State, row: Mapping[str, Any] | None) -> State:
        if row is None or not isinstance(row.get("id"), str):
            return state
        fresh = self.state_of(row)
        values = {**state.values, **{k: v for k, v in fresh.values.items() if v is not None}}
        return State(fresh.id, values, fresh.wire)

    def _remember_sent(
        self, spec: Spec, state: State, sent: Mapping[str, Any], before: State | None
    ) -> State:
        if before is not None:  # computed values the API returns only once (a signing secret)
            state = self.carry_over(state, before.values) or state
        values = dict(state.values)
        for f in self.fields:
            if f.write_only and f.wire is not None and f.wire in sent:
                values[f"{f.name}_fingerprint"] = fingerprint.fingerprint(sent[f.wire])
        return State(state.id, values, state.wire)
