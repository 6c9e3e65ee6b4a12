# Copyright: b3os-iac contributors
# Apache License 2.0 (see LICENSE at https://www.apache.org/licenses/LICENSE-2.0)

"""The workflow module's own decisions; the engine (b3os.workflow) is tested in b3os-iac.

The runner's apply_specs() is replaced by a recorder that plans for real against no workflow and
only predicts (apply with dry_run), so no test here can write anywhere.
"""

from __future__ import annotations

import json

import b3os
import pytest
from b3os.errors import AuthenticationError, ValidationFailedError
from b3os.models import ValidationItem
from b3os.workflow import apply, plan
from b3os.workflow.bulk import Bulk

from ansible_collections.b3os.b3os.plugins.module_utils import b3os_common, b3os_workflow
from ansible_collections.b3os.b3os.plugins.modules import workflow

from .conftest import API_KEY

EXPR = "Incoming message: {{$trigger.body.message}}"
DEFINITION = {
    "nodes": {
        "root": {"type": "manual", "payload": {}, "children": ["log_message"]},
        "log_message": {"type": "log", "payload": {"message": EXPR}, "children": []},
    }
}


class Recorder:
    """Stands in for b3os.workflow.bulk.apply_bulk: records its inputs, predicts against no workflow."""

    def __init__(self, error=None):
        self.calls = []
        self.error = error

    def __call__(self, client, specs, dry_run=False, prune_owner=None):
        for spec in specs:
            self.calls.append(dict(spec=spec, dry_run=dry_run, prune_owner=prune_owner))
        if self.error is not None:
            raise self.error
        return Bulk([apply(client, plan(spec, None), dry_run=True) for spec in specs], [])


@pytest.fixture
def ensure(monkeypatch):
    recorder = Recorder()
    monkeypatch.setattr(b3os_workflow, "apply_bulk", recorder)
    return recorder


def test_check_mode_predicts_a_create_and_never_writes(run_module, ensure):
    result = run_module(workflow, dict(name="wf", definition=DEFINITION, state="published"), check=True)
    assert ensure.calls[0]["dry_run"] is True
    assert result["changed"] is True
    assert result["actions"][0] == "create"
    assert "publish" in result["actions"]
    assert result["workflow"]["status"] == "active"


def test_real_run_is_not_a_dry_run(run_module, ensure):
    run_module(workflow, dict(name="wf", definition=DEFINITION, state="published"))
    assert ensure.calls[0]["dry_run"] is False


@pytest.mark.parametrize(
    "state, desired",
    [
        ("present", "published"),
        ("published", "published"),
        ("draft", "draft"),
        ("paused", "paused"),
        ("archived", "archived"),
        ("absent", "archived"),
    ],
)
def test_states_map_onto_the_shared_vocabulary(run_module, ensure, state, desired):
    run_module(workflow, dict(name="wf", definition=DEFINITION, state=state), check=True)
    assert ensure.calls[0]["spec"].state == desired


def test_no_state_publishes_like_pulumi_and_the_cli(run_module, ensure):
    result = run_module(workflow, dict(name="wf", definition=DEFINITION), check=True)
    assert ensure.calls[0]["spec"].state == "published"
    assert "publish" in result["actions"]


def test_definition_content_from_the_action_plugin_is_parsed_not_templated(run_module, ensure):
    text = json.dumps(DEFINITION)
    run_module(workflow, dict(name="wf", definition_file="/ctl/files/wf.json", definition_content=text), check=True)
    assert ensure.calls[0]["spec"].definition["nodes"]["log_message"]["payload"]["message"] == EXPR


def test_bad_definition_content_names_the_controller_file(run_module, ensure):
    result = run_module(
        workflow, dict(name="wf", definition_file="/ctl/files/wf.json", definition_content="{not json"), check=True
    )
    assert result["failed"] is True and "/ctl/files/wf.json" in result["msg"]
    assert ensure.calls == []


def test_diff_only_in_diff_mode_and_names_the_nodes(run_module, ensure):
    plain = run_module(workflow, dict(name="wf", definition=DEFINITION), check=True)
    assert "diff" not in plain
    result = run_module(workflow, dict(name="wf", definition=DEFINITION), check=True, diff=True)
    first, summary = result["diff"]
    assert first["before"] == {"state": "absent"} or first["before"].get("state") == "absent"
    assert first["after"]["definition"]["nodes"]["log_message"]["payload"]["message"] == EXPR
    assert "log_message" in summary["prepared"]


def test_definition_file_is_read_verbatim(run_module, ensure, tmp_path):
    path = tmp_path / "wf.json"
    path.write_text(json.dumps(DEFINITION), encoding="utf-8")
    run_module(workflow, dict(name="wf", definition_file=str(path)), check=True)
    sent = ensure.calls[0]["spec"].definition
    assert sent["nodes"]["log_message"]["payload"]["message"] == EXPR


def test_yaml_definition_file(run_module, ensure, tmp_path):
    path = tmp_path / "wf.yml"
    path.write_text(
        "nodes:\n  root: {type: manual, payload: {}, children: [log_message]}\n"
        "  log_message:\n    type: log\n    payload: {message: 'Incoming message: {{$trigger.body.message}}'}\n",
        encoding="utf-8",
    )
    run_module(workflow, dict(name="wf", definition_file=str(path)), check=True)
    assert ensure.calls[0]["spec"].definition["nodes"]["log_message"]["payload"]["message"] == EXPR


def test_rendered_expression_warns_naming_node_and_field(run_module, ensure):
    damaged = json.loads(json.dumps(DEFINITION).replace("{{$trigger.body.message}}", ""))
    result = run_module(workflow, dict(name="wf", definition=damaged), check=True)
    # ansible-core 2.19+ returns warnings as structured events; their text is what users see.
    warnings = [json.dumps(w) for w in result.get("warnings", [])]
    assert any("log_message" in w and "payload.message" in w for w in warnings)


def test_intact_expressions_do_not_warn(run_module, ensure):
    result = run_module(workflow, dict(name="wf", definition=DEFINITION), check=True)
    assert not result.get("warnings")


def test_wrong_key_fails_with_a_clear_401_and_no_key(run_module, monkeypatch):
    err = AuthenticationError("invalid API key", status_code=401, code=401001, request_id="req_1")
    monkeypatch.setattr(b3os_workflow, "apply_bulk", Recorder(error=err))
    result = run_module(workflow, dict(name="wf", definition=DEFINITION))
    out = run_module.stdout
    assert result["failed"] is True
    assert "401" in result["msg"] and "B3OS_API_KEY" in result["msg"]
    assert result["status"] == 401 and result["request_id"] == "req_1"
    assert API_KEY not in out


def test_server_validation_failure_names_node_and_field(run_module, monkeypatch):
    item = ValidationItem(message="log needs a message", node_id="log_message", field="payload.message")
    err = ValidationFailedError("invalid definition", status_code=400, code=400228, items=[item])
    monkeypatch.setattr(b3os_workflow, "apply_bulk", Recorder(error=err))
    result = run_module(workflow, dict(name="wf", definition=DEFINITION), check=True)
    assert result["failed"] is True
    assert result["items"][0]["node_id"] == "log_message"
    assert result["items"][0]["field"] == "payload.message"


def test_client_side_validation_fails_before_ensure(run_module, ensure):
    bad = {"nodes": {"root": {"type": "manual", "payload": {}, "children": ["missing_node"]}}}
    result = run_module(workflow, dict(name="wf", definition=bad), check=True)
    assert result["failed"] is True
    assert "missing_node" in result["msg"]
    assert ensure.calls == []


def test_definition_and_definition_file_are_exclusive(run_module, ensure):
    result = run_module(workflow, dict(name="wf", definition=DEFINITION, definition_file="/x.json"))
    assert result["failed"] is True and "mutually exclusive" in result["msg"]


def test_missing_package_is_a_clear_failure(run_module, monkeypatch):
    monkeypatch.setattr(b3os_common, "HAS_B3OS", False)
    monkeypatch.setattr(b3os_common, "B3OS_IMPORT_ERROR", "Traceback: No module named b3os")
    result = run_module(workflow, dict(name="wf"))
    assert result["failed"] is True and "b3os-iac" in result["msg"]


def test_old_package_is_a_clear_failure(run_module, monkeypatch):
    monkeypatch.setattr(b3os, "__version__", "0.0.1")
    result = run_module(workflow, dict(name="wf"))
    assert result["failed"] is True and "b3os-iac >= " in result["msg"]


def test_trigger_secret_is_masked_in_results(run_module, monkeypatch):
    secret = "whsec_unit_trigger_secret_value"

    def fake(client, specs, dry_run=False, prune_owner=None):
        result = apply(client, plan(specs[0], None), dry_run=True)
        result.outputs["trigger_secret"] = secret
        return Bulk([result], [])

    monkeypatch.setattr(b3os_workflow, "apply_bulk", fake)
    run_module(workflow, dict(name="wf", definition=DEFINITION), check=True, diff=True)
    out = run_module.stdout
    assert secret not in out and API_KEY not in out
