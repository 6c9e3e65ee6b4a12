"""Runs really execute (§7, §11): trigger result, expressions, built-ins, simulate, cancel/retry, wait."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from b3os.local import LocalServer
from tests.local.helpers import create, data, error, run, wait_for_run


def graph(
    *nodes: tuple[str, str, dict[str, Any], list[str]], extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """graph(("a","log",{...},["b"]), ...) → a definition whose root points at the first node."""
    out: dict[str, Any] = {"root": {"type": "manual", "payload": {}, "children": [nodes[0][0]]}}
    for nid, ntype, payload, children in nodes:
        out[nid] = {"type": ntype, "payload": payload, "children": children, **(extra or {}).get(nid, {})}
    return {"nodes": out}


def start(api: httpx.Client, definition: dict[str, Any], **body: Any) -> dict[str, Any]:
    wid = create(api, definition)["id"]
    run_id = run(api, wid, **body)
    result: dict[str, Any] = wait_for_run(api, run_id)
    return result


def test_trigger_result_and_both_notations(api: httpx.Client) -> None:
    definition = graph(
        (
            "a",
            "log",
            {"message": "{{$trigger.body.message}}|{{root.result.message}}|{{$trigger.source}}"},
            ["b"],
        ),
        ("b", "log", {"message": "{{$nodes.a.result.message}}/{{a.result.message}}/{{$workflow.id}}"}, []),
    )
    result = start(api, definition, payload={"message": "hi"})
    assert result["status"] == "success" and result["triggerSource"] == "manual"
    root = result["executionState"]["root"]
    assert root["status"] == "success" and root["result"]["body"] == {"message": "hi"}
    assert root["result"]["message"] == "hi" and root["result"]["triggeredAt"].endswith("Z")
    assert "authorization" not in {k.lower() for k in root["result"]["headers"]}  # keys never stored
    assert result["executionState"]["a"]["result"]["message"] == "hi|hi|manual"
    assert (
        result["executionState"]["b"]["result"]["message"]
        == f"hi|hi|manual/hi|hi|manual/{result['workflowId']}"
    )
    assert result["executionState"]["b"]["input"] == {
        "message": result["executionState"]["b"]["result"]["message"]
    }


def test_whole_expressions_keep_their_json_type_and_fallbacks(api: httpx.Client) -> None:
    definition = graph(
        ("f", "format", {"template": "{{$trigger.body.items}}", "n": "{{$trigger.body.missing || 7}}"}, [])
    )
    result = start(api, definition, payload={"items": [1, 2]})
    assert result["executionState"]["f"]["result"] == {"result": [1, 2]}
    assert result["executionState"]["f"]["input"]["n"] == 7


CONDITIONS = [
    ("$eq", 5, True), ("$eq", 6, False), ("$ne", 6, True), ("$gt", 4, True), ("$gt", 5, False),
    ("$gte", 5, True), ("$lt", 6, True), ("$lte", 4, False), ("$in", [1, 5], True), ("$notIn", [1, 5], False),
    ("$exists", True, True), ("$notExists", True, False),
]  # fmt: skip


@pytest.mark.parametrize(("op", "right", "taken"), CONDITIONS, ids=[f"{c[0]}-{c[1]}" for c in CONDITIONS])
def test_if_operators_pick_a_branch_and_skip_the_other(
    api: httpx.Client, op: str, right: Any, taken: bool
) -> None:
    definition = graph(
        ("check", "if", {"condition": {"$and": [{"{{$trigger.body.n}}": {op: right}}]}}, ["yes", "no"]),
        ("yes", "log", {"message": "then"}, ["after"]),
        ("no", "log", {"message": "else"}, []),
        ("after", "log", {"message": "after"}, []),
        extra={"yes": {"branch": "then"}, "no": {"branch": "else"}},
    )
    state = start(api, definition, payload={"n": 5})["executionState"]
    assert state["check"]["result"]["result"] is taken
    assert state["yes"]["status"] == ("success" if taken else "skipped")
    assert state["after"]["status"] == ("success" if taken else "skipped")
    assert state["no"]["status"] == ("skipped" if taken else "success")


@pytest.mark.parametrize(
    ("condition", "taken"),
    [
        (
            {"$or": [{"{{$trigger.body.s}}": {"$contains": "ell"}}, {"{{$trigger.body.s}}": {"$eq": "x"}}]},
            True,
        ),
        (
            {
                "$and": [
                    {"{{$trigger.body.s}}": {"$startsWith": "he"}},
                    {"{{$trigger.body.s}}": {"$endsWith": "lo"}},
                ]
            },
            True,
        ),
        ({"$and": [{"{{$trigger.body.s}}": {"$notContains": "ell"}}]}, False),
    ],
)
def test_string_operators_and_or(api: httpx.Client, condition: dict[str, Any], taken: bool) -> None:
    definition = graph(("check", "if", {"condition": condition}, []))
    assert (
        start(api, definition, payload={"s": "hello"})["executionState"]["check"]["result"]["result"] is taken
    )


def test_for_each_runs_the_body_per_item(api: httpx.Client) -> None:
    definition = graph(("loop", "for-each", {"array": "{{$trigger.body.items}}"}, ["done"]),
                       ("body", "log", {"message": "item {{$index}}={{$item.name}}"}, []),
                       ("done", "log", {"message": "finished"}, []),
                       extra={"loop": {"loopBody": ["body"]}})  # fmt: skip
    result = start(api, definition, payload={"items": [{"name": "a"}, {"name": "b"}]})
    loop = result["executionState"]["loop"]
    assert loop["status"] == "success" and loop["result"]["count"] == 2
    assert [it["body"]["result"]["message"] for it in loop["iterations"]] == ["item 0=a", "item 1=b"]
    assert result["executionState"]["done"]["status"] == "success"


def test_unknown_action_fails_unless_simulated(api: httpx.Client) -> None:
    definition = graph(
        ("price", "coingecko-get-token-price", {"id": "eth"}, ["after"]),
        ("after", "log", {"message": "x"}, []),
    )
    failed = start(api, definition)
    assert failed["status"] == "failure"
    assert "simulate=true" in failed["executionState"]["price"]["result"]["error"]
    assert failed["executionState"]["after"]["status"] == "pending"  # unreached nodes stay pending
    simulated = start(api, definition, simulate=True)
    assert simulated["status"] == "success" and simulated["isSimulation"] is True
    assert simulated["executionState"]["price"]["result"]["simulated"] is True


def test_delay_is_compressed_by_time_scale(api: httpx.Client, server: LocalServer) -> None:
    server.set_time_scale(0.001)
    result = start(api, graph(("d", "delay", {"delayMs": 60_000}, [])))
    assert result["status"] == "success" and result["executionState"]["d"]["result"]["status"] == "ok"


def test_run_version_defaults_to_draft_then_live_and_can_be_chosen(api: httpx.Client) -> None:
    wid = create(api)["id"]
    api.post(f"/v1/workflows/{wid}/publish")
    assert wait_for_run(api, run(api, wid))["workflowVersion"] == 1
    api.put(f"/v1/workflows/{wid}", json={"name": "v2"})
    assert wait_for_run(api, run(api, wid))["workflowVersion"] == 2  # draft wins (G19)
    assert wait_for_run(api, run(api, wid, version=1))["workflowVersion"] == 1
    error(api.post(f"/v1/workflows/{wid}/run", json={"version": 9}), 404)


def test_client_chosen_run_ids(api: httpx.Client) -> None:
    wid = create(api)["id"]
    assert run(api, wid, runId="run_mine1") == "run_mine1"
    assert error(api.post(f"/v1/workflows/{wid}/run", json={"runId": "run_mine1"}), 400)["code"] == 400079
    assert error(api.post(f"/v1/workflows/{wid}/run", json={"runId": "bad id"}), 400)["code"] == 400078
    error(api.post(f"/v1/workflows/{wid}/run", json={"payload": [1]}), 400)
    error(api.post(f"/v1/workflows/{wid}/run", json={"simulate": "yes"}), 400)


def test_get_run_summary_and_node_ids(api: httpx.Client) -> None:
    wid = create(api)["id"]
    run_id = run(api, wid)
    wait_for_run(api, run_id)
    summary = data(api.get(f"/v1/runs/{run_id}", params={"summary": "true"}))
    assert "executionState" not in summary and "workflowDefinition" not in summary
    only = data(api.get(f"/v1/runs/{run_id}", params={"nodeIds": "log_message"}))
    assert list(only["executionState"]) == ["log_message"]
    error(api.get("/v1/runs/run_unknown"), 404)


def test_run_lists(api: httpx.Client) -> None:
    first, second = create(api)["id"], create(api)["id"]
    ids = [run(api, first), run(api, first), run(api, second)]
    for rid in ids:
        wait_for_run(api, rid)
    everything = data(api.get("/v1/runs"))
    assert [r["id"] for r in everything["items"]] == ids[::-1]
    assert everything["items"][0]["workflowName"] == "wf" and "executionState" not in everything["items"][0]
    assert [r["id"] for r in data(api.get(f"/v1/workflows/{first}/runs"))["items"]] == ids[1::-1]
    assert [r["id"] for r in data(api.get("/v1/runs", params={"workflowId": second}))["items"]] == [ids[2]]
    assert data(api.get("/v1/runs", params={"status": "failure"}))["items"] == []
    page = data(api.get("/v1/runs", params={"limit": 2}))
    assert page["hasMore"] is True and len(page["items"]) == 2
    error(api.get("/v1/runs", params={"status": "bogus"}), 400)
    error(api.get("/v1/workflows/wf_nope/runs"), 404)


WAIT = graph(
    ("hold", "wait", {"triggerType": "manual", "timeoutMs": 3_600_000}, ["resumed", "late"]),
    ("resumed", "log", {"message": "got {{hold.result.data.answer}}"}, []),
    ("late", "log", {"message": "timed out"}, []),
    extra={"resumed": {"branch": "resumed"}, "late": {"branch": "timed_out"}},
)


def test_wait_then_resume_takes_the_resumed_branch(api: httpx.Client) -> None:
    wf = create(api, WAIT)
    run_id = run(api, wf["id"])
    waiting = wait_for_run(api, run_id, lambda r: r["status"] == "waiting")
    assert waiting["executionState"]["hold"]["status"] == "waiting"
    url = f"/v1/runs/{run_id}/nodes/hold/resume"
    error(api.post(url, params={"secret": "wrong"}, json={}), 401)
    assert data(api.post(url, params={"secret": wf["triggerSecret"]}, json={"data": {"answer": 42}})) == {
        "action": "resumed"
    }
    done = wait_for_run(api, run_id)
    assert done["status"] == "success"
    assert done["executionState"]["resumed"]["result"]["message"] == "got 42"
    assert done["executionState"]["late"]["status"] == "skipped"
    again = data(api.post(url, params={"secret": wf["triggerSecret"]}, json={}))
    assert again["action"] == "skipped"


def test_wait_timeout_takes_the_timed_out_branch(api: httpx.Client, server: LocalServer) -> None:
    server.set_time_scale(0.0001)
    done = start(api, WAIT)
    assert done["status"] == "success"
    assert done["executionState"]["late"]["status"] == "success"
    assert done["executionState"]["resumed"]["status"] == "skipped"


def test_cancel_a_waiting_run_and_refuse_cancelling_a_finished_one(api: httpx.Client) -> None:
    wid = create(api, WAIT)["id"]
    run_id = run(api, wid)
    wait_for_run(api, run_id, lambda r: r["status"] == "waiting")
    cancelled = data(api.post(f"/v1/runs/{run_id}/cancel"))
    assert cancelled["status"] == "cancelled" and cancelled["finishedAt"]
    assert {cancelled["executionState"][n]["status"] for n in ("hold", "resumed", "late")} == {"cancelled"}
    assert wait_for_run(api, run_id)["status"] == "cancelled"
    assert "it is cancelled" in error(api.post(f"/v1/runs/{run_id}/cancel"), 409)["message"]


def test_retry_makes_a_new_run_that_skips_succeeded_nodes(api: httpx.Client) -> None:
    definition = graph(("first", "log", {"message": "one"}, ["boom"]), ("boom", "some-action", {}, []))
    wid = create(api, definition)["id"]
    failed = wait_for_run(api, run(api, wid))
    assert failed["status"] == "failure"
    retried = data(api.post(f"/v1/runs/{failed['id']}/retry"))
    assert retried["runId"] == retried["id"] != failed["id"] and retried["sourceRunId"] == failed["id"]
    second = wait_for_run(api, retried["id"])
    assert second["executionState"]["first"]["result"] == failed["executionState"]["first"]["result"]
    assert second["status"] == "failure"  # the failing node fails again
    ok = wait_for_run(api, run(api, create(api)["id"]))
    error(api.post(f"/v1/runs/{ok['id']}/retry"), 409)


def test_cancelled_runs_can_be_retried(api: httpx.Client) -> None:
    wid = create(api, WAIT)["id"]
    run_id = run(api, wid)
    wait_for_run(api, run_id, lambda r: r["status"] == "waiting")
    api.post(f"/v1/runs/{run_id}/cancel")
    retried = data(api.post(f"/v1/runs/{run_id}/retry"))
    assert wait_for_run(api, retried["id"], lambda r: r["status"] == "waiting")["sourceRunId"] == run_id
    api.post(f"/v1/runs/{retried['id']}/cancel")


def test_webhook_runs_the_live_version(api: httpx.Client, server: LocalServer) -> None:
    wf = create(api)
    hook = f"/v1/webhooks/{wf['triggerSecret']}"
    error(httpx.post(str(api.base_url) + hook, json={"message": "x"}), 400)  # not active yet
    published = data(api.post(f"/v1/workflows/{wf['id']}/publish"))
    result = data(
        httpx.post(str(api.base_url) + hook, json={"message": "hook"}, headers={"x-request-id": "abc"})
    )
    done = wait_for_run(api, result["runId"])
    assert done["triggerSource"] == "webhook"
    assert done["executionState"]["log_message"]["result"]["message"] == "Incoming message: hook"
    assert done["executionState"]["root"]["result"]["headers"]["x-request-id"] == "abc"
    error(httpx.post(str(api.base_url) + "/v1/webhooks/unknown-secret", json={}), 404)
    after = data(api.get(f"/v1/workflows/{wf['id']}"))
    assert after["lastTriggeredAt"].endswith("Z") and after["updatedAt"] == published["updatedAt"]
    assert all(wf["triggerSecret"] not in e["path"] for e in server.requests())  # secrets stay out of the log
    assert "/v1/webhooks/{secret}" in {e["path"] for e in server.requests()}


def test_webhook_max_runs_pauses_when_exhausted(api: httpx.Client) -> None:
    wf = create(api, maxRuns=1)
    api.post(f"/v1/workflows/{wf['id']}/publish")
    hook = str(api.base_url) + f"/v1/webhooks/{wf['triggerSecret']}"
    data(httpx.post(hook, json={"message": "once"}))
    paused = data(api.get(f"/v1/workflows/{wf['id']}"))
    assert (paused["status"], paused["remainRuns"], paused["pausedReason"]) == (
        "paused",
        0,
        "max_runs_exhausted",
    )
    error(httpx.post(hook, json={}), 400)


def test_filter_pluck_and_format(api: httpx.Client) -> None:
    items = [{"name": "a", "n": 1}, {"name": "b", "n": 5}, {"name": "c", "n": 9}]
    definition = graph(
        (
            "big",
            "filter",
            {"array": "{{$trigger.body.items}}", "condition": {"{{$item.n}}": {"$gt": 2}}},
            ["names"],
        ),
        ("names", "pluck", {"array": "{{big.result.result}}", "path": "name"}, ["text"]),
        ("text", "format", {"template": "picked {{names.result.result}}"}, []),
    )
    state = start(api, definition, payload={"items": items})["executionState"]
    assert state["big"]["result"] == {"result": items[1:], "count": 2}
    assert state["names"]["result"] == {"result": ["b", "c"]}
    assert state["text"]["result"] == {"result": 'picked ["b","c"]'}


def test_for_each_with_some_failing_iterations_is_partial(api: httpx.Client) -> None:
    definition = graph(
        ("loop", "for-each", {"array": "{{$trigger.body.items}}"}, []),
        ("check", "if", {"condition": {"$and": [{"{{$item}}": {"$eq": 2}}]}}, ["bad"]),
        ("bad", "not-a-builtin", {}, []),
        extra={"loop": {"loopBody": ["check"]}, "bad": {"branch": "then"}},
    )
    result = start(api, definition, payload={"items": [1, 2, 3]})
    assert result["status"] == "partial"
    loop = result["executionState"]["loop"]
    assert loop["status"] == "partial" and (loop["result"]["succeeded"], loop["result"]["failed"]) == (2, 1)
    assert [it["bad"]["status"] for it in loop["iterations"]] == ["skipped", "failure", "skipped"]


def test_multi_trigger_runs_fire_the_chosen_trigger(api: httpx.Client) -> None:
    definition = {
        "triggerNodeIds": ["t_manual", "t_other"],
        "nodes": {
            "t_manual": {"type": "manual", "payload": {}, "children": ["say"]},
            "t_other": {"type": "manual", "payload": {}, "children": ["say"]},
            "say": {"type": "log", "payload": {"message": "from {{root.result.message}}"}, "children": []},
        },
    }
    wid = create(api, definition)["id"]
    done = wait_for_run(api, run(api, wid, payload={"message": "two"}, triggerNodeId="t_other"))
    assert done["triggerNodeId"] == "t_other" and done["executionState"]["t_other"]["status"] == "success"
    assert done["executionState"]["say"]["result"]["message"] == "from two"  # root = the firing trigger
    assert "t_manual" not in done["executionState"]
    error(api.post(f"/v1/workflows/{wid}/run", json={"triggerNodeId": "say"}), 400)


def test_cancel_interrupts_a_delay_and_the_run_stays_cancelled(api: httpx.Client) -> None:
    wid = create(
        api, graph(("d", "delay", {"delayMs": 600_000}, ["after"]), ("after", "log", {"message": "x"}, []))
    )["id"]
    run_id = run(api, wid)
    wait_for_run(api, run_id, lambda r: r["executionState"]["d"]["status"] == "running")
    assert data(api.post(f"/v1/runs/{run_id}/cancel"))["status"] == "cancelled"
    final = wait_for_run(api, run_id)
    assert final["status"] == "cancelled"
    assert (final["executionState"]["d"]["status"], final["executionState"]["after"]["status"]) == (
        "cancelled",
    ) * 2
