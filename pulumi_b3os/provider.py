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
* ``create``: read by name (or ``adopt_id``), then the shared plan/apply. A same-named
  workflow with other content is refused unless ``adopt_id``/``adopt_by_name`` says to take it
  over; an archived one (what ``destroy`` leaves) or one that already holds the declared content
  (what an interrupted ``up`` leaves) is reused, never duplicated. If anything fails after the
  workflow was created, it is archived again so the next ``up`` starts clean.
* ``update``: the shared ``ensure`` against a fresh read (optimistic locking), full outputs.
* ``read`` (refresh): outputs and inputs from the server. A workflow archived out of band stays
  in the stack with ``status`` "archived" (drift; the next ``up`` unarchives it, keeping its id
  and trigger secret); a workflow that no longer exists (404) is reported gone.
* ``delete``: archives (B3OS's DELETE); already archived or 404 is success.
"""

from __future__ import annotations

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
from b3os.errors import B3OSError, ConfigError, NotFoundError, TransportError
from b3os.models import ValidationItem
from b3os.redact import holds_secrets
from b3os.workflow import (
    ActionKind,
    Plan,
    WorkflowSpec,
    WorkflowState,
    apply,
    ensure,
    outputs_of,
    plan,
    read,
    state_from_outputs,
)
from pulumi_b3os._checks import check_inputs, definition_changed, failure_of
from pulumi_b3os._props import clean, has_unknowns, observed_inputs, pulumi_outputs, spec_of
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
        return CheckResult(inputs, failures)

    def diff(self, id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        news = clean(_news)
        if has_unknowns(news):
            return DiffResult(changes=True, replaces=[], delete_before_replace=False)
        the_plan = plan(spec_of(news, id=id), state_from_outputs({**clean(_olds), "id": id}))
        return DiffResult(changes=the_plan.changed, replaces=[], delete_before_replace=False)

    # -- changes (up / destroy) -----------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = clean(props)
        adopt_id = inputs.get("adopt_id")
        spec = spec_of(inputs, id=adopt_id)
        client = session.client()
        current = read(client, spec)
        the_plan = plan(spec, current)
        if current is not None and adopt_id is None and not inputs.get("adopt_by_name"):
            _refuse_foreign(spec, current, the_plan)
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
        result = ensure(session.client(), spec_of(inputs, id=id), remote_validate=False)
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
        ensure(session.client(), WorkflowSpec(id=id, state="archived"), remote_validate=False)


def _remote_failures(inputs: dict[str, Any]) -> list[CheckFailure]:
    """The server's validator, when it can be reached (preview must work offline too). When it
    cannot, the preview says so: a silent skip reads as "the server accepted it"."""
    client = session.client()
    try:
        result = client.validate_definition(inputs["definition"], name=inputs.get("name") or "Untitled")
    except (TransportError, NotFoundError) as exc:
        why = (
            "has no validate endpoint (404)"
            if isinstance(exc, NotFoundError)
            else f"could not be reached: {exc}"
        )
        pulumi.log.warn(
            f"workflow {inputs.get('name')!r}: server validation skipped: the B3OS API at {client.base_url} "
            f"{why}. The definition passed the local validator only; `pulumi up` needs the API."
        )
        return []
    except B3OSError as exc:  # wrong key, plain http to a remote host, …: one clear line, no traceback
        return [CheckFailure("definition", f"the B3OS API refused to validate the definition: {exc}")]
    if result.valid:
        return []
    items = list(result.errors) or [ValidationItem(message="the server rejected the definition")]
    return [failure_of(item) for item in items]


def _refuse_foreign(spec: WorkflowSpec, current: WorkflowState, the_plan: Plan) -> None:
    """Without adopt_id/adopt_by_name, a same-named workflow is taken over only when that is
    harmless: it is archived (what ``destroy`` leaves), or it already holds the declared
    content (what an interrupted ``pulumi up`` leaves once ``refresh --clear-pending-creates``
    has dropped its pending create). A same-named workflow with other content is refused."""
    if current.status == "archived":
        return
    if not any(action.kind is ActionKind.UPDATE for action in the_plan.actions):
        return
    raise ConfigError(
        f"a workflow named {spec.name!r} already exists ({current.id}, status {current.status}) with other "
        f"content; to manage it from this stack set adopt_by_name=True or adopt_id={current.id!r}, "
        "or choose another name"
    )


def _archive_half_created(client: Client, spec: WorkflowSpec) -> None:
    """Create failed after the POST: archive what was made, so nothing half-done stays live and
    the next ``up`` reuses it (an archived same-named workflow is unarchived, never duplicated)."""
    try:
        leftover = read(client, spec)
        if leftover is not None and leftover.status != "archived":
            client.archive_workflow(leftover.id)
    except B3OSError:
        pass  # the original error is the one worth reporting
