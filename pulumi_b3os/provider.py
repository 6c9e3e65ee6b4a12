"""The dynamic provider behind ``pulumi_b3os.Workflow``: thin mappings onto ``b3os.workflow``.

Pulumi pickles this object into the state by reference (module path + class name), so the
dotted path ``pulumi_b3os.provider.WorkflowProvider`` is permanent API: moving it breaks
refresh and destroy of existing stacks. It has no attributes; credentials and the HTTP client
live in the provider process (``pulumi_b3os._session``).

Method by method:

* ``check``: the local validator (``b3os.definition``) names node and field; preview-time
  unknowns are skipped; the server's validator runs only when the definition differs from the
  previous inputs, so an unchanged preview makes no API call at all.
* ``diff``: the shared ``plan`` of the new inputs against the stored outputs — no API call;
  ``__provider`` is ignored; nothing ever needs a replacement. The Python dynamic-provider
  host cannot send a per-property diff, so the CLI names the changed properties by diffing
  old and new inputs (``[diff: ~definition]``).
* ``check`` of a new resource also looks the name up: a same-named workflow owned by another
  stack, a CLI directory, or nobody fails the preview naming the owner, unless adopted.
* ``create``: read by name (or ``adopt_id``), then the shared plan/apply. Ownership
  (docs/internals.md, "Ownership"): every workflow carries ``pulumi:<project>/<stack>`` in
  ``uiMetadata.b3osIac``; another owner's (or none's) same-named workflow is refused unless
  ``adopt_id``/``adopt_by_name`` takes it over; an archived one of ours (what ``destroy`` leaves)
  or an unowned archived one, and whatever an interrupted ``up`` left (it carries our owner), are
  reused, never duplicated. If anything fails after the workflow was created, it is archived
  again so the next ``up`` starts clean.
* ``update``: the shared ``ensure`` against a fresh read (optimistic locking), full outputs.
* ``read`` (refresh): outputs and inputs from the server. A workflow archived out of band stays
  in the stack with ``status`` "archived" (drift; the next ``up`` unarchives it, keeping its id
  and trigger secret); a workflow that no longer exists (404) is reported gone.
* ``delete``: archives (B3OS's DELETE); already archived or 404 is success; a workflow another
  owner has since adopted is never archived: the delete fails naming that owner.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.runtime import rpc

from b3os.client import Client
from b3os.errors import B3OSError
from b3os.redact import holds_secrets
from b3os.workflow import (
    WorkflowSpec,
    apply,
    ensure,
    outputs_of,
    plan,
    read,
    state_from_outputs,
)
from b3os.workflow.owner import OwnershipError
from b3os.workflow.preview import look_up_name, server_validation
from pulumi_b3os._checks import check_inputs, definition_changed, failure_of
from pulumi_b3os._props import (
    OWNER_KEY,
    PINNED_KEY,
    clean,
    has_unknowns,
    observed_inputs,
    pulumi_outputs,
    spec_of,
)
from pulumi_b3os._session import CONFIG_KEY, CONFIG_URL, session

__all__ = ["WorkflowProvider"]


class WorkflowProvider(ResourceProvider):
    """CRUD for B3OS workflows. Holds nothing: safe to pickle, safe to share across threads."""

    def configure(self, req: ConfigureRequest) -> None:
        session.configure(api_url=req.config.get(CONFIG_URL), api_key=req.config.get(CONFIG_KEY))

    # -- planning (preview) ---------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs, failures = check_inputs(clean(news))
        olds = clean(_olds)
        if not failures and "definition" not in has_unknowns(inputs) and definition_changed(olds, inputs):
            failures += _remote_failures(inputs)
        if not failures and not olds:
            failures += _owner_failures(inputs)
        return CheckResult(inputs, failures)

    def diff(self, id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        news = clean(_news)
        if has_unknowns(news):
            return DiffResult(changes=True, replaces=[], delete_before_replace=False)
        olds = clean(_olds)
        spec = spec_of(news, id=id, adopt_unowned=True)  # in this stack's state: ours
        if spec.live_version is not None:
            if olds.get(PINNED_KEY) != spec.live_version:
                return DiffResult(changes=True, replaces=[], delete_before_replace=False)
            spec = dataclasses.replace(spec, definition=None, live_version=None)  # pinned: content is N's
        the_plan = plan(spec, state_from_outputs({**olds, "id": id}))
        return DiffResult(changes=the_plan.changed, replaces=[], delete_before_replace=False)

    # -- changes (up / destroy) -----------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = clean(props)
        adopt_id = inputs.get("adopt_id")
        adopting = adopt_id is not None or bool(inputs.get("adopt_by_name"))
        spec = spec_of(inputs, id=adopt_id, adopt=adopting)
        client = session.client()
        current = _looked_up(spec) if not adopting else _MISSING
        if current is _MISSING:
            current = read(client, spec)
        the_plan = plan(spec, current)  # OwnershipError (naming the owner) unless ours or adopted
        try:
            result = apply(client, the_plan)
        except B3OSError:
            if current is None or current.status == "archived":
                _archive_half_created(client, spec)
            raise
        assert result.state is not None
        return CreateResult(id_=result.state.id, outs=pulumi_outputs(result.outputs, inputs))

    def update(self, id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = clean(news)
        # In this stack's state: an unowned one is marked ours; another owner's is refused.
        spec = spec_of(inputs, id=id, adopt_unowned=True)
        result = ensure(session.client(), spec, remote_validate=False)
        return UpdateResult(outs=pulumi_outputs(result.outputs, inputs))

    def read(self, id: str, props: dict[str, Any]) -> ReadResult:
        olds = clean(props)
        state = read(session.client(), WorkflowSpec(id=id))
        if state is None:
            return ReadResult(id_="", outs={})  # deleted out of band: gone from the stack
        desired = WorkflowSpec(
            id=id, state=olds.get("state") or "published", definition=olds.get("definition")
        )
        outs = pulumi_outputs(outputs_of(state, desired), olds)
        inputs = observed_inputs(outs)
        if holds_secrets(outs.get("definition")):  # refreshed state keeps such a definition secret
            outs["definition"] = inputs["definition"] = rpc.wrap_rpc_secret(outs["definition"])
        return ReadResult(id_=id, outs=outs, inputs=inputs)

    def delete(self, id: str, _props: dict[str, Any]) -> None:
        # Never archives a workflow another owner took over: OwnershipError names that owner.
        owner = clean(_props).get(OWNER_KEY)
        spec = WorkflowSpec(id=id, state="archived", owner=owner, adopt_unowned=True)
        try:
            ensure(session.client(), spec, remote_validate=False)
        except OwnershipError as exc:
            raise OwnershipError(
                f"{exc} — it was not archived. To drop it from this stack without archiving, "
                "run `pulumi state delete` on its URN",
                workflow_id=exc.workflow_id,
                owner=exc.owner,
            ) from None


def _remote_failures(inputs: dict[str, Any]) -> list[CheckFailure]:
    """The server's validator (``b3os.workflow.preview``); an unreachable API is a warning in the
    preview output, never silent: a silent skip reads as "the server accepted it"."""
    verdict = server_validation(session.client, inputs["definition"], inputs.get("name"))
    if verdict.skipped:
        pulumi.log.warn(verdict.skipped)
    if verdict.refused:
        return [CheckFailure("definition", verdict.refused)]
    return [failure_of(item) for item in verdict.problems]


def _owner_failures(inputs: dict[str, Any]) -> list[CheckFailure]:
    """At preview, before a create: a same-named workflow of another owner (or none) that this
    resource does not adopt is a failure naming the owner — not a surprise during ``up``."""
    name, owner = inputs.get("name"), inputs.get(OWNER_KEY)
    if not isinstance(name, str) or not isinstance(owner, str) or has_unknowns(inputs, ("name", "adopt_id")):
        return []
    if inputs.get("adopt_id") is not None or inputs.get("adopt_by_name"):
        return []
    lookup = look_up_name(session.client, WorkflowSpec(name=name, owner=owner))
    if lookup is None:
        return []
    if lookup.conflict:
        return [CheckFailure("name", f"{lookup.conflict}; or set adopt_by_name=True")]
    _LOOKUPS[(name, owner)] = lookup.state
    return []


# (name, owner) -> what check's name lookup found, for the create that follows in this process
# (the dynamic-provider host serves a program's checks and creates): it does not list the name
# again. Safe although seconds old: b3os.workflow.preview says why. Used once.
_LOOKUPS: dict[tuple[str, str], Any] = {}
_MISSING: Any = object()


def _looked_up(spec: WorkflowSpec) -> Any:
    """The state check's lookup found for this create's name and owner, or ``_MISSING``."""
    if spec.name is None or spec.owner is None or spec.live_version is not None:
        return _MISSING  # a pinned version is read with the state: the lookup did not read it
    return _LOOKUPS.pop((spec.name, spec.owner), _MISSING)


def _archive_half_created(client: Client, spec: WorkflowSpec) -> None:
    """Create failed after the POST: archive what was made, so nothing half-done stays live and
    the next ``up`` reuses it (an archived same-named workflow is unarchived, never duplicated)."""
    try:
        leftover = read(client, spec)
        if leftover is not None and leftover.status != "archived" and leftover.owner == spec.owner:
            client.archive_workflow(leftover.id)
    except B3OSError:
        pass  # the original error is the one worth reporting
