"""The native provider (pulumi-resource-b3os) without the CLI: the schema generated from the field
tables, the provider methods against b3os-local, and the plugin process over gRPC (one-line
errors, no Python traceback). Needs only the pulumi SDK (and, for the metaschema, the Go module
cache the CLI build fills)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc  # type: ignore[import-untyped]
import pytest
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import (
    CheckRequest,
    ConfigureRequest,
    CreateRequest,
    DeleteRequest,
    DiffRequest,
    PropertyDiffKind,
    ReadRequest,
)
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from b3os.kinds import KINDS
from b3os.local import LocalServer
from b3os.resource.fields import inputs as input_fields_of
from pulumi_b3os.native.provider import B3OSProvider, from_python, to_python
from pulumi_b3os.native.schema import ADOPT_ID, schema, type_token
from tests.pulumi.harness import wait_for_pulumi_build
from tests.support import QUICKSTART_DEFINITION, Calls, max_in_flight, with_message

TOKEN = "b3os:index:Workflow"
URN = f"urn:pulumi:test::proj::{TOKEN}::wf"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer(port=0) as srv:
        yield srv


def props(**values: Any) -> dict[str, PropertyValue]:
    out = {k: v for k, v in from_python(values).value.items()}  # type: ignore[union-attr]
    return out


def plain(values: dict[str, PropertyValue]) -> dict[str, Any]:
    return {k: to_python(v) for k, v in values.items()}


def configured(url: str, key: str, **kwargs: Any) -> B3OSProvider:
    provider = B3OSProvider(**kwargs)
    args = props(apiUrl=url, apiKey=key)
    asyncio.run(provider.configure(ConfigureRequest({}, args, True, True)))
    return provider


def calls(server: LocalServer, org_id: str, since: int) -> Calls:
    return Calls.of(e for e in server.requests()[since:] if e.get("organizationId") == org_id)


# -- the schema -----------------------------------------------------------------------------------


def test_schema_has_one_resource_per_kind_with_the_field_tables_properties() -> None:
    resources = schema()["resources"]
    assert set(resources) == {type_token(kind) for kind in KINDS}
    for kind in KINDS:
        resource = resources[type_token(kind)]
        for f in input_fields_of(kind.fields):
            prop = ADOPT_ID if f.role == "id" else f.camel
            assert resource["inputProperties"][prop]["description"].startswith(f.description)
            assert resource["inputProperties"][prop].get("secret", False) == f.secret
        for f in kind.fields:
            if f.is_output and f.role != "id":
                assert resource["properties"][f.camel].get("secret", False) == f.secret
            else:
                assert f.camel not in resource["properties"]  # write-only / options / id
    workflow = resources[TOKEN]
    assert workflow["properties"]["triggerSecret"]["secret"] is True
    assert "status" not in workflow["inputProperties"]  # computed: an output only
    assert schema()["config"]["variables"]["apiKey"]["secret"] is True


def _metaschema() -> Path | None:
    wait_for_pulumi_build()  # the build's `go mod download` brings it
    roots = []
    go = shutil.which("go")
    if go:
        done = subprocess.run([go, "env", "GOMODCACHE"], capture_output=True, text=True, check=False)
        roots.append(Path(done.stdout.strip()))
    roots.append(Path.home() / "go" / "pkg" / "mod")
    for root in roots:
        found = sorted(
            (root / "github.com" / "pulumi" / "pulumi" / "pkg").glob("v3@v3.*/codegen/schema/pulumi.json")
        )
        if found:
            return found[-1]
    return None


def test_schema_validates_against_pulumis_metaschema() -> None:
    import jsonschema

    path = _metaschema()
    if path is None:
        message = "Pulumi's metaschema (pkg/v3 codegen/schema/pulumi.json) is not in the Go module cache"
        if os.environ.get("B3OS_REQUIRE_PULUMI"):
            pytest.fail(message + " (B3OS_REQUIRE_PULUMI is set): run scripts/install-pulumi.sh")
        pytest.skip(message)
    # The metaschema's version pattern uses named groups in the (?<name>…) spelling, which Python's
    # re spells (?P<name>…): the same pattern, respelled (lookbehinds (?<= (?<! untouched).
    text = re.sub(r"\(\?<(?=[A-Za-z])", "(?P<", path.read_text())
    validator = jsonschema.Draft202012Validator(json.loads(text))
    validator.validate(schema())
    broken = json.loads(json.dumps(schema()))
    broken["resources"][TOKEN]["inputProperties"]["name"]["type"] = "text"
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(broken)


# -- check and diff: local, no API call -----------------------------------------------------------


def test_check_fills_the_default_state_and_fails_in_one_line_without_the_value(server: LocalServer) -> None:
    provider = configured(server.url, server.create_org()[1])  # a create: the server validates too
    ok = asyncio.run(
        provider.check(CheckRequest(URN, {}, props(name="w", definition=QUICKSTART_DEFINITION), b""))
    )
    assert ok.failures == []
    assert ok.inputs is not None and plain(ok.inputs)["state"] == "published"

    broken = json.loads(json.dumps(QUICKSTART_DEFINITION))
    broken["nodes"]["root"]["children"] = ["nowhere"]
    bad = asyncio.run(provider.check(CheckRequest(URN, {}, props(name="w", definition=broken), b"")))
    assert bad.failures is not None and len(bad.failures) == 1
    failure = bad.failures[0]
    assert failure.property == ""  # a property would make Pulumi print the whole definition first
    assert "nowhere" in failure.reason and "\n" not in failure.reason

    two = asyncio.run(
        provider.check(CheckRequest(URN, {}, props(name="w", definition=broken, cooldownMs=5), b""))
    )
    reasons = [f.reason for f in two.failures or []]
    assert len(reasons) == 2, reasons  # every bad field, not only the first
    assert any(r.startswith("cooldownMs must be") for r in reasons)  # the Pulumi property's spelling
    assert any("nowhere" in r for r in reasons)

    typo = asyncio.run(provider.check(CheckRequest(URN, {}, props(name="w", definitoin={}), b"")))
    assert typo.failures and "unknown property 'definitoin'" in typo.failures[0].reason


def test_diff_names_the_changed_node_field_and_never_replaces() -> None:
    provider = B3OSProvider()
    old_state = props(
        name="w", description="", definition=QUICKSTART_DEFINITION, state="published", status="active",
        version=2, liveVersion=2, visibility="private",
    )  # fmt: skip
    same = asyncio.run(
        provider.diff(
            DiffRequest(URN, "wf_1", old_state, props(name="w", definition=QUICKSTART_DEFINITION), [])
        )
    )
    assert same.changes is False
    changed = asyncio.run(
        provider.diff(DiffRequest(URN, "wf_1", old_state, props(name="w", definition=with_message("v2")), []))
    )
    assert changed.changes is True and changed.replaces == []
    assert changed.diffs == ["definition"]
    assert set(changed.detailed_diff) == {"definition.nodes.log_message.payload.message"}
    assert (
        changed.detailed_diff["definition.nodes.log_message.payload.message"].kind is PropertyDiffKind.UPDATE
    )


def test_check_asks_the_server_only_for_a_changed_definition_and_warns_when_it_cannot(
    server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """The dynamic provider's preview rules (issue 18 #8): the server's validator runs when the
    definition differs from the previous inputs; an unreachable API is a warning, not silence."""
    org_id, key = server.create_org()
    provider = configured(server.url, key)
    news = props(name="w", definition=QUICKSTART_DEFINITION)
    since = len(server.requests())
    same = asyncio.run(provider.check(CheckRequest(URN, news, news, b"")))
    assert same.failures == [] and (
        calls(server, org_id, since).reads,
        calls(server, org_id, since).writes,
    ) == (0, 0)  # unchanged: no call
    asyncio.run(provider.check(CheckRequest(URN, news, props(name="w", definition=with_message("v2")), b"")))
    assert calls(server, org_id, since).by_operation == {"POST /v1/workflows/validate": 1}
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    offline = configured(closed, key)
    result = asyncio.run(
        offline.check(CheckRequest(URN, news, props(name="w", definition=with_message("v3")), b""))
    )
    assert result.failures == []  # a preview works offline …
    warned = capsys.readouterr().err
    assert "server validation skipped" in warned and closed in warned and key not in warned  # … and says so


def test_unknown_values_during_preview_are_changes_not_failures() -> None:
    provider = B3OSProvider()
    pending = {**props(definition=QUICKSTART_DEFINITION), "name": PropertyValue.computed()}
    checked = asyncio.run(provider.check(CheckRequest(URN, {}, pending, b"")))
    assert checked.failures == []  # the identity is not known yet: nothing to reject
    old_state = props(name="w", definition=QUICKSTART_DEFINITION, status="active", version=1)
    diff = asyncio.run(provider.diff(DiffRequest(URN, "wf_1", old_state, pending, [])))
    assert diff.changes is True and diff.diffs == ["name"] and diff.replaces == []


# -- against b3os-local ---------------------------------------------------------------------------


def test_credentials_fall_back_to_the_environment(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, key = server.create_org()
    monkeypatch.setenv("B3OS_API_URL", server.url)
    monkeypatch.setenv("B3OS_API_KEY", key)
    provider = B3OSProvider()
    asyncio.run(provider.configure(ConfigureRequest({}, {}, True, True)))
    made = asyncio.run(
        provider.create(
            CreateRequest(URN, props(name="env", definition=QUICKSTART_DEFINITION, state="draft"), 60, False)
        )
    )
    assert made.resource_id.startswith("wf_")


def test_read_with_the_id_alone_returns_inputs_that_diff_clean(server: LocalServer) -> None:
    org_id, key = server.create_org()
    provider = configured(server.url, key)
    made = asyncio.run(
        provider.create(
            CreateRequest(
                URN, props(name="imp", definition=QUICKSTART_DEFINITION, state="published"), 60, False
            )
        )
    )
    assert made.resource_id and made.resource_id.startswith("wf_")
    assert made.properties["triggerSecret"].is_secret
    read = asyncio.run(provider.read(ReadRequest(URN, made.resource_id, {}, {})))  # what import sends
    assert read.resource_id == made.resource_id
    inputs = plain(read.inputs)
    assert inputs["name"] == "imp" and inputs["state"] == "published" and "triggerSecret" not in inputs
    mark = len(server.requests())
    again = asyncio.run(
        provider.diff(
            DiffRequest(
                URN,
                made.resource_id,
                read.properties,
                props(name="imp", definition=QUICKSTART_DEFINITION),
                [],
            )
        )
    )
    assert again.changes is False
    assert calls(server, org_id, mark).reads + calls(server, org_id, mark).writes == 0
    gone = asyncio.run(provider.read(ReadRequest(URN, "wf_doesnotexist", {}, {})))
    assert gone.resource_id == ""


def test_a_same_named_workflow_with_other_content_is_refused_then_adopted(server: LocalServer) -> None:
    org_id, key = server.create_org()
    provider = configured(server.url, key)
    from b3os.client import Client

    with Client(base_url=server.url, api_key=key) as client:
        theirs = client.create_workflow("shared name", "", with_message("theirs"))
    declared = props(name="shared name", definition=QUICKSTART_DEFINITION, state="published")
    with pytest.raises(
        Exception, match=f"is owned by no owner.*\\({theirs.id}\\)|\\({theirs.id}\\) is owned by"
    ) as refused:
        asyncio.run(provider.create(CreateRequest(URN, declared, 60, False)))
    assert "adopt_by_name" in str(refused.value)  # made elsewhere: taken over only by an explicit adopt
    adopted = asyncio.run(
        provider.create(CreateRequest(URN, {**declared, **props(adoptByName=True)}, 60, False))
    )
    assert adopted.resource_id == theirs.id


def test_calls_run_concurrently_not_four_at_a_time() -> None:
    """20 creates at 150 ms per request: capped at 4 in flight they would take >= 5 rounds."""
    with LocalServer(port=0) as srv:
        _, key = srv.create_org()
        provider = configured(srv.url, key)
        srv.inject_faults(error_rate=0.0, latency_ms=150.0)

        async def many() -> list[Any]:
            return await asyncio.gather(
                *(
                    provider.create(
                        CreateRequest(
                            URN,
                            props(name=f"c{i}", definition=QUICKSTART_DEFINITION, state="draft"),
                            60,
                            False,
                        )
                    )
                    for i in range(20)
                )
            )

        srv.clear_requests()
        made = asyncio.run(many())
        served = srv.requests()
        srv.clear_faults()
    assert len({m.resource_id for m in made}) == 20
    # Counted by the server, not timed: capped at 4, no more than 4 requests would overlap.
    assert max_in_flight(served) > 4, f"at most {max_in_flight(served)} requests in flight at once"


# -- the plugin process, over gRPC ----------------------------------------------------------------


@pytest.fixture(scope="module")
def plugin() -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    exe = Path(sys.executable).parent / "pulumi-resource-b3os"
    if not exe.exists():
        pytest.fail(f"{exe} is missing: reinstall the package (make setup) to get the console script")
    proc = subprocess.Popen([str(exe), "127.0.0.1:1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().strip())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield provider_pb2_grpc.ResourceProviderStub(channel)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_plugin_errors_are_one_line_and_a_401_says_invalid_api_key(
    plugin: provider_pb2_grpc.ResourceProviderStub, server: LocalServer
) -> None:
    schema_text = plugin.GetSchema(provider_pb2.GetSchemaRequest(version=0)).schema
    assert json.loads(schema_text) == schema()
    plugin.Configure(
        provider_pb2.ConfigureRequest(
            args=PropertyValue.marshal_map(props(apiUrl=server.url, apiKey="b3sk_wrong_key_000000000000")),
            acceptSecrets=True,
        )
    )
    properties = PropertyValue.marshal_map(
        props(name="x", definition=QUICKSTART_DEFINITION, state="published")
    )
    with pytest.raises(grpc.RpcError) as failed:
        plugin.Create(provider_pb2.CreateRequest(urn=URN, properties=properties))
    details = failed.value.details()
    assert details.startswith("invalid API key")
    assert "Traceback" not in details and 'File "' not in details and "\n" not in details
    assert "b3sk_wrong_key" not in details


def test_plugin_serves_calls_concurrently(
    plugin: provider_pb2_grpc.ResourceProviderStub, server: LocalServer
) -> None:
    """The plugin process itself (grpc.aio, no worker cap): 20 Create RPCs in flight at once."""
    _, key = server.create_org()
    plugin.Configure(
        provider_pb2.ConfigureRequest(
            args=PropertyValue.marshal_map(props(apiUrl=server.url, apiKey=key)), acceptSecrets=True
        )
    )
    server.inject_faults(error_rate=0.0, latency_ms=150.0)
    server.clear_requests()
    try:
        futures = [
            plugin.Create.future(
                provider_pb2.CreateRequest(
                    urn=f"{URN}{i}",
                    properties=PropertyValue.marshal_map(
                        props(name=f"rpc{i}", definition=QUICKSTART_DEFINITION, state="draft")
                    ),
                )
            )
            for i in range(20)
        ]
        ids = {f.result(timeout=60).id for f in futures}
        served = server.requests()
    finally:
        server.clear_faults()
    assert len(ids) == 20
    # Counted by the server, not timed: capped at 4, no more than 4 requests would overlap.
    assert max_in_flight(served) > 4, f"at most {max_in_flight(served)} requests in flight at once"


def test_every_registered_kind_round_trips_through_the_provider(server: LocalServer) -> None:
    """No per-kind code: each kind of b3os.kinds.KINDS (its documented example; the quickstart for
    Workflow) is created, diffs clean, is read back from its id alone (import), and destroyed."""
    from pulumi_b3os.native.schema import input_fields, property_name

    org_id, key = server.create_org()
    provider = configured(server.url, key)
    made: list[tuple[Any, str, dict[str, PropertyValue]]] = []
    for kind in KINDS:  # registry order: what others refer to comes first
        values = dict(kind.example) or {"name": "API quickstart logger", "definition": QUICKSTART_DEFINITION}
        if "url" in values:  # b3os-local delivers to loopback only
            values["url"] = "https://127.0.0.1:9/b3os-events"
        names = {f.name: property_name(f) for f in input_fields(kind)}
        declared = props(**{names[k]: v for k, v in values.items()})
        urn = f"urn:pulumi:test::proj::{type_token(kind)}::{kind.name}"
        checked = asyncio.run(provider.check(CheckRequest(urn, {}, declared, b"")))
        assert checked.failures == [], (kind.name, checked.failures)
        assert checked.inputs is not None
        for f in input_fields(kind):
            if f.secret and property_name(f) in checked.inputs:
                assert checked.inputs[property_name(f)].is_secret  # encrypted in the state
        created = asyncio.run(provider.create(CreateRequest(urn, checked.inputs, 60, False)))
        assert created.resource_id, kind.name
        mark = len(server.requests())
        same = asyncio.run(
            provider.diff(DiffRequest(urn, created.resource_id, created.properties, checked.inputs, []))
        )
        assert same.changes is False, (kind.name, same.diffs)
        assert calls(server, org_id, mark).writes == 0
        for f in kind.fields:  # a write-only value (never read back) still diffs, by its fingerprint
            if f.write_only and isinstance(values.get(f.name), dict):
                other = {
                    **checked.inputs,
                    property_name(f): from_python({**values[f.name], "rotated": "yes"}),
                }
                rotated = asyncio.run(
                    provider.diff(DiffRequest(urn, created.resource_id, created.properties, other, []))
                )
                assert rotated.changes is True and rotated.diffs == [property_name(f)], kind.name
        imported = asyncio.run(provider.read(ReadRequest(urn, created.resource_id, {}, {})))
        assert imported.resource_id == created.resource_id, kind.name
        for f in kind.fields:
            if f.write_only:
                assert property_name(f) not in imported.properties and property_name(f) not in imported.inputs
        made.append((kind, urn, {**created.properties, "__id": PropertyValue(created.resource_id)}))
    for kind, urn, outputs in reversed(made):  # dependents first
        rid = str(outputs["__id"].value)
        asyncio.run(provider.delete(DeleteRequest(urn, rid, outputs, 60)))
        after = asyncio.run(provider.read(ReadRequest(urn, rid, {}, {})))
        if after.resource_id:  # a workflow is archived, not deleted
            assert to_python(after.properties["status"]) == "archived", kind.name


def test_a_definition_holding_secret_named_values_is_a_secret_input_and_output(server: LocalServer) -> None:
    """Issue 18 #17 for the native provider too: a payload with `password`/`Authorization` never
    reaches the state in plain text (the dynamic provider's rule, `redact.holds_secrets`)."""
    from pulumi_b3os.native.provider import encode_outputs

    secret_definition = json.loads(json.dumps(QUICKSTART_DEFINITION))
    secret_definition["nodes"]["log_message"]["payload"]["headers"] = {"Authorization": "Bearer abcdef123456"}
    provider = configured(server.url, server.create_org()[1])
    checked = asyncio.run(
        provider.check(CheckRequest(URN, {}, props(name="w", definition=secret_definition), b""))
    )
    assert checked.inputs is not None and checked.inputs["definition"].is_secret
    plain_one = asyncio.run(
        provider.check(CheckRequest(URN, {}, props(name="w", definition=QUICKSTART_DEFINITION), b""))
    )
    assert plain_one.inputs is not None and not plain_one.inputs["definition"].is_secret
    workflow = next(k for k in KINDS if k.name == "workflow")
    outs = encode_outputs(workflow, {"definition": secret_definition, "name": "w"}, set())
    assert outs["definition"].is_secret and not outs["name"].is_secret


def test_create_after_check_uses_checks_name_lookup_not_a_second_one(server: LocalServer) -> None:
    """`up`: check looks the name up (owner conflict); the create right after uses that lookup:
    a create, the converge listing, a publish — the name is not listed twice (issue 14)."""
    org_id, key = server.create_org()
    provider = configured(server.url, key)
    news = props(name="handed over", definition=QUICKSTART_DEFINITION, state="published")
    checked = asyncio.run(provider.check(CheckRequest(URN, {}, news, b"")))
    assert checked.failures == [] and checked.inputs is not None
    since = len(server.requests())
    created = asyncio.run(provider.create(CreateRequest(URN, checked.inputs, 60, False)))
    assert calls(server, org_id, since).by_operation == {
        "POST /v1/workflows": 1,
        "GET /v1/workflows": 1,  # the converge listing after the create, not a lookup before it
        "POST /v1/workflows/{id}/publish": 1,
    }
    assert plain(created.properties)["status"] == "active"
    # Used once: a second create of the same URN (a retried `up`) looks the name up itself and
    # finds the workflow it made, so nothing is created twice.
    since = len(server.requests())
    again = asyncio.run(provider.create(CreateRequest(URN, checked.inputs, 60, False)))
    assert again.resource_id == created.resource_id
    assert calls(server, org_id, since).writes == 0


def test_a_same_named_workflow_made_between_check_and_create_is_a_conflict_not_a_duplicate(
    server: LocalServer,
) -> None:
    """The handed-over lookup may be seconds old: a workflow created under the name since then is
    met by the create's convergence — ours is archived again, the create fails naming theirs."""
    org_id, key = server.create_org()
    provider = configured(server.url, key)
    news = props(name="raced", definition=QUICKSTART_DEFINITION, state="published")
    checked = asyncio.run(provider.check(CheckRequest(URN, {}, news, b"")))
    assert checked.failures == [] and checked.inputs is not None
    from b3os.client import Client

    with Client(base_url=server.url, api_key=key) as client:
        theirs = client.create_workflow("raced", "", with_message("theirs"))
        with pytest.raises(Exception, match=f"another run created it at the same time \\({theirs.id}\\)"):
            asyncio.run(provider.create(CreateRequest(URN, checked.inputs, 60, False)))
        live = [w for w in client.iter_workflows() if w.name == "raced"]
    assert [w.id for w in live] == [theirs.id]  # ours archived again, theirs untouched
