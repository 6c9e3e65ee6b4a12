"""Identity lookups: `read` for one spec, `read_many` for a directory of them (one listing)."""

from __future__ import annotations

import pytest

from b3os.client import Client
from b3os.errors import ConfigError
from b3os.local import LocalServer
from b3os.workflow import WorkflowSpec, read, read_many
from tests.support import QUICKSTART_DEFINITION, Calls


def test_read_many_lists_once_then_fetches_each_workflow_found(
    b3os_local: LocalServer, b3os_client: Client
) -> None:
    live = b3os_client.create_workflow("live one", "", QUICKSTART_DEFINITION)
    b3os_client.publish(live.id)
    draft = b3os_client.create_workflow("draft one", "", QUICKSTART_DEFINITION)
    gone = b3os_client.create_workflow("archived one", "", QUICKSTART_DEFINITION)
    b3os_client.archive_workflow(gone.id)
    names = ["live one", "draft one", "archived one", "absent one"]
    b3os_local.clear_requests()

    states = read_many(b3os_client, [WorkflowSpec(name=n) for n in names])

    assert [s.id if s else None for s in states] == [live.id, draft.id, gone.id, None]
    assert [s.status if s else None for s in states] == ["active", "draft", "archived", None]
    calls = Calls.of(b3os_local.requests())
    assert calls.writes == 0
    assert calls.by_operation["GET /v1/workflows"] == 2, "one listing of live statuses, one of archived"
    assert calls.reads == 2 + 3, calls.by_operation
    # The same answers as reading one by one.
    assert [s.id if s else None for s in states] == [
        (s.id if s else None) for s in (read(b3os_client, WorkflowSpec(name=n)) for n in names)
    ]


def test_read_many_searches_each_name_when_listing_the_organization_would_cost_more(
    b3os_local: LocalServer, b3os_client: Client
) -> None:
    # One name: searching costs 2 requests; a listing of more than 200 workflows costs more.
    for i in range(201):
        b3os_client.create_workflow(f"filler {i}", "", QUICKSTART_DEFINITION)
    b3os_local.clear_requests()
    states = read_many(b3os_client, [WorkflowSpec(name="filler 7"), WorkflowSpec(id="wf_missing")])
    assert states[0] is not None and states[0].latest.name == "filler 7"
    assert states[1] is None
    listings = [e for e in b3os_local.requests() if e["path"] == "/v1/workflows"]
    # Two full pages, a third that shows the listing outgrows the budget, then the two searches.
    assert len(listings) == 3 + 2


def test_read_many_reports_duplicate_names_with_their_ids(b3os_client: Client) -> None:
    a = b3os_client.create_workflow("twice", "", QUICKSTART_DEFINITION)
    b = b3os_client.create_workflow("twice", "", QUICKSTART_DEFINITION)
    with pytest.raises(ConfigError, match=f"{a.id}.*{b.id}|{b.id}.*{a.id}"):
        read_many(b3os_client, [WorkflowSpec(name="twice")])


def test_read_by_id_of_a_missing_workflow_is_none(b3os_client: Client) -> None:
    assert read(b3os_client, WorkflowSpec(id="wf_doesnotexist")) is None
    assert read_many(b3os_client, [WorkflowSpec(id="wf_doesnotexist")]) == [None]
