# Copyright: b3os-iac contributors
# Apache License 2.0 (see LICENSE at https://www.apache.org/licenses/LICENSE-2.0)

"""The bulk workflows module: list items and src files become specs, per-item results come back.
apply_bulk is replaced by the predicting recorder of test_workflow (no test here can write)."""

from __future__ import annotations

import json

import pytest

from ansible_collections.b3os.b3os.plugins.module_utils import b3os_workflow
from ansible_collections.b3os.b3os.plugins.modules import workflows

from .test_workflow import DEFINITION, EXPR, Recorder


@pytest.fixture
def recorder(monkeypatch):
    one = Recorder()
    monkeypatch.setattr(b3os_workflow, "apply_bulk", one)
    return one


def test_items_and_files_in_one_call_with_per_item_results(run_module, recorder):
    files = {
        "b.yaml": "name: from b\nstate: draft\ndefinition_file: defs/b.json\n",
        "a.json": json.dumps({"name": "from a", "definition": DEFINITION}),
        "defs/b.json": json.dumps(DEFINITION),
        "README.txt": "not a workflow",
    }
    result = run_module(
        workflows,
        dict(src="workflows", src_files=files, workflows=[dict(name="listed", definition=DEFINITION)]),
        check=True,
        diff=True,
    )
    names = [r["workflow_name"] for r in result["results"]]
    assert names == ["from a", "from b", "listed"]  # files sorted, then the list
    assert [r["source"] for r in result["results"]][:2] == ["workflows/a.json", "workflows/b.yaml"]
    assert [c["spec"].state for c in recorder.calls] == ["published", "draft", "published"]
    assert recorder.calls[1]["spec"].definition["nodes"]["log_message"]["payload"]["message"] == EXPR
    assert result["changed"] is True and all(r["changed"] for r in result["results"])
    assert any(a.startswith("workflows/a.json: create") for a in result["actions"])
    assert len(result["diff"]) == 6  # before/after + summary per workflow


def test_state_present_in_a_file_means_published(run_module, recorder):
    files = {"x.yml": "name: x\nstate: present\ndefinition:\n  nodes:\n    root: {type: manual, payload: {}}\n"}
    run_module(workflows, dict(src_files=files), check=True)
    assert recorder.calls[0]["spec"].state == "published"


def test_task_state_fills_in_for_items_without_one(run_module, recorder):
    items = [dict(name="a", definition=DEFINITION), dict(name="b", definition=DEFINITION, state="paused")]
    run_module(workflows, dict(workflows=items, state="draft"), check=True)
    assert [c["spec"].state for c in recorder.calls] == ["draft", "paused"]


def test_a_bad_item_fails_before_any_request_naming_it(run_module, recorder):
    bad = {"nodes": {"root": {"type": "manual", "payload": {}, "children": ["nope"]}}}
    items = [dict(name="good", definition=DEFINITION), dict(name="broken", definition=bad)]
    result = run_module(workflows, dict(workflows=items), check=True)
    assert result["failed"] is True
    assert "workflows[1] (broken)" in result["msg"] and "nope" in result["msg"]
    assert recorder.calls == []


def test_a_bad_file_is_named_as_the_user_wrote_it(run_module, recorder):
    result = run_module(workflows, dict(src="roles/x/files/wf", src_files={"a.yaml": "name: [unclosed\n"}), check=True)
    assert result["failed"] is True and "roles/x/files/wf/a.yaml" in result["msg"]
    assert "b3os-src-" not in result["msg"]  # not the scratch directory


def test_file_names_may_not_leave_the_directory(run_module, recorder):
    result = run_module(workflows, dict(src_files={"../evil.yaml": "name: x\n"}), check=True)
    assert result["failed"] is True and "inside the directory" in result["msg"]


def test_nothing_to_apply_is_an_error(run_module, recorder):
    result = run_module(workflows, dict(), check=True)
    assert result["failed"] is True and "one of the following is required" in result["msg"]
