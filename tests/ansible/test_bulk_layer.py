"""b3os.workflow.bulk (what the b3os.b3os.workflows module calls) against b3os-local: every item is
read and validated before the first write; a second apply is a no-op with zero writes."""

from __future__ import annotations

import pytest

from b3os.client import Client
from b3os.errors import ConfigError, DefinitionError
from b3os.local import LocalServer, is_write
from b3os.workflow import WorkflowSpec
from b3os.workflow.bulk import apply_bulk, apply_specs, check_prune_owner, load_spec_texts, prune_plans

GOOD = {
    "nodes": {
        "root": {"type": "manual", "payload": {}, "children": ["log"]},
        "log": {"type": "log", "payload": {"message": "m {{$trigger.body.x}}"}},
    }
}


def test_apply_specs_converges_and_the_second_call_writes_nothing(local_server: LocalServer) -> None:
    specs = [WorkflowSpec.build(name=f"bulk-{i}", definition=GOOD) for i in range(5)]
    with Client(base_url=local_server.url, api_key=local_server.api_key) as client:
        first = apply_specs(client, specs)
        assert [r.actions for r in first] == [["create", "publish"]] * 5
        local_server.clear_requests()
        again = apply_specs(client, specs)
    assert not any(r.changed for r in again)
    assert [r for r in local_server.requests() if is_write(r)] == []


def test_a_bad_item_last_means_no_write_for_the_first(local_server: LocalServer) -> None:
    bad = {
        "nodes": {
            "root": {"type": "manual", "payload": {}, "children": []},
            "orphan": {"type": "log", "payload": {"message": "x"}},
        }
    }
    specs = [
        WorkflowSpec.build(name="bulk-ok", definition=GOOD),
        WorkflowSpec.build(name="bulk-bad", definition=bad, validate=False),
    ]
    with (
        Client(base_url=local_server.url, api_key=local_server.api_key) as client,
        pytest.raises(DefinitionError),
    ):
        apply_specs(client, specs)
    assert [r for r in local_server.requests() if is_write(r)] == []


def test_the_same_workflow_twice_is_refused_before_any_request(local_server: LocalServer) -> None:
    specs = [WorkflowSpec.build(name="twice", definition=GOOD)] * 2
    with (
        Client(base_url=local_server.url, api_key=local_server.api_key) as client,
        pytest.raises(ConfigError, match="listed twice"),
    ):
        apply_specs(client, specs)
    assert local_server.requests() == []


def test_load_spec_texts_reads_like_load_specs_and_names_the_given_label() -> None:
    loaded = load_spec_texts(
        {
            "a.yaml": "name: a\ndefinition_file: d/a.json\n",
            "d/a.json": '{"nodes": {"root": {"type": "manual", "payload": {}}}}',
        },
        label="roles/r/files/wf",
    )
    assert [(label, spec.name) for label, spec in loaded] == [("roles/r/files/wf/a.yaml", "a")]
    with pytest.raises(ConfigError, match="roles/r/files/wf/b.yaml"):
        load_spec_texts({"b.yaml": "name: b\nbogus: 1\n"}, label="roles/r/files/wf")


def test_apply_bulk_prunes_only_this_owners_undeclared_live_workflows(local_server: LocalServer) -> None:
    mine = [WorkflowSpec.build(name=f"mine-{i}", definition=GOOD, owner="team-a") for i in range(3)]
    with Client(base_url=local_server.url, api_key=local_server.api_key) as client:
        ids = [r.state.id for r in apply_specs(client, mine) if r.state is not None]
        others = [
            WorkflowSpec.build(name="theirs", definition=GOOD, owner="team-b"),
            WorkflowSpec.build(name="nobody's", definition=GOOD),
        ]
        apply_specs(client, others)
        keep = {ids[0], ids[2]}
        local_server.clear_requests()
        plans = prune_plans(client, "team-a", keep)
        # one listing, then one GET per live workflow not kept (3 here: mine-1, theirs, nobody's)
        gets = [r["path"] for r in local_server.requests() if r["path"].startswith("/v1/workflows/wf_")]
        assert sorted(gets) == sorted(
            f"/v1/workflows/{i}" for i in {*ids, *[w.id for w in client.iter_workflows()]} - keep
        )
        assert [(p.spec.id, p.action_names) for p in plans] == [(ids[1], ["archive"])]
        predicted = apply_bulk(client, mine[::2], dry_run=True, prune_owner="team-a")
        assert [r.actions for r in predicted.pruned] == [["archive"]]
        done = apply_bulk(client, mine[::2], prune_owner="team-a")
        assert [r.plan.spec.id for r in done.pruned] == [ids[1]]
        local_server.clear_requests()
        again = apply_bulk(client, mine[::2], prune_owner="team-a")
    assert again.pruned == [] and not any(r.changed for r in again.applied)
    assert [r for r in local_server.requests() if is_write(r)] == []


@pytest.mark.parametrize("owner", ["ansible", " "])
def test_prune_with_a_shared_or_blank_owner_is_refused_before_any_request(
    local_server: LocalServer, owner: str
) -> None:
    with (
        Client(base_url=local_server.url, api_key=local_server.api_key) as client,
        pytest.raises(ConfigError, match="prune"),
    ):
        apply_bulk(client, [WorkflowSpec.build(name="x", definition=GOOD)], prune_owner=owner)
    assert local_server.requests() == []
    with pytest.raises(ConfigError, match="prune needs an owner"):
        check_prune_owner(None)
