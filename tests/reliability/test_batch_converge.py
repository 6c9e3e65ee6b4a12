"""A batch of creates (``b3os apply DIR``, the bulk Ansible module) is settled against concurrent
creators by one scan of the organization's live workflows, not one search per name, and stays
exact when the listing moves under the scan or the organization is too large to scan."""

from __future__ import annotations

from typing import Any

import pytest

from b3os.client import Client
from b3os.errors import ConflictError
from b3os.local import LocalServer
from b3os.models import Page, WorkflowListItem
from b3os.workflow import WorkflowSpec, plan
from b3os.workflow.apply import ApplyResult, apply_many
from b3os.workflow.converge import live_named_many
from b3os.workflow.owner import marked
from tests.reliability.helpers import definition


def _plans(names: list[str]) -> list[Any]:
    return [plan(WorkflowSpec.build(name=n, definition=definition(n), owner="dir:me"), None) for n in names]


def _listings(local: LocalServer, since: int) -> int:
    return sum(1 for e in local.requests(since) if e["method"] == "GET" and e["path"] == "/v1/workflows")


def _live(api: Client) -> list[WorkflowListItem]:
    return list(api.iter_workflows())


def test_thirty_creates_are_settled_by_one_listing_and_each_is_published(
    api: Client, local: LocalServer
) -> None:
    names = [f"batch-{i:02d}" for i in range(30)]
    mark = len(local.requests())
    results = apply_many(api, _plans(names), parallelism=10)
    assert all(isinstance(r, ApplyResult) and r.state is not None for r in results)
    assert [r.outputs["name"] for r in results if isinstance(r, ApplyResult)] == names
    assert _listings(local, mark) == 1  # not 30 searches
    assert {w.status for w in _live(api)} == {"active"}
    creates = [e for e in local.requests(mark) if e["method"] == "POST" and e["path"] == "/v1/workflows"]
    publishes = [e for e in local.requests(mark) if e["path"].endswith("/publish")]
    assert len(creates) == len(publishes) == 30


def test_a_name_another_run_created_first_is_a_conflict_and_the_rest_apply(
    api: Client, local: LocalServer
) -> None:
    names = [f"raced-{i}" for i in range(12)]
    plans = _plans(names)  # planned before the other creator's POST landed
    earlier = api.create_workflow("raced-5", "", definition(), ui_metadata=marked(None, "dir:other"))
    done: list[int] = []
    results = apply_many(api, plans, parallelism=4, on_done=lambda i, _r: done.append(i))
    assert sorted(done) == list(range(12))  # every outcome reported once
    failed = {i: r for i, r in enumerate(results) if not isinstance(r, ApplyResult)}
    assert list(failed) == [5]
    assert isinstance(failed[5], ConflictError)
    assert f"another run created it at the same time ({earlier.id})" in str(failed[5])
    live = [w for w in _live(api) if w.name == "raced-5"]
    assert [w.id for w in live] == [earlier.id]  # our copy archived, nothing published for it
    assert sum(1 for w in _live(api) if w.status == "active") == 11


class _Archiving:
    """A client whose organization listing moves under the scan: after the first page, some rows
    the page showed are archived (by a concurrent run), which shifts the later rows up."""

    def __init__(self, api: Client, archive: int) -> None:
        self.api, self.archive, self.pages = api, archive, 0
        self.workflows = self
        self.iter_workflows = api.iter_workflows

    def list(self, **params: Any) -> Page[WorkflowListItem]:
        page = self.api.workflows.list(**params)
        self.pages += 1
        if self.pages == 1:
            for item in page.items[: self.archive]:
                self.api.archive_workflow(item.id)
        return page


@pytest.mark.parametrize("archived_meanwhile", [3, 20])
def test_rows_archived_during_the_scan_never_hide_a_live_row(api: Client, archived_meanwhile: int) -> None:
    for i in range(150):  # two pages and a half of the listing
        api.create_workflow(f"org-{i:03d}", "", definition())
    names = [f"org-{i:03d}" for i in range(150)]
    moving = _Archiving(api, archived_meanwhile)
    found = live_named_many(moving, names, parallelism=10)  # type: ignore[arg-type]
    truth = {w.name for w in _live(api)}
    seen = {n for n, rows in found.items() if rows}
    assert len(truth) == 150 - archived_meanwhile
    assert truth <= seen  # every row live at the end was found: none hidden by the shift
    assert len(seen - truth) <= archived_meanwhile  # at most those read before they were archived
    if archived_meanwhile > 5:  # more than the pages' overlap absorbs: the exact searches were used
        assert moving.pages < 3


def test_an_organization_too_large_to_scan_is_searched_by_name(api: Client, local: LocalServer) -> None:
    for i in range(120):
        api.create_workflow(f"big-{i:03d}", "", definition())
    mark = len(local.requests())
    found = live_named_many(api, ["big-007", "absent"], parallelism=10)  # one round of searches < 2 pages
    assert [w.name for w in found["big-007"]] == ["big-007"] and found["absent"] == []
    assert _listings(local, mark) == 1 + 2  # the first page, then the two searches
