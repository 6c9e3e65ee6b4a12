"""Dynamic providers and resources for the simple kinds, generated from the kinds' field tables.

One provider class serves every simple kind (``KindProvider``); each kind gets a subclass with a
permanent dotted path (Pulumi pickles the provider by reference into the state) and a resource
class with its own type token (``pulumi-python:dynamic/b3os:Connector``, …). Adding a kind here is
one line in ``_KINDS``.

Behaviour, the same for every kind:

* ``check``: the kind's field checks; a failure names the property. Unknowns are skipped.
* ``diff``: the kind's pure plan of the new inputs against the stored outputs — no API call.
* ``create``: read by natural key; an existing object with the declared content is reused (what an
  interrupted ``up`` leaves), one with other content is refused unless ``adopt_by_name=True`` or
  ``adopt_id`` says to take it over.
* ``update``/``read``/``delete``: the kind's ensure against a fresh read; values the API returns
  only once (a signing secret, the fingerprint of write-only data) are carried over from state.
* Secret fields (connector ``data``, a webhook's ``signing_secret``) are Pulumi secrets, inputs
  included; write-only values never reach the outputs.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from b3os.errors import ConfigError
from b3os.kinds import get
from b3os.resource.simple import SimpleKind
from b3os.resource.spec import Spec
from pulumi_b3os._props import PROVIDER_KEY, has_unknowns
from pulumi_b3os._session import CONFIG_KEY, CONFIG_URL, session

__all__ = [
    "Connector",
    "ConnectorProvider",
    "ExecutionWebhook",
    "ExecutionWebhookProvider",
    "KindProvider",
    "WorkflowVariable",
    "WorkflowVariableProvider",
]

ADOPT_KEYS = ("adopt_id", "adopt_by_name")


def _kind(name: str) -> SimpleKind:
    kind = get(name)
    assert isinstance(kind, SimpleKind)
    return kind


def _clean(kind: SimpleKind, props: Mapping[str, Any]) -> dict[str, Any]:
    ints = {f.name for f in kind.fields if f.type == "integer"}
    out: dict[str, Any] = {}
    for key, value in props.items():
        if key == PROVIDER_KEY or value is None:
            continue
        if key in ints and isinstance(value, float) and value.is_integer():
            value = int(value)
        out[key] = value
    return out


def _input_values(kind: SimpleKind, inputs: Mapping[str, Any], *, id: str | None = None) -> dict[str, Any]:
    names = {f.name for f in kind.fields if f.is_input}
    values = {k: v for k, v in inputs.items() if k in names}
    if id is not None:
        values["id"] = id
    return values


class KindProvider(ResourceProvider):
    """CRUD for one simple kind. Holds nothing but the kind's name (a class attribute)."""

    kind_name: ClassVar[str]

    @property
    def kind(self) -> SimpleKind:
        return _kind(self.kind_name)

    def configure(self, req: ConfigureRequest) -> None:
        session.configure(api_url=req.config.get(CONFIG_URL), api_key=req.config.get(CONFIG_KEY))

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        kind, inputs = self.kind, _clean(self.kind, news)
        unknown = has_unknowns(inputs, tuple(inputs))
        known = {k: v for k, v in _input_values(kind, inputs).items() if k not in unknown}
        if unknown:  # identity may be unknown until the values it comes from exist
            return CheckResult(inputs, [])
        try:
            kind.build(known)
        except ConfigError as exc:
            return CheckResult(inputs, [CheckFailure(_property_of(kind, str(exc)), str(exc))])
        return CheckResult(inputs, [])

    def diff(self, id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        kind, news = self.kind, _clean(self.kind, _news)
        if has_unknowns(news, tuple(news)):
            return DiffResult(changes=True, replaces=[], delete_before_replace=False)
        olds = _clean(kind, _olds)
        spec = kind.build(_input_values(kind, news, id=id), validate=False)
        plan = kind.plan(spec, kind.state_from_outputs({**olds, "id": id}))
        return DiffResult(changes=plan.changed, replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        kind, inputs = self.kind, _clean(self.kind, props)
        spec = kind.build(_input_values(kind, inputs, id=inputs.get("adopt_id")))
        client = session.client()
        current = kind.read(client, spec)
        plan = kind.plan(spec, current)
        adopting = inputs.get("adopt_id") is not None or bool(inputs.get("adopt_by_name"))
        if current is not None and plan.changed and not adopting:
            raise ConfigError(
                f"{kind.label(spec)} already exists ({current.id}) with other content; to manage it from "
                f"this stack set adopt_by_name=True or adopt_id={current.id!r}, or choose another name"
            )
        result = kind.apply(client, plan)
        assert result.state is not None
        return CreateResult(id_=result.state.id, outs=self._outs(result.outputs, inputs))

    def update(self, id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        kind, inputs = self.kind, _clean(self.kind, news)
        spec = kind.build(_input_values(kind, inputs, id=id), validate=False)
        client = session.client()
        state = kind.carry_over(kind.read(client, spec), _clean(kind, _olds))
        result = kind.apply(client, kind.plan(spec, state))
        return UpdateResult(outs=self._outs(result.outputs, inputs))

    def read(self, id: str, props: dict[str, Any]) -> ReadResult:
        kind, olds = self.kind, _clean(self.kind, props)
        spec = Spec(kind.name, {"id": id})
        state = kind.carry_over(kind.read(session.client(), spec), olds)
        if state is None:
            return ReadResult(id_="", outs={})  # deleted out of band: gone from the stack
        outs = self._outs(kind.outputs(state, None), olds)
        return ReadResult(id_=id, outs=outs, inputs=self._observed_inputs(outs, olds))

    def delete(self, id: str, _props: dict[str, Any]) -> None:
        kind = self.kind
        kind.ensure(session.client(), Spec(kind.name, {"id": id, "state": "absent"}))

    def _outs(self, outputs: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Outputs plus the declared inputs (never a write-only value, never the id)."""
        kind = self.kind
        write_only = {f.name for f in kind.fields if f.write_only}
        outs = {k: v for k, v in inputs.items() if k not in write_only}
        outs.update({k: v for k, v in outputs.items() if k != "id"})
        if "state" in inputs:
            outs["state"] = inputs["state"]
        return outs

    def _observed_inputs(self, outs: Mapping[str, Any], olds: Mapping[str, Any]) -> dict[str, Any]:
        """What the server has, as inputs (``refresh`` shows drift); write-only values as last declared."""
        kind = self.kind
        inputs = {
            f.name: outs.get(f.name)
            for f in kind.fields
            if f.is_input and f.role != "id" and not f.write_only
        }
        for f in kind.fields:
            if f.write_only and olds.get(f.name) is not None:
                inputs[f.name] = olds[f.name]
        for key in ADOPT_KEYS:
            if olds.get(key) is not None:
                inputs[key] = olds[key]
        return {k: v for k, v in inputs.items() if v is not None}


def _property_of(kind: SimpleKind, message: str) -> str:
    """The property a ConfigError is about: messages read '<kind> <field>: …'."""
    prefix = f"{kind.name} "
    if message.startswith(prefix):
        name = message[len(prefix) :].split(":", 1)[0]
        if any(f.name == name for f in kind.fields):
            return name
    return "name"


class ConnectorProvider(KindProvider):
    kind_name = "connector"


class ExecutionWebhookProvider(KindProvider):
    kind_name = "execution_webhook"


class WorkflowVariableProvider(KindProvider):
    kind_name = "workflow_variable"


class _KindResource(Resource):
    """A simple kind as a Pulumi resource: keyword arguments are the kind's input fields."""

    _provider_class: ClassVar[type[KindProvider]]

    def __init__(self, resource_name: str, opts: pulumi.ResourceOptions | None = None, **inputs: Any) -> None:
        kind = self._provider_class().kind
        known = {f.name for f in kind.fields if f.is_input} | set(ADOPT_KEYS)
        unknown = sorted(set(inputs) - known)
        if unknown:
            raise TypeError(
                f"{kind.token}: unknown argument(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        if "name" in known and inputs.get("name") is None and kind.name != "workflow_variable":
            inputs["name"] = resource_name
        props: dict[str, Any] = {}
        secret_outputs = []
        for f in kind.fields:
            if f.role == "id":
                continue
            value = inputs.get(f.name)
            if f.secret and f.is_input and value is not None:
                value = pulumi.Output.secret(value)  # a secret input is encrypted in the state too
            props[f.name] = value
            if f.secret:
                secret_outputs.append(f.name)
            if f.write_only:
                secret_outputs.append(f"{f.name}_fingerprint")
        for key in ADOPT_KEYS:
            props[key] = inputs.get(key)
        merged = pulumi.ResourceOptions.merge(
            pulumi.ResourceOptions(additional_secret_outputs=secret_outputs), opts
        )
        super().__init__(self._provider_class(), resource_name, props, merged)


def _resource(provider: type[KindProvider]) -> type[_KindResource]:
    """The resource class of one kind, with the type token ``pulumi-python:dynamic/b3os:<Token>``
    (part of every URN: renaming it needs a Pulumi alias)."""
    kind = provider().kind

    def body(ns: dict[str, Any]) -> None:
        ns.update(_provider_class=provider, __doc__=kind.description, __module__=__name__)

    cls = types.new_class(kind.token, (_KindResource,), {"module": "b3os", "name": kind.token}, body)
    return cls


Connector = _resource(ConnectorProvider)
ExecutionWebhook = _resource(ExecutionWebhookProvider)
WorkflowVariable = _resource(WorkflowVariableProvider)
