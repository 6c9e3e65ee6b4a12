"""Workflow lifecycle (shared/b3os-api.md §8.1, G2-G7): transitions, illegal ones, versions, rollback."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from tests.local.helpers import LOG_DEFINITION, create, data, error


def changed(message: str) -> dict[str, Any]:
    definition = copy.deepcopy(LOG_DEFINITION)
    definition["nodes"]["log_message"]["payload"]["message"] = message
    return definition


def test_create_is_a_draft_with_server_owned_fields(api: httpx.Client, server: Any) -> None:
    wf = create(api)
    assert wf["id"].startswith("wf_") and wf["version"] == 1 and wf["status"] == "draft"
    assert wf["hasDraft"] is True and wf["hasLiveVersion"] is False
    assert wf["definition"]["triggerNodeIds"] == ["root"]  # backfilled like the real service
    assert wf["type"] == "manual" and wf["visibility"] == "private"
    assert wf["organizationId"] == server.org_id and wf["createdBy"].startswith("usr_")
    assert wf["createdAt"].endswith("Z") and wf["updatedAt"].endswith("Z")
    assert len(wf["triggerSecret"]) >= 16


def test_publish_makes_the_draft_live_without_a_new_number(api: httpx.Client) -> None:
    wf = create(api)
    live = data(api.post(f"/v1/workflows/{wf['id']}/publish", json={}))
    assert (live["status"], live["version"], live["hasDraft"], live["hasLiveVersion"]) == (
        "active",
        1,
        False,
        True,
    )
    assert data(api.get(f"/v1/workflows/{wf['id']}/live"))["version"] == 1
    error(api.get(f"/v1/workflows/{wf['id']}/draft"), 404)


@pytest.mark.parametrize("body", [None, b"", b"{}"], ids=["no-body", "empty-bytes", "empty-object"])
def test_publish_accepts_empty_bodies(api: httpx.Client, body: bytes | None) -> None:
    wf = create(api)
    assert data(api.post(f"/v1/workflows/{wf['id']}/publish", content=body))["status"] == "active"


def test_editing_a_live_workflow_opens_a_new_draft_and_keeps_the_live_row(api: httpx.Client) -> None:
    wf = create(api)
    api.post(f"/v1/workflows/{wf['id']}/publish")
    draft = data(api.put(f"/v1/workflows/{wf['id']}", json={"definition": changed("v2")}))
    assert (draft["version"], draft["status"], draft["hasDraft"], draft["hasLiveVersion"]) == (
        2,
        "draft",
        True,
        True,
    )
    assert data(api.get(f"/v1/workflows/{wf['id']}"))["version"] == 2  # GET = newest row (G6)
    live = data(api.get(f"/v1/workflows/{wf['id']}/live"))
    assert (live["version"], live["status"]) == (1, "active")
    assert live["definition"]["nodes"]["log_message"]["payload"]["message"].startswith("Incoming")
    assert data(api.post(f"/v1/workflows/{wf['id']}/publish"))["version"] == 2


def test_identical_update_makes_no_new_version(api: httpx.Client) -> None:
    wf = create(api)
    same = data(api.put(f"/v1/workflows/{wf['id']}", json={"definition": LOG_DEFINITION, "name": "wf"}))
    assert same["version"] == 1 and same["updatedAt"] == wf["updatedAt"]
    assert data(api.get(f"/v1/workflows/{wf['id']}/versions/count")) == {"total": 1}


def test_version_numbering_follows_content_changes(api: httpx.Client) -> None:
    wf = create(api)
    wid = wf["id"]
    assert data(api.put(f"/v1/workflows/{wid}", json={"name": "renamed"}))["version"] == 2
    assert data(api.put(f"/v1/workflows/{wid}", json={"definition": changed("three")}))["version"] == 3
    assert data(api.post(f"/v1/workflows/{wid}/publish"))["version"] == 3
    assert data(api.put(f"/v1/workflows/{wid}", json={"description": "new"}))["version"] == 4
    versions = data(api.get(f"/v1/workflows/{wid}/versions"))
    assert [v["version"] for v in versions["items"]] == [4, 3, 2, 1]  # newest first
    assert [v["versionNumber"] for v in versions["items"]] == [4, 3, 2, 1]
    assert [v["status"] for v in versions["items"]] == ["draft", "active", "archived", "archived"]
    assert versions["currentVersion"] == 4 and versions["hasMore"] is False
    assert versions["items"][1]["publishedAt"] and versions["items"][0]["publishedAt"] is None
    assert data(api.get(f"/v1/workflows/{wid}/versions/2"))["name"] == "renamed"
    error(api.get(f"/v1/workflows/{wid}/versions/9"), 404)
    error(api.get(f"/v1/workflows/{wid}/versions/abc"), 400)
    page = data(api.get(f"/v1/workflows/{wid}/versions", params={"limit": 2, "offset": 1}))
    assert [v["version"] for v in page["items"]] == [3, 2] and page["hasMore"] is True


def test_optimistic_locking_on_update_and_publish(api: httpx.Client) -> None:
    wf = create(api)
    wid = wf["id"]
    body = error(api.put(f"/v1/workflows/{wid}", json={"name": "x", "expectedCurrentVersion": 7}), 409)
    assert "version conflict" in body["message"]
    assert (
        data(api.put(f"/v1/workflows/{wid}", json={"name": "x", "expectedCurrentVersion": 1}))["version"] == 2
    )
    error(api.post(f"/v1/workflows/{wid}/publish", json={"expectedVersion": 1}), 409)
    assert data(api.post(f"/v1/workflows/{wid}/publish", json={"expectedVersion": 2}))["status"] == "active"


def test_pause_and_resume(api: httpx.Client) -> None:
    wf = create(api)
    wid = wf["id"]
    api.post(f"/v1/workflows/{wid}/publish")
    assert data(api.post(f"/v1/workflows/{wid}/pause"))["status"] == "paused"
    assert data(api.get(f"/v1/workflows/{wid}"))["status"] == "paused"
    assert data(api.post(f"/v1/workflows/{wid}/resume"))["status"] == "active"


@pytest.mark.parametrize(
    ("setup", "action", "status", "fragment"),
    [
        ([], "pause", 400, "draft"),
        ([], "resume", 400, "draft"),
        (["publish"], "resume", 400, "active"),
        (["publish", "pause"], "pause", 400, "already paused"),
        (["archive"], "publish", 400, "archived"),
        (["archive"], "pause", 400, "archived"),
        (["archive"], "run", 400, "archived"),
        (["archive"], "update", 400, "archived"),
        ([], "unarchive", 400, "not archived"),
        ([], "discard", 400, "no live version"),
        (["publish"], "discard", 404, "no draft"),
        (["publish"], "draft", 404, "no draft"),
        ([], "live", 404, "no live version"),
        ([], "rollback-missing", 400, "targetVersion"),
        ([], "rollback-unknown", 404, "no version"),
    ],
)
def test_illegal_transitions_are_clear_errors(
    api: httpx.Client, setup: list[str], action: str, status: int, fragment: str
) -> None:
    wid = create(api)["id"]
    calls = {
        "publish": lambda: api.post(f"/v1/workflows/{wid}/publish"),
        "pause": lambda: api.post(f"/v1/workflows/{wid}/pause"),
        "resume": lambda: api.post(f"/v1/workflows/{wid}/resume"),
        "archive": lambda: api.delete(f"/v1/workflows/{wid}"),
        "unarchive": lambda: api.post(f"/v1/workflows/{wid}/unarchive"),
        "run": lambda: api.post(f"/v1/workflows/{wid}/run", json={}),
        "update": lambda: api.put(f"/v1/workflows/{wid}", json={"name": "new"}),
        "discard": lambda: api.delete(f"/v1/workflows/{wid}/draft"),
        "draft": lambda: api.get(f"/v1/workflows/{wid}/draft"),
        "live": lambda: api.get(f"/v1/workflows/{wid}/live"),
        "rollback-missing": lambda: api.post(f"/v1/workflows/{wid}/rollback", json={}),
        "rollback-unknown": lambda: api.post(f"/v1/workflows/{wid}/rollback", json={"targetVersion": 5}),
    }
    for step in setup:
        assert calls[step]().status_code == 200
    body = error(calls[action](), status)
    assert fragment in body["message"]


def test_archive_hides_and_unarchive_restores_a_draft(api: httpx.Client) -> None:
    wid = create(api)["id"]
    api.post(f"/v1/workflows/{wid}/publish")
    archived = data(api.delete(f"/v1/workflows/{wid}"))
    assert archived["status"] == "archived" and archived["hasLiveVersion"] is False
    assert data(api.delete(f"/v1/workflows/{wid}"))["status"] == "archived"  # idempotent
    assert data(api.get("/v1/workflows"))["items"] == []
    assert [w["id"] for w in data(api.get("/v1/workflows", params={"status": "archived"}))["items"]] == [wid]
    restored = data(api.post(f"/v1/workflows/{wid}/unarchive"))
    assert (restored["status"], restored["version"], restored["hasLiveVersion"]) == ("draft", 1, False)


def test_discard_draft_keeps_the_live_version(api: httpx.Client) -> None:
    wid = create(api)["id"]
    api.post(f"/v1/workflows/{wid}/publish")
    api.put(f"/v1/workflows/{wid}", json={"definition": changed("draft")})
    after = data(api.delete(f"/v1/workflows/{wid}/draft"))
    assert (after["version"], after["status"], after["hasDraft"]) == (1, "active", False)
    # the next edit takes the next free number; discarded numbers are not reused
    assert data(api.put(f"/v1/workflows/{wid}", json={"name": "again"}))["version"] == 3


@pytest.mark.parametrize("field", ["targetVersion", "versionNumber"])
def test_rollback_copies_the_target_into_a_new_draft(api: httpx.Client, field: str) -> None:
    wid = create(api)["id"]
    api.post(f"/v1/workflows/{wid}/publish")
    api.put(f"/v1/workflows/{wid}", json={"definition": changed("two")})
    api.post(f"/v1/workflows/{wid}/publish")
    rolled = data(api.post(f"/v1/workflows/{wid}/rollback", json={field: 1}))
    assert (rolled["version"], rolled["status"], rolled["hasLiveVersion"]) == (3, "draft", True)
    assert rolled["definition"] == data(api.get(f"/v1/workflows/{wid}/versions/1"))["definition"]
    assert data(api.get(f"/v1/workflows/{wid}/live"))["version"] == 2  # publish to go live
    error(api.post(f"/v1/workflows/{wid}/rollback", json={field: 1, "expectedCurrentVersion": 2}), 409)


def test_invalid_definition_is_400228_with_items(api: httpx.Client) -> None:
    bad = {
        "nodes": {
            "root": {"type": "manual", "payload": {}, "children": ["x"]},
            "x": {"type": "log", "payload": {}},
        }
    }
    body = error(api.post("/v1/workflows", json={"name": "n", "description": "", "definition": bad}), 400)
    assert body["code"] == 400228
    assert body["details"][0]["nodeId"] == "x" and body["details"][0]["field"] == "payload.message"
    wid = create(api)["id"]
    assert error(api.put(f"/v1/workflows/{wid}", json={"definition": bad}), 400)["code"] == 400228
    assert (
        error(
            api.post("/v1/workflows", json={"name": "", "description": "", "definition": LOG_DEFINITION}), 400
        )["code"]
        == 400228
    )


def test_validate_endpoint_reports_without_side_effects(api: httpx.Client) -> None:
    good = data(api.post("/v1/workflows/validate", json={"name": "n", "definition": LOG_DEFINITION}))
    assert good == {"valid": True, "errors": []}
    bad = data(api.post("/v1/workflows/validate", json={"name": "n", "definition": {"nodes": {}}}))
    assert bad["valid"] is False and bad["errors"]
    nameless = data(api.post("/v1/workflows/validate", json={"definition": LOG_DEFINITION}))
    assert nameless["valid"] is False and nameless["errors"][0]["type"] == "name"
    error(api.post("/v1/workflows/validate", json={"name": "n"}), 400)
    assert data(api.get("/v1/workflows"))["items"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"description": "", "definition": LOG_DEFINITION},
        {"name": "n", "definition": LOG_DEFINITION},
        {"name": "n", "description": ""},
        {"name": "n", "description": "", "definition": LOG_DEFINITION, "cooldownMs": 10},
        {"name": "n", "description": "", "definition": LOG_DEFINITION, "maxRuns": 0},
        {"name": "n", "description": 5, "definition": LOG_DEFINITION},
    ],
)
def test_create_rejects_bad_bodies(api: httpx.Client, body: dict[str, Any]) -> None:
    error(api.post("/v1/workflows", json=body), 400)


@pytest.mark.parametrize("raw", [b"[1]", b"not json", b'"text"', b'{"name": NaN}', b'{"maxRuns": Infinity}'])
def test_non_object_bodies_are_400(api: httpx.Client, raw: bytes) -> None:
    error(api.post("/v1/workflows", content=raw, headers={"content-type": "application/json"}), 400)


def test_list_filters_sort_and_pagination(api: httpx.Client) -> None:
    ids = [create(api, name=f"alpha {i}")["id"] for i in range(5)]
    beta = create(api, name="Beta", description="special thing")
    api.post(f"/v1/workflows/{beta['id']}/publish")
    everything = data(api.get("/v1/workflows"))
    assert everything["items"][0]["id"] == beta["id"]  # updatedAt:desc by default
    assert len(everything["items"]) == 6 and everything["hasMore"] is False
    assert "definition" not in everything["items"][0] and everything["items"][0]["nodeCount"] == 2
    assert [w["id"] for w in data(api.get("/v1/workflows", params={"q": "SPECIAL"}))["items"]] == [beta["id"]]
    assert [w["id"] for w in data(api.get("/v1/workflows", params={"status": "active"}))["items"]] == [
        beta["id"]
    ]
    assert len(data(api.get("/v1/workflows", params={"status": "draft"}))["items"]) == 5
    assert len(data(api.get("/v1/workflows", params={"type": "manual"}))["items"]) == 6
    assert data(api.get("/v1/workflows", params={"type": "cronjob"}))["items"] == []
    names = [w["name"] for w in data(api.get("/v1/workflows", params={"sort": "name:asc"}))["items"]]
    assert names == sorted(names, key=str.lower)
    oldest_last = [
        w["id"] for w in data(api.get("/v1/workflows", params={"sort": "createdAt:desc"}))["items"]
    ]
    assert oldest_last[-1] == ids[0]
    page1 = data(api.get("/v1/workflows", params={"limit": 4}))
    page2 = data(api.get("/v1/workflows", params={"limit": 4, "offset": 4}))
    assert page1["hasMore"] is True and page2["hasMore"] is False and len(page2["items"]) == 2
    assert {w["id"] for w in page1["items"] + page2["items"]} == {*ids, beta["id"]}
    for params in (
        {"limit": 101},
        {"limit": -1},
        {"offset": -1},
        {"status": "nope"},
        {"sort": "x"},
        {"limit": "a"},
    ):
        error(api.get("/v1/workflows", params=params), 400)


def test_visibility_and_trigger_info(api: httpx.Client) -> None:
    wid = create(api)["id"]
    assert data(api.put(f"/v1/workflows/{wid}/visibility", json={"visibility": "org"})) == {
        "id": wid,
        "visibility": "org",
    }
    assert data(api.get(f"/v1/workflows/{wid}"))["visibility"] == "org"
    error(api.put(f"/v1/workflows/{wid}/visibility", json={"visibility": "everyone"}), 400)
    assert data(api.get(f"/v1/workflows/{wid}/trigger-info")) == {}


def test_unknown_workflow_and_route(api: httpx.Client) -> None:
    error(api.get("/v1/workflows/wf_missing"), 404)
    error(api.get("/v1/nothing-here"), 404)
    error(api.patch("/v1/workflows"), 405)


def test_a_live_workflow_with_a_newer_draft_matches_both_status_filters(api: httpx.Client) -> None:
    wid = create(api)["id"]
    api.post(f"/v1/workflows/{wid}/publish")
    api.put(f"/v1/workflows/{wid}", json={"name": "draft on top"})
    for status in ("active", "draft"):
        assert [w["id"] for w in data(api.get("/v1/workflows", params={"status": status}))["items"]] == [wid]
    assert data(api.get("/v1/workflows", params={"status": "paused"}))["items"] == []


def test_paused_workflows_take_drafts_runs_and_publish_reactivates(api: httpx.Client) -> None:
    wid = create(api)["id"]
    api.post(f"/v1/workflows/{wid}/publish")
    api.post(f"/v1/workflows/{wid}/pause")
    draft = data(api.put(f"/v1/workflows/{wid}", json={"definition": changed("paused edit")}))
    assert (draft["version"], draft["status"]) == (2, "draft")
    assert data(api.get(f"/v1/workflows/{wid}/live"))["status"] == "paused"
    run_id = data(api.post(f"/v1/workflows/{wid}/run", json={}))["runId"]  # manual runs allowed (G19)
    assert data(api.get(f"/v1/runs/{run_id}"))["workflowVersion"] == 2
    published = data(api.post(f"/v1/workflows/{wid}/publish"))
    assert (published["version"], published["status"], published["hasDraft"]) == (2, "active", False)


def test_archiving_a_live_workflow_with_a_draft_then_unarchiving(api: httpx.Client) -> None:
    wid = create(api)["id"]
    api.post(f"/v1/workflows/{wid}/publish")
    api.put(f"/v1/workflows/{wid}", json={"name": "draft"})
    archived = data(api.delete(f"/v1/workflows/{wid}"))
    assert (archived["version"], archived["status"], archived["hasDraft"]) == (2, "archived", False)
    error(api.get(f"/v1/workflows/{wid}/live"), 404)
    restored = data(api.post(f"/v1/workflows/{wid}/unarchive"))
    assert (restored["version"], restored["status"], restored["name"]) == (2, "draft", "draft")
    assert data(api.get(f"/v1/workflows/{wid}/versions/count")) == {"total": 2}
    assert data(api.post(f"/v1/workflows/{wid}/publish"))["status"] == "active"


def test_search_is_case_insensitive_beyond_ascii(api: httpx.Client) -> None:
    wid = create(api, name="Ünïcödé Straße")["id"]
    for q in ("ünïcödé", "ÜNÏCÖDÉ", "straße", "test workflow"):
        assert [w["id"] for w in data(api.get("/v1/workflows", params={"q": q}))["items"]] == [wid], q
    assert data(api.get("/v1/workflows", params={"q": "100%_"}))["items"] == []
