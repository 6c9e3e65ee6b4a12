"""The native provider: Pulumi's resource-provider protocol mapped onto the generic kind contract.

Every method looks the kind up from the type token (``b3os:index:<Kind.token>``) and calls only
``b3os.resource.kind.Kind``: ``build``, ``read``, ``plan``, ``apply``, ``ensure``, ``outputs``,
``state_from_outputs`` and the provider hooks (``delete``, ``reusable``, ``undo_create``,
``diff_paths``). No method names a kind, so a kind registered in ``b3os.kinds`` is served as
it is. The rules are those of the dynamic provider (``pulumi_b3os.provider``):

* ``check``: local validation only (no API call), failures as one line without the value;
  the ``state``-role field is stored in its canonical spelling, defaults filled in.
* ``diff``: the kind's plan of the new inputs against the stored outputs (no API call); the
  changed fields, the definition's nodes included, as ``detailedDiff``; never a replacement.
* ``create``: find by natural key (or ``adoptId``), refuse a same-named object with other
  content unless ``adoptId``/``adoptByName`` says to take it over, apply; a failed create is
  undone by the kind (a workflow is archived again).
* ``read``: works with the id alone (``pulumi import``); returns outputs and inputs (the inputs
  the old inputs declared, or every readable input when there were none); 404 = gone.
* ``update``: read, plan and apply against a fresh read (optimistic locking).
* ``delete``: the kind's delete (a workflow is archived).

The kind's calls are blocking (httpx), so they run on a thread pool of ``MAX_CONCURRENCY``
threads: the engine's ``--parallel`` is the limit, not the provider.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.provider.experimental.provider import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    GetSchemaRequest,
    GetSchemaResponse,
    PropertyDiff,
    PropertyDiffKind,
    Provider,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)

from b3os.client import Client
from b3os.errors import AuthenticationError, B3OSError, PermissionDeniedError, TransportError
from b3os.resource.kind import Found, Kind, Owner, PreviewReport
from pulumi_b3os._session import Session
from pulumi_b3os.native.schema import (
    ADOPT_BY_NAME,
    has_key,
    input_fields,
    kind_for_type,
    output_fields,
    property_name,
    schema_json,
    type_token,
)

__all__ = ["MAX_CONCURRENCY", "B3OSProvider", "ProviderError", "format_path"]

MAX_CONCURRENCY = 64
T = TypeVar("T")


class ProviderError(Exception):
    """One line for the user: what failed and what to do. Never carries a traceback."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class _Unknown:
    """A value computed by another resource, not known yet (preview)."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = _Unknown()


# -- values: PropertyValue <-> plain Python -------------------------------------------------------


def to_python(pv: PropertyValue) -> Any:
    """Plain Python (secrets unwrapped, integral numbers as int, unknowns as ``UNKNOWN``)."""
    value = pv.value
    if isinstance(value, Computed):
        return UNKNOWN
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, Mapping):
        return {k: to_python(v) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [to_python(v) for v in value if isinstance(v, PropertyValue)]
    raise ProviderError(
        f"unsupported value {type(value).__name__}: assets and resource references are not inputs"
    )


def from_python(value: Any, *, secret: bool = False) -> PropertyValue:
    if isinstance(value, PropertyValue):
        return value.with_secret(True) if secret else value
    if value is None or isinstance(value, bool | str):
        converted: Any = value
    elif isinstance(value, int | float):
        converted = float(value)
    elif isinstance(value, Mapping):
        converted = {str(k): from_python(v) for k, v in value.items()}
    elif isinstance(value, list | tuple):
        converted = [from_python(v) for v in value]
    else:
        converted = str(value)
    return PropertyValue(converted, is_secret=secret)


def _has_unknown(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return False


_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def format_path(elements: Sequence[str | int]) -> str:
    """A Pulumi property path: ``definition.nodes.log_message.payload.message``, ``a["b-c"]``, ``a[0]``."""
    out = ""
    for i, element in enumerate(elements):
        if isinstance(element, int):
            out += f"[{element}]"
        elif _IDENT.match(element):
            out += f".{element}" if i else element
        else:
            out += f"[{json.dumps(element)}]"
    return out


# -- decoding a resource's properties -------------------------------------------------------------


@dataclass
class Decoded:
    values: dict[str, Any] = field(default_factory=dict)  # field name -> value (None = unmanaged)
    adopt_by_name: bool = False
    unknown: list[str] = field(default_factory=list)  # property names whose value is unknown
    secret: set[str] = field(default_factory=set)  # field names whose input was a secret
    problems: list[str] = field(default_factory=list)


def decode_inputs(kind: Kind, props: Mapping[str, PropertyValue]) -> Decoded:
    by_prop = {property_name(f): f for f in input_fields(kind)}
    outputs_only = {f.camel for f in output_fields(kind)}
    decoded = Decoded()
    for prop, pv in props.items():
        value = to_python(pv)
        if prop == ADOPT_BY_NAME and has_key(kind):
            if _has_unknown(value):
                decoded.unknown.append(prop)
            elif value is not None and not isinstance(value, bool):
                decoded.problems.append(f"{ADOPT_BY_NAME} must be true or false")
            else:
                decoded.adopt_by_name = bool(value)
            continue
        f = by_prop.get(prop)
        if f is None:
            if value is not None and prop not in outputs_only:
                known = ", ".join([*by_prop, *([ADOPT_BY_NAME] if has_key(kind) else [])])
                decoded.problems.append(f"unknown property {prop!r}; {type_token(kind)} takes {known}")
            continue
        if _has_unknown(value):
            decoded.unknown.append(prop)
            continue
        if pv.contains_secret():
            decoded.secret.add(f.name)
        decoded.values[f.name] = value
    return decoded


def decode_outputs(kind: Kind, props: Mapping[str, PropertyValue]) -> dict[str, Any]:
    by_prop = {f.camel: f.name for f in output_fields(kind)}
    return {by_prop[p]: to_python(pv) for p, pv in props.items() if p in by_prop}


def _sensitive(f: Any, value: Any) -> bool:
    """An object value holding secret-named keys (a webhook node's ``Authorization`` header, a
    ``password`` in a payload) is kept as a Pulumi secret, like a secret field."""
    from b3os.redact import holds_secrets

    return f.type in ("object", "array", "any") and value is not None and holds_secrets(value)


def encode_outputs(kind: Kind, outputs: Mapping[str, Any], secret: set[str]) -> dict[str, PropertyValue]:
    return {
        f.camel: from_python(
            outputs.get(f.name), secret=f.secret or f.name in secret or _sensitive(f, outputs.get(f.name))
        )
        for f in output_fields(kind)
    }


def _id_field(kind: Kind) -> str | None:
    return next((f.name for f in kind.fields if f.role == "id"), None)


def _with_id(kind: Kind, values: Mapping[str, Any], resource_id: str) -> dict[str, Any]:
    name = _id_field(kind)
    return {**values, name: resource_id} if name else dict(values)


# -- errors -----------------------------------------------------------------------------------------


def _message(exc: BaseException) -> str:
    if isinstance(exc, ProviderError):
        return exc.message
    if isinstance(exc, AuthenticationError):
        where = f" to {exc.method} {exc.path}" if exc.method and exc.path else ""
        return (
            f"invalid API key: the B3OS API answered 401{where} ({exc.message}); set the right key with "
            "`pulumi config set --secret b3os:apiKey …` or B3OS_API_KEY"
        )
    if isinstance(exc, PermissionDeniedError):
        return f"the API key may not do this: {exc}"
    if isinstance(exc, TransportError):
        return f"cannot reach the B3OS API ({exc}); check b3os:apiUrl / B3OS_API_URL"
    if isinstance(exc, B3OSError | KeyError):
        return str(exc).strip("'\"") if isinstance(exc, KeyError) else str(exc)
    return f"internal error in pulumi-resource-b3os: {type(exc).__name__}: {exc}"


# -- the provider -----------------------------------------------------------------------------------


class B3OSProvider(Provider):
    """One instance per plugin process; holds the credentials and one shared HTTP client."""

    def __init__(self, *, max_concurrency: int = MAX_CONCURRENCY, engine_address: str | None = None) -> None:
        self.session = Session()
        self._pool = ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="b3os")
        self._engine_address = engine_address
        self._engine: Any = None
        # URN -> (spec, what check's lookup found): the create right after uses it instead of
        # listing the name again (b3os.workflow.preview explains why that is safe). Used once.
        self._found: dict[str, tuple[Any, Found]] = {}

    async def _warn(self, urn: str, message: str) -> None:
        """A warning in the Pulumi output, on the resource (the engine's Log RPC, as Go providers
        do); without an engine (tests calling the provider directly) it goes to stderr."""
        if not self._engine_address:
            print(f"warning: {message}", file=sys.stderr)
            return
        import grpc.aio  # type: ignore[import-untyped]
        from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

        if self._engine is None:
            self._engine = engine_pb2_grpc.EngineStub(grpc.aio.insecure_channel(self._engine_address))
        try:
            await self._engine.Log(
                engine_pb2.LogRequest(severity=engine_pb2.WARNING, message=message, urn=urn)
            )
        except grpc.RpcError:  # a warning must never fail the check: the plugin's stderr is logged
            print(f"warning: {message}", file=sys.stderr)

    async def _blocking(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn)

    @staticmethod
    def _kind(token: str) -> Kind:
        try:
            return kind_for_type(token)
        except KeyError as exc:
            raise ProviderError(str(exc).strip("\"'")) from None

    def _client(self) -> Client:
        try:
            return self.session.client()
        except B3OSError as exc:
            raise ProviderError(str(exc)) from None

    # -- schema and configuration ------------------------------------------------------------------

    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:
        return GetSchemaResponse(schema=schema_json())

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        def setting(name: str) -> str | None:
            pv = request.args.get(name)
            value = to_python(pv) if pv is not None else request.variables.get(f"b3os:config:{name}")
            return value if isinstance(value, str) and value else None

        self.session.configure(api_url=setting("apiUrl"), api_key=setting("apiKey"))
        return ConfigureResponse(accept_secrets=True, supports_preview=False)

    # -- planning (preview) ------------------------------------------------------------------------

    async def check(self, request: CheckRequest) -> CheckResponse:
        kind = self._kind(request.type)
        decoded = decode_inputs(kind, request.new_inputs)
        problems = list(decoded.problems)
        inputs = dict(request.new_inputs)
        for f in input_fields(kind):
            prop = property_name(f)
            if f.default is not None and (prop not in inputs or inputs[prop].value is None):
                inputs[prop] = from_python(f.default)
                decoded.values[f.name] = f.default
        id_name = _id_field(kind)
        if decoded.values.get(id_name or "") is not None and decoded.adopt_by_name:
            problems.append(f"set {property_name(_field(kind, id_name))} or {ADOPT_BY_NAME}, not both")
        spec: Any = None
        if not problems:
            identity_unknown = any(
                f.role in ("id", "key") and property_name(f) in decoded.unknown for f in kind.fields
            )
            adopting = decoded.values.get(id_name or "") is not None or decoded.adopt_by_name
            spec, failed = _build_all(kind, decoded.values, owner=owner_of(request.urn, adopt=adopting))
            if not (decoded.unknown and identity_unknown):
                problems.extend(failed)
            if spec is not None:
                for f in input_fields(kind):  # canonical spellings (state aliases, loaded files)
                    canonical = getattr(spec, f.name, None)
                    given = decoded.values.get(f.name)
                    if given is not None and canonical is not None and canonical != given:
                        if f.role == "state" or (f.type == "object" and isinstance(given, str)):
                            inputs[property_name(f)] = from_python(canonical, secret=f.name in decoded.secret)
        if not problems and spec is not None and not decoded.unknown:
            report = await self._preview_checks(kind, spec, request)
            problems.extend(report.problems)
            if report.found is not None and not report.problems:
                self._found[request.urn] = (spec, report.found)
            for warning in report.warnings:
                await self._warn(request.urn, warning)
        for f in input_fields(kind):  # a secret field's input is encrypted in the state too
            prop = property_name(f)
            if prop not in inputs or inputs[prop].is_secret or inputs[prop].value is None:
                continue
            if f.secret or _sensitive(f, to_python(inputs[prop])):
                inputs[prop] = inputs[prop].with_secret(True)
        # No property on the failure: Pulumi would print the whole value (the definition) before it.
        return CheckResponse(inputs=inputs, failures=[CheckFailure("", p) for p in problems])

    async def _preview_checks(self, kind: Kind, spec: Any, request: CheckRequest) -> PreviewReport:
        """The kind's server-side checks on the spec ``check`` built (with this stack as owner):
        the same as the dynamic provider's — the validator when the definition changed, the owner
        of a same-named object before a create."""
        previous = decode_inputs(kind, request.old_inputs).values if request.old_inputs else None
        return await self._blocking(lambda: kind.preview_checks(self.session.client, spec, previous))

    async def diff(self, request: DiffRequest) -> DiffResponse:
        kind = self._kind(request.type)
        decoded = decode_inputs(kind, request.new_inputs)
        if decoded.unknown:
            pending = {p: PropertyDiff(PropertyDiffKind.UPDATE, True) for p in decoded.unknown}
            return DiffResponse(changes=True, diffs=list(decoded.unknown), detailed_diff=pending)
        try:
            spec = kind.build(_with_id(kind, decoded.values, request.resource_id), validate=False)
            olds = _with_id(kind, decode_outputs(kind, request.old_state), request.resource_id)
            plan = kind.plan(spec, kind.state_from_outputs(olds))
        except B3OSError as exc:
            raise ProviderError(str(exc)) from None
        if not plan.changed:
            return DiffResponse(changes=False)
        by_name = {f.name: f for f in kind.fields}
        old_outputs = {f.camel for f in output_fields(kind) if request.old_state.get(f.camel) is not None}
        detailed: dict[str, PropertyDiff] = {}
        diffs: list[str] = []
        for path in kind.diff_paths(plan):
            head = by_name.get(str(path[0]))
            if head is None:
                continue
            prop = property_name(head)
            if prop not in diffs:
                diffs.append(prop)
            before = plan.diff.before.get(head.name) if len(path) == 1 else _at(plan.diff.before, path)
            after = plan.diff.after.get(head.name) if len(path) == 1 else _at(plan.diff.after, path)
            if before is None and (len(path) > 1 or prop not in old_outputs):
                change = PropertyDiffKind.ADD
            elif after is None:
                change = PropertyDiffKind.DELETE
            else:
                change = PropertyDiffKind.UPDATE
            detailed[format_path((prop, *path[1:]))] = PropertyDiff(change, False)
        if not detailed:  # only lifecycle actions (enable, discard a draft, …): name the state fields
            olds_by_name = decode_outputs(kind, request.old_state)
            for f in kind.fields:
                if f.role == "state" and decoded.values.get(f.name) is not None:
                    if decoded.values[f.name] != olds_by_name.get(f.name):
                        diffs.append(property_name(f))
                        detailed[property_name(f)] = PropertyDiff(PropertyDiffKind.UPDATE, False)
        return DiffResponse(changes=True, replaces=[], diffs=diffs, detailed_diff=detailed)

    # -- changes (up / destroy / refresh / import) -------------------------------------------------

    async def create(self, request: CreateRequest) -> CreateResponse:
        kind = self._kind(request.type)
        decoded = decode_inputs(kind, request.properties)
        if request.preview:  # not announced (supports_preview=False); never call the API anyway
            return CreateResponse(resource_id="", properties=dict(request.properties))
        return await self._blocking(lambda: self._create(kind, decoded, request.urn))

    def _create(self, kind: Kind, decoded: Decoded, urn: str) -> CreateResponse:
        adopting = decoded.values.get(_id_field(kind) or "") is not None or decoded.adopt_by_name
        spec = kind.build(decoded.values, validate=True, owner=owner_of(urn, adopt=adopting))
        client = self._client()
        checked, found = self._found.pop(urn, (None, None))
        current = found.state if found is not None and checked == spec else kind.read(client, spec)
        plan = kind.plan(spec, current)  # OwnershipError (naming the owner) unless ours or adopted
        if current is not None and not adopting and not kind.reusable(current, plan):
            raise ProviderError(_foreign(kind, spec, kind.outputs(current, spec)))
        try:
            result = kind.apply(client, plan)
        except B3OSError:
            kind.undo_create(client, spec, current)
            raise
        outputs = result.outputs
        return CreateResponse(
            resource_id=str(outputs[_id_field(kind) or "id"]),
            properties=encode_outputs(kind, outputs, decoded.secret),
        )

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        kind = self._kind(request.type)
        decoded = decode_inputs(kind, request.news)

        previous = decode_outputs(kind, request.olds)

        def run() -> UpdateResponse:
            # In this stack's state: an unowned one is marked ours; another owner's is refused.
            owner = owner_of(request.urn, adopt_unowned=True)
            spec = kind.build(_with_id(kind, decoded.values, request.resource_id), validate=True, owner=owner)
            client = self._client()
            state = kind.carry_over(kind.read(client, spec), previous)  # values the API returns once
            result = kind.apply(client, kind.plan(spec, state))
            return UpdateResponse(properties=encode_outputs(kind, result.outputs, decoded.secret))

        return await self._blocking(run)

    async def read(self, request: ReadRequest) -> ReadResponse:
        kind = self._kind(request.type)
        decoded = decode_inputs(kind, request.inputs)
        return await self._blocking(lambda: self._read(kind, request, decoded))

    def _read(self, kind: Kind, request: ReadRequest, decoded: Decoded) -> ReadResponse:
        spec = kind.build(_with_id(kind, decoded.values, request.resource_id), validate=False)
        state = kind.carry_over(kind.read(self._client(), spec), decode_outputs(kind, request.properties))
        if state is None:
            return ReadResponse(resource_id="")  # gone: refresh drops it, import says it does not exist
        outputs = kind.outputs(state, spec)
        declared = set(request.inputs)  # refresh: keep the program's shape; import: every input
        inputs: dict[str, PropertyValue] = {}
        for f in input_fields(kind):
            prop = property_name(f)
            if f.role == "id" or not f.is_output or outputs.get(f.name) is None:
                continue
            if declared and prop not in declared:
                continue
            inputs[prop] = from_python(outputs[f.name], secret=f.secret or f.name in decoded.secret)
        for prop in declared:  # options and the adopt id stay as declared
            if prop not in inputs and prop not in {f.camel for f in output_fields(kind)}:
                inputs[prop] = request.inputs[prop]
        return ReadResponse(
            resource_id=request.resource_id,
            properties=encode_outputs(kind, outputs, decoded.secret),
            inputs=inputs,
        )

    async def delete(self, request: DeleteRequest) -> None:
        kind = self._kind(request.type)
        owner = owner_of(request.urn, adopt_unowned=True)  # in our state; never what another owner took over
        await self._blocking(lambda: kind.delete(self._client(), request.resource_id, owner=owner))


def owner_of(urn: str, *, adopt: bool = False, adopt_unowned: bool = False) -> Owner:
    """The stack that declares a resource, from its URN (``urn:pulumi:STACK::PROJECT::TYPE::NAME``):
    the same ``pulumi:<project>/<stack>`` owner string the dynamic provider writes."""
    parts = urn.split("::")
    stack = parts[0].rsplit(":", 1)[-1] if parts else ""
    project = parts[1] if len(parts) > 1 else ""
    return Owner(f"pulumi:{project}/{stack}", adopt=adopt, adopt_unowned=adopt_unowned)


def _build_all(
    kind: Kind, values: dict[str, Any], *, owner: Owner | None = None
) -> tuple[Any | None, list[str]]:
    """``kind.build``, reporting every bad field, not only the first: the field a failure names
    is set aside and the rest built again. Messages use the Pulumi property names."""
    spellings = {f.name: property_name(f) for f in input_fields(kind) if property_name(f) != f.name}
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, spellings)) + r")\b") if spellings else None
    values = dict(values)
    problems: list[str] = []
    for _ in range(len(kind.fields) + 1):
        try:
            spec = kind.build(values, validate=True, owner=owner)
            return (None if problems else spec), problems
        except B3OSError as exc:
            message = str(exc)
            problems.append(pattern.sub(lambda m: spellings[m.group(1)], message) if pattern else message)
            named = [f.name for f in input_fields(kind) if f.role not in ("id", "key") and f.name in values]
            culprit = next((n for n in named if message.startswith(n)), None)
            if culprit is None:
                culprit = next((n for n in named if re.search(rf"\b{re.escape(n)}\b", message)), None)
            if culprit is None:
                break
            del values[culprit]
    return None, problems


def _field(kind: Kind, name: str | None) -> Any:
    return next(f for f in kind.fields if f.name == name)


def _at(values: Mapping[str, Any], path: Sequence[str | int]) -> Any:
    node: Any = values
    for element in path:
        if isinstance(node, Mapping) and element in node:
            node = node[element]
        elif isinstance(node, list) and isinstance(element, int) and element < len(node):
            node = node[element]
        else:
            return None
    return node


def _foreign(kind: Kind, spec: Any, outputs: Mapping[str, Any]) -> str:
    found = outputs.get(_id_field(kind) or "id")
    status = f", status {outputs['status']}" if outputs.get("status") else ""
    label = kind.label(spec)
    label = label if label.startswith(kind.name) else f"a {kind.name} {label}"
    return (
        f"{label} already exists ({found}{status}) with other content; to manage it "
        f"from this stack run `pulumi import {type_token(kind)} <resource name> {found}`, or set "
        f"adoptId: {found} (or {ADOPT_BY_NAME}: true), or choose another name"
    )


def message_of(exc: BaseException) -> str:
    """The one-line message a failed call reports (no traceback, no dump of the inputs)."""
    return _message(exc)
