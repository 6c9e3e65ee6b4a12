"""Routes the official client calls (issue 17) and the integer/paging edges, with the documented choices."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from b3os.local.client_routes import next_run_at
from tests.local.helpers import LOG_DEFINITION, create, data, error, run, wait_for_run
from tests.local.test_runs import WAIT

BIG = 2**63  # one past int64
CRON = {"nodes": {"root": {"type": "cronjob", "children": [],
                           "payload": {"rrule": "DTSTART:20260101T090000Z\nRRULE:FREQ=HOURLY;INTERVAL=2"}}}}  # fmt: skip


def test_whoami_lists_the_keys_organization(api: httpx.Client) -> None:
    page = data(api.get("/v1/organizations"))
    (org,) = page["items"]
    assert org["id"] == create(api)["organizationId"] and page["hasMore"] is False
    assert data(api.get("/v1/organizations", params={"offset": 1}))["items"] == []
    error(api.get("/v1/organizations", params={"offset": str(BIG)}), 400)
    error(httpx.get(f"{api.base_url}/v1/organizations", headers={"Authorization": "Bearer b3sk_wrong"}), 401)


def test_schedule_reports_the_next_run_of_a_live_cronjob_only(api: httpx.Client) -> None:
    wf = create(api, CRON)
    draft = data(api.get(f"/v1/workflows/{wf['id']}/schedule"))
    assert "nextRunAt" not in draft and draft["serverTime"].endswith("Z")  # a draft never fires
    data(api.post(f"/v1/workflows/{wf['id']}/publish", json={}))
    live = data(api.get(f"/v1/workflows/{wf['id']}/schedule"))
    nxt = datetime.fromisoformat(live["nextRunAt"].replace("Z", "+00:00"))
    now = datetime.fromisoformat(live["serverTime"].replace("Z", "+00:00"))
    assert 0 < (nxt - now).total_seconds() <= 7200 and nxt.minute == 0 and nxt.hour % 2 == 1
    manual = create(api)
    assert "nextRunAt" not in data(api.get(f"/v1/workflows/{manual['id']}/schedule"))
    error(api.get("/v1/workflows/wf_nope/schedule"), 404)


@pytest.mark.parametrize(
    ("rrule", "expected"),
    [("DTSTART:20260101T090000Z\nRRULE:FREQ=DAILY;INTERVAL=1", "2026-06-02T09:00:00"),
     ("DTSTART:20270101T000000Z\nRRULE:FREQ=WEEKLY", "2027-01-01T00:00:00"),
     ("DTSTART:20260101T090000Z\nRRULE:FREQ=MONTHLY", None),
     ("RRULE:FREQ=DAILY", None)],
)  # fmt: skip
def test_next_run_at(rrule: str, expected: str | None) -> None:
    got = next_run_at(rrule, datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    assert (got.strftime("%Y-%m-%dT%H:%M:%S") if got else None) == expected


def test_analyze_funds_is_a_stub_with_no_requirements(api: httpx.Client) -> None:
    wf = create(api)
    got = data(api.get(f"/v1/workflows/{wf['id']}/analyze-funds"))
    assert got == {"workflowId": wf["id"], "workflowVersion": 1, "requirements": [], "unresolved": [],
                   "balancesFetched": False}  # fmt: skip
    error(api.get(f"/v1/workflows/{wf['id']}/analyze-funds", params={"version": 7}), 404)
    error(api.get(f"/v1/workflows/{wf['id']}/analyze-funds", params={"version": str(BIG)}), 400)
    error(api.get("/v1/workflows/wf_nope/analyze-funds"), 404)


def test_ephemeral_run_executes_an_inline_definition_and_saves_no_workflow(api: httpx.Client) -> None:
    run_id = data(api.post("/v1/runs", json={"definition": LOG_DEFINITION, "payload": {"message": "m"},
                                             "runId": "run_ephemeral1"}))["runId"]  # fmt: skip
    assert run_id == "run_ephemeral1"
    done = wait_for_run(api, run_id)
    assert done["status"] == "success" and done["workflowId"] == ""
    assert done["executionState"]["log_message"]["result"]["message"] == "Incoming message: m"
    assert data(api.get("/v1/workflows"))["items"] == []
    assert (
        error(api.post("/v1/runs", json={"definition": LOG_DEFINITION, "runId": run_id}), 400)["code"]
        == 400079
    )
    assert (
        error(api.post("/v1/runs", json={"definition": LOG_DEFINITION, "runId": "x"}), 400)["code"] == 400078
    )
    assert error(api.post("/v1/runs", json={"definition": {"nodes": {}}}), 400)["code"] == 400228
    assert error(api.post("/v1/runs", json={"definition": CRON}), 400)["code"] == 400229
    error(api.post("/v1/runs", json={}), 400)
    error(api.post("/v1/runs", json={"definition": LOG_DEFINITION, "payload": []}), 400)
    error(api.post(f"/v1/runs/{run_id}/retry"), 409)  # a successful run does not retry


def test_sync_run_returns_the_finished_state_and_is_not_shadowed_by_get_run(api: httpx.Client) -> None:
    got = data(api.post("/v1/runs/sync", json={"definition": LOG_DEFINITION, "payload": {"message": "s"}}))
    assert got["status"] == "success" and isinstance(got["durationMs"], int)
    assert got["executionState"]["log_message"]["result"]["message"] == "Incoming message: s"
    assert data(api.get(f"/v1/runs/{got['runId']}"))["status"] == "success"
    error(api.post("/v1/runs/sync", json={"definition": WAIT}), 400)  # no wait/for-each in a sync run
    many = {"nodes": {"root": {"type": "manual", "payload": {}, "children": [f"n{i}" for i in range(20)]},
                      **{f"n{i}": {"type": "log", "payload": {"message": "x"}} for i in range(20)}}}  # fmt: skip
    error(api.post("/v1/runs/sync", json={"definition": many}), 400)  # 21 nodes > 20


def test_version_rows_carry_their_own_created_at_and_by(api: httpx.Client) -> None:
    wf = create(api)
    time.sleep(0.005)  # timestamps have millisecond precision
    data(api.put(f"/v1/workflows/{wf['id']}", json={"name": "second"}))
    items = data(api.get(f"/v1/workflows/{wf['id']}/versions"))["items"]
    assert [i["versionNumber"] for i in items] == [2, 1]
    assert items[1]["createdAt"] == wf["createdAt"]
    assert items[0]["createdAt"] > items[1]["createdAt"]  # ISO-8601 with ms: sortable
    assert all(i["createdBy"] == wf["createdBy"] for i in items)
    assert data(api.get(f"/v1/workflows/{wf['id']}/versions/2"))["createdAt"] == items[0]["createdAt"]
    assert data(api.get(f"/v1/workflows/{wf['id']}"))["createdAt"] == wf["createdAt"]  # the workflow's own


INT_EDGES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/v1/workflows?offset={big}", None),
    ("GET", "/v1/workflows?limit={big}", None),
    ("GET", "/v1/runs?offset={big}", None),
    ("GET", "/v1/runs?offset=-{big}", None),
    ("GET", "/v1/workflows/{wf}/runs?offset={big}", None),
    ("GET", "/v1/workflows/{wf}/versions?offset={big}", None),
    ("GET", "/v1/workflows/{wf}/versions/{big}", None),
    ("GET", "/v1/workflows/{wf}/versions/99999999999999999999999999999", None),
    ("POST", "/v1/workflows/{wf}/rollback", {"targetVersion": BIG}),
    ("POST", "/v1/workflows/{wf}/rollback", {"targetVersion": 1, "expectedCurrentVersion": BIG}),
    ("POST", "/v1/workflows/{wf}/publish", {"expectedVersion": BIG}),
    ("POST", "/v1/workflows/{wf}/run", {"version": BIG}),
    ("PUT", "/v1/workflows/{wf}", {"cooldownMs": BIG}),
    ("PUT", "/v1/workflows/{wf}", {"maxRuns": BIG}),
    ("PUT", "/v1/workflows/{wf}", {"expectedCurrentVersion": -BIG - 1}),
    (
        "POST",
        "/v1/workflows",
        {"name": "n", "description": "", "definition": LOG_DEFINITION, "cooldownMs": BIG},
    ),
]


@pytest.mark.parametrize(("method", "path", "body"), INT_EDGES)
def test_integers_beyond_int64_are_a_400_never_a_500(
    api: httpx.Client, method: str, path: str, body: dict[str, Any] | None
) -> None:
    wf = create(api)
    url = path.format(wf=wf["id"], big=BIG)
    got = error(api.request(method, url, json=body), 400)
    assert "OverflowError" not in got["message"]


def test_int64_max_itself_is_in_range(api: httpx.Client) -> None:
    wf = create(api)
    assert data(api.get("/v1/runs", params={"offset": str(BIG - 1)}))["items"] == []
    error(api.get(f"/v1/workflows/{wf['id']}/versions/{BIG - 1}"), 404)  # parsed, just not there
    got = data(api.put(f"/v1/workflows/{wf['id']}", json={"cooldownMs": BIG - 1}))
    assert got["cooldownMs"] == BIG - 1


def test_limit_zero_means_the_default_page(api: httpx.Client) -> None:
    ids = [create(api, name=f"w{i}")["id"] for i in range(3)]
    page = data(api.get("/v1/workflows", params={"limit": 0}))
    assert page["limit"] == 20 and {w["id"] for w in page["items"]} == set(ids)
    error(api.get("/v1/workflows", params={"limit": -1}), 400)


def test_discarding_the_draft_of_a_never_published_workflow_is_a_400(api: httpx.Client) -> None:
    wf = create(api)
    got = error(api.delete(f"/v1/workflows/{wf['id']}/draft"), 400)
    assert "archive it instead" in got["message"]
    assert data(api.get(f"/v1/workflows/{wf['id']}"))["status"] == "draft"  # nothing changed


def test_workflow_run_stream_for_an_unknown_id_is_a_404_before_streaming(api: httpx.Client) -> None:
    got = api.get("/v1/workflows/wf_nope/runs/stream")
    assert got.headers["content-type"].startswith("application/json")
    error(got, 404)
    wf = create(api)
    run(api, wf["id"])


def test_one_shot_action_run_returns_the_result_of_the_local_handler(api: httpx.Client) -> None:
    got = data(api.post("/v1/actions/log/run", json={"inputs": {"message": "one shot"}}))
    assert got["result"]["message"] == "one shot" and isinstance(got["durationMs"], int)
    assert data(api.post("/v1/actions/format/run", json={"inputs": {"template": "x"}}))["result"] == {
        "result": "x"
    }
    items = error(api.post("/v1/actions/log/run", json={"inputs": {}}), 400)["details"]
    assert [(i["nodeId"], i["field"]) for i in items] == [("action", "payload.message")]
    error(api.post("/v1/actions/log/run", json={}), 400)  # inputs is required
    error(api.post("/v1/actions/wait/run", json={"inputs": {}}), 400)  # needs a workflow around it
    error(
        api.post("/v1/actions/pluck/run", json={"inputs": {"array": 1, "path": "a"}}), 400
    )  # the node fails
    error(api.post("/v1/actions/slack-send-message/run", json={"inputs": {}}), 404)
    error(api.post("/v1/actions/manual/run", json={"inputs": {}}), 404)  # a trigger
    error(httpx.post(f"{api.base_url}/v1/actions/log/run", json={"inputs": {"message": "m"}}), 401)
