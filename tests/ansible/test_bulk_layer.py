"""b3os.workflow.bulk (what the b3os.b3os.workflows module calls) against b3os-local: every item is
read and validated before the first write; a second apply is a no-op with zero writes."""

from __future__ import annotations

import pytest

from b3os.client import Client
from b3os.errors import ConfigError, DefinitionError
from b3os.local import LocalServer, is_write
from b3os.workflow import WorkflowSpec
from b3os.workflow.bulk import apply_specs, load_spec_texts

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
