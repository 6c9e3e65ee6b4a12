"""The provider's methods called directly (no CLI): the mapping onto b3os.workflow, API call
counts, unknowns during preview, credentials, pickling. Needs only the pulumi SDK."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown
from pulumi.runtime import rpc

from b3os.client import Client
from b3os.errors import B3OSError, ConfigError
from b3os.local import LocalServer
from b3os.workflow.owner import marked, owner_of
from pulumi_b3os import WorkflowProvider
from pulumi_b3os._session import session
from tests.pulumi.harness import QUICKSTART
from tests.support import Calls, with_message


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer(port=0) as srv:
        yield srv


@pytest.fixture
def org(server: LocalServer) -> Iterator[tuple[str, str]]:
    """A fresh organization, and the provider session configured for it."""
    org_id, api_key = server.create_org()
    configure(server.url, api_key)
    yield org_id, api_key
    session.close()
    server.clear_faults()


def configure(url: str | None, key: str | None) -> None:
    raw = {k: v for k, v in {"b3os:apiUrl": url, "b3os:apiKey": key}.items() if v is not None}
    WorkflowProvider().configure(ConfigureRequest(Config(raw, "test")))


def calls(server: LocalServer, org_id: str, since: int) -> Calls:
    return Calls.of(e for e in server.requests()[since:] if e.get("organizationId") == org_id)


OWNER = "pulumi:unit/test"  # what pulumi_b3os.Workflow passes as the hidden owner input


def inputs(**overrides: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "name": "unit logger",
        "description": "d",
        "definition": QUICKSTART,
        "owner": OWNER,
    }
    props.update(overrides)
    return props


def create(provider: WorkflowProvider, **overrides: Any) -> tuple[str, dict[str, Any]]:
    checked = provider.check({}, inputs(**overrides))
    assert checked.failures == []
    result = provider.create(checked.inputs)
    assert result.outs is not None
    return result.id, result.outs


# -- check ---------------------------------------------------------------------------------------


def test_check_names_node_and_field_of_an_invalid_definition(org: tuple[str, str]) -> None:
    broken = copy.deepcopy(QUICKSTART)
    broken["nodes"]["log_message"]["children"] = ["ghost"]
    result = WorkflowProvider().check({}, inputs(definition=broken))
    reasons = [(f.property, f.reason) for f in result.failures]
    assert any(
        p == "definition" and "log_message" in r and "children[0]" in r and "ghost" in r for p, r in reasons
    )


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("state", "live", "state"),
        ("cooldown_ms", 10, "cooldown_ms"),
        ("max_runs", 0, "max_runs"),
        ("visibility", "everyone", "visibility"),
        ("adopt_id", "123", "wf_"),
        ("name", "", "name"),
    ],
)
def test_check_failures_name_the_property(org: tuple[str, str], field: str, value: Any, words: str) -> None:
    result = WorkflowProvider().check({}, inputs(**{field: value}))
    assert [f.property for f in result.failures] == [field]
    assert words in result.failures[0].reason


# Preview-time unknowns reach providers as pulumi.output.Unknown objects (the raw sentinel
# string with older SDKs): both must be skipped, not rejected.
UNKNOWNS = [pytest.param(Unknown(), id="Unknown"), pytest.param(rpc.UNKNOWN, id="sentinel")]


@pytest.mark.parametrize("unknown", UNKNOWNS)
def test_check_skips_unknowns_during_preview_without_calling_the_api(
    server: LocalServer, org: tuple[str, str], unknown: Any
) -> None:
    since = len(server.requests())
    news = inputs(definition=unknown, cooldown_ms=unknown, name=unknown, description=unknown)
    result = WorkflowProvider().check({}, news)
    assert result.failures == []
    assert result.inputs["definition"] is unknown
    assert calls(server, org[0], since).reads == 0


def test_check_loads_json_text_and_asks_the_server_only_when_the_definition_changed(
    server: LocalServer, org: tuple[str, str]
) -> None:
    import json

    provider = WorkflowProvider()
    since = len(server.requests())
    first = provider.check({}, inputs(definition=json.dumps(QUICKSTART)))
    assert first.failures == [] and isinstance(first.inputs["definition"], dict)
    # a new resource: the validator, and the name looked up for its owner (2 listings)
    assert calls(server, org[0], since).by_operation == {
        "POST /v1/workflows/validate": 1,
        "GET /v1/workflows": 2,
    }

    since = len(server.requests())
    again = provider.check(first.inputs, inputs(definition=QUICKSTART))
    assert again.failures == []
    assert calls(server, org[0], since).reads == 0, "an unchanged definition needs no server round trip"


def test_check_without_definition_requires_adoption(org: tuple[str, str]) -> None:
    provider = WorkflowProvider()
    missing = provider.check({}, {"name": "x"})
    assert [f.property for f in missing.failures] == ["definition"]
    assert provider.check({}, {"name": "x", "adopt_by_name": True}).failures == []


# -- diff ----------------------------------------------------------------------------------------


def test_diff_plans_against_stored_outputs_without_any_api_call(
    server: LocalServer, org: tuple[str, str]
) -> None:
    provider = WorkflowProvider()
    wf_id, outs = create(provider)
    configure("http://127.0.0.1:9", "unused")  # any request would now fail: diff must make none
    olds = {**outs, "__provider": "old pickled bytes"}
    same = provider.diff(wf_id, olds, {**inputs(), "__provider": "new pickled bytes", "state": "published"})
    assert same.changes is False

    changed = provider.diff(wf_id, olds, inputs(definition=with_message("Other {{$trigger.body.message}}")))
    assert changed.changes is True and changed.replaces == []
    paused = provider.diff(wf_id, olds, inputs(state="paused"))
    assert paused.changes is True and paused.replaces == []
    renamed = provider.diff(wf_id, olds, inputs(name="new name"))
    assert renamed.changes is True


@pytest.mark.parametrize("unknown", UNKNOWNS)
def test_diff_with_unknown_inputs_reports_a_change(org: tuple[str, str], unknown: Any) -> None:
    provider = WorkflowProvider()
    wf_id, outs = create(provider)
    result = provider.diff(wf_id, outs, inputs(description=unknown))
    assert result.changes is True and result.replaces == []


# -- create / update / read / delete -------------------------------------------------------------


def test_create_publishes_and_outputs_everything_but_the_id(
    server: LocalServer, org: tuple[str, str]
) -> None:
    wf_id, outs = create(WorkflowProvider())
    assert wf_id.startswith("wf_")
    assert "id" not in outs
    assert outs["status"] == "active" and outs["state"] == "published" and outs["live_version"] == 1
    assert outs["trigger_secret"], "the resource marks it secret (additional_secret_outputs)"


def test_create_failing_after_the_post_archives_what_it_made(
    server: LocalServer, org: tuple[str, str]
) -> None:
    server.inject_faults(error_rate=1.0, statuses=[500], retry_after=None, path="/publish")
    provider = WorkflowProvider()
    checked = provider.check({}, inputs(name="half made"))
    with pytest.raises(B3OSError):
        provider.create(checked.inputs)
    server.clear_faults()
    with Client(base_url=server.url, api_key=org[1]) as client:
        archived = [w for w in client.iter_workflows(status="archived") if w.name == "half made"]
        live = [w for w in client.iter_workflows() if w.name == "half made" and w.status != "archived"]
    assert len(archived) == 1 and live == []
    wf_id, outs = create(provider, name="half made")  # the next up reuses it: no duplicate
    assert wf_id == archived[0].id and outs["status"] == "active"


def test_update_returns_full_outputs(org: tuple[str, str]) -> None:
    provider = WorkflowProvider()
    wf_id, outs = create(provider)
    news = provider.check(inputs(), inputs(definition=with_message("New {{$trigger.body.message}}"))).inputs
    result = provider.update(wf_id, outs, news)
    assert result.outs is not None
    assert set(outs) <= set(result.outs)
    assert result.outs["live_version"] == 2 and result.outs["version"] == 2


def test_read_reports_drift_as_inputs_and_archive_as_status(
    org: tuple[str, str], server: LocalServer
) -> None:
    provider = WorkflowProvider()
    wf_id, outs = create(provider, state="paused")
    with Client(base_url=server.url, api_key=org[1]) as client:
        client.resume(wf_id)
    resumed = provider.read(wf_id, outs)
    assert resumed.id == wf_id
    assert resumed.outs is not None and resumed.inputs is not None
    assert resumed.outs["status"] == "active" and resumed.outs["state"] == "paused"  # declared stays declared
    assert resumed.inputs["state"] == "published"  # what the server has: the next preview shows drift
    assert resumed.inputs["definition"] == outs["definition"]

    with Client(base_url=server.url, api_key=org[1]) as client:
        client.archive_workflow(wf_id)
    archived = provider.read(wf_id, resumed.outs)
    assert archived.id == wf_id and archived.outs is not None and archived.inputs is not None
    assert archived.outs["status"] == "archived" and archived.inputs["state"] == "archived"


def test_read_of_a_workflow_that_no_longer_exists_is_gone(org: tuple[str, str]) -> None:
    result = WorkflowProvider().read("wf_doesnotexist000000", {"state": "published"})
    assert result.id == "" and result.outs == {}


def test_delete_archives_and_tolerates_archived_and_missing(
    server: LocalServer, org: tuple[str, str]
) -> None:
    provider = WorkflowProvider()
    wf_id, outs = create(provider)
    provider.delete(wf_id, outs)
    with Client(base_url=server.url, api_key=org[1]) as client:
        assert client.get_workflow(wf_id).status == "archived"
    since = len(server.requests())
    provider.delete(wf_id, outs)  # already archived: reads only
    assert calls(server, org[0], since).writes == 0
    provider.delete("wf_doesnotexist000000", outs)


def test_create_refuses_a_same_named_workflow_unless_adopting(
    server: LocalServer, org: tuple[str, str]
) -> None:
    with Client(base_url=server.url, api_key=org[1]) as client:
        theirs = client.create_workflow("unit logger", "theirs", QUICKSTART)
    provider = WorkflowProvider()
    checked = provider.check({}, inputs())  # the preview already says so, naming the owner
    assert [f.property for f in checked.failures] == ["name"]
    assert "no owner" in checked.failures[0].reason and "adopt_by_name" in checked.failures[0].reason
    with pytest.raises(ConfigError, match="adopt_by_name"):
        provider.create(inputs())
    wf_id, _ = create(provider, adopt_by_name=True)
    assert wf_id == theirs.id
    with Client(base_url=server.url, api_key=org[1]) as client:
        assert owner_of(client.get_workflow(theirs.id).model_dump(by_alias=True)) == OWNER
    other_id, _ = create(provider, name="another", adopt_id=theirs.id)
    assert other_id == theirs.id


def test_create_refuses_an_unowned_same_named_workflow_even_with_the_declared_content(
    server: LocalServer, org: tuple[str, str]
) -> None:
    """Equal content is no proof of ownership (issue 13): only an explicit adopt takes it."""
    with Client(base_url=server.url, api_key=org[1]) as client:
        client.create_workflow("unit logger", "d", QUICKSTART)
    with pytest.raises(ConfigError, match="no owner"):
        WorkflowProvider().create(inputs())


def test_create_reuses_what_an_interrupted_up_of_this_stack_left(
    server: LocalServer, org: tuple[str, str]
) -> None:
    """What an interrupted `pulumi up` leaves: the workflow exists with this stack's owner marker,
    the state does not know it."""
    with Client(base_url=server.url, api_key=org[1]) as client:
        left_behind = client.create_workflow("unit logger", "d", QUICKSTART, ui_metadata=marked(None, OWNER))
    wf_id, outs = create(WorkflowProvider())
    assert wf_id == left_behind.id and outs["status"] == "active"
    with Client(base_url=server.url, api_key=org[1]) as client:
        assert [w.id for w in client.iter_workflows()] == [left_behind.id]


def test_delete_refuses_a_workflow_another_owner_adopted(server: LocalServer, org: tuple[str, str]) -> None:
    provider = WorkflowProvider()
    wf_id, outs = create(provider)
    with Client(base_url=server.url, api_key=org[1]) as client:
        client.set_ui_metadata(wf_id, marked(None, "pulumi:unit/other"))
        with pytest.raises(ConfigError, match="pulumi:unit/other"):
            provider.delete(wf_id, outs)
        assert client.get_workflow(wf_id).status == "active"


# -- credentials and pickling --------------------------------------------------------------------


def test_missing_credentials_error_says_how_to_configure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("B3OS_API_KEY", raising=False)
    configure("http://127.0.0.1:9", None)
    try:
        with pytest.raises(ConfigError, match="pulumi config set --secret b3os:apiKey"):
            session.client()
    finally:
        session.close()


def test_environment_is_the_fallback_and_one_client_serves_all_threads(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, key = server.create_org()
    monkeypatch.setenv("B3OS_API_URL", server.url)
    monkeypatch.setenv("B3OS_API_KEY", key)
    configure(None, None)
    seen: list[Client] = []
    threads = [threading.Thread(target=lambda: seen.append(session.client())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert len({id(c) for c in seen}) == 1
        assert key not in repr(seen[0])
    finally:
        session.close()


def test_provider_pickles_by_reference_without_credentials(org: tuple[str, str]) -> None:
    provider = WorkflowProvider()
    blob = serialize_provider(provider)
    session.client()  # a live client in this process must not leak into the blob
    assert serialize_provider(provider) == blob, "stable bytes: no [diff: ~__provider] churn"
    assert len(blob) < 400
    import base64

    raw = base64.b64decode(blob)
    assert b"pulumi_b3os.provider" in raw and b"WorkflowProvider" in raw
    assert org[1].encode() not in raw


# -- refreshed inputs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "declared", "observed"),
    [
        ("active", "published", "published"),
        ("paused", "published", "paused"),
        ("active", "paused", "published"),
        ("draft", "published", "draft"),
        ("active", "draft", "draft"),  # a draft-declared workflow may have a live version running
        ("archived", "draft", "archived"),
        ("archived", "published", "archived"),
    ],
)
def test_refreshed_state_describes_the_server(status: str, declared: str, observed: str) -> None:
    from pulumi_b3os._props import observed_inputs

    outs = {
        "name": "n",
        "definition": QUICKSTART,
        "status": status,
        "state": declared,
        "visibility": "private",
    }
    refreshed = observed_inputs(outs)
    assert refreshed["state"] == observed
    assert "visibility" not in refreshed, "an unset setting stays unset"


def test_create_after_check_uses_checks_name_lookup(server: LocalServer, org: tuple[str, str]) -> None:
    # The dynamic-provider host serves a program's checks and creates: the create does not list
    # the name its check just looked up (issue 14), the converge listing after the POST stays.
    provider = WorkflowProvider()
    checked = provider.check({}, inputs(name="handed over"))
    assert checked.failures == []
    since = len(server.requests())
    provider.create(checked.inputs)
    assert calls(server, org[0], since).by_operation == {
        "POST /v1/workflows": 1,
        "GET /v1/workflows": 1,
        "POST /v1/workflows/{id}/publish": 1,
    }
