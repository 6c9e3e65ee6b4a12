"""connector, execution_webhook, workflow_variable through real ansible-playbook against b3os-local:
create → re-run (changed=0, zero writes) → --check --diff → change → drift repaired → absent;
a workflow node uses the registered connector id; secrets absent even at -vvvv."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from b3os.client import Client
from b3os.local import LocalServer

from .conftest import run_playbook, writes

pytestmark = pytest.mark.ansible

SLACK_TOKEN = "xoxb-ansible-never-printed"

PLAYBOOK = """\
- name: Kinds
  hosts: localhost
  gather_facts: false
  vars:
    desc: one
    retries: 3
    wanted: present
  tasks:
    - name: Connector
      b3os.b3os.connector:
        name: team slack
        type: slack
        description: "{{ desc }}"
        data: {token: "TOKEN"}
        state: "{{ wanted }}"
      register: slack

    - name: Webhook
      b3os.b3os.execution_webhook:
        name: ops
        url: http://127.0.0.1:9/h
        subscribed_event_types: [run.failed]
        max_retries: "{{ retries }}"
        state: "{{ wanted }}"
      register: hook

    - name: Workflow using the connector
      b3os.b3os.workflow:
        name: uses slack
        state: published
        definition:
          nodes:
            root: {type: manual, payload: {}, children: [log_message]}
            log_message:
              type: log
              payload: {message: static}
              connector: {type: slack, id: "{{ slack.id }}"}
      register: wf
      when: wanted == 'present'

    - name: Variable
      b3os.b3os.workflow_variable:
        workflow: uses slack
        name: counter
        type: number
        lifetime: persist
        default: "{{ retries | int }}"
        state: "{{ wanted }}"
""".replace("TOKEN", SLACK_TOKEN)


def changed(output: str) -> dict[str, bool]:
    result = {}
    for block in re.split(r"^TASK \[", output, flags=re.M)[1:]:
        name = block.split("]", 1)[0]
        result[name] = bool(re.search(r"^changed: \[localhost\]", block, flags=re.M))
    return result


def test_kind_modules_converge_with_check_diff_and_no_leaks(
    installed_collections: Path, local_server: LocalServer, tmp_path: Path
) -> None:
    playbook = tmp_path / "kinds.yml"
    playbook.write_text(PLAYBOOK)

    def play(*args: str) -> str:
        result = run_playbook(playbook, *args, collections=installed_collections, server=local_server)
        assert result.returncode == 0, result.output[-4000:]
        return result.output

    outputs = [play()]
    assert all(changed(outputs[0]).values()), outputs[0][-3000:]

    local_server.clear_requests()
    outputs.append(play("-vvvv"))
    assert not any(changed(outputs[-1]).values()) and writes(local_server) == []

    outputs.append(play("--check", "--diff", "-e", "desc=two", "-e", "retries=5"))
    assert changed(outputs[-1]) == {
        "Connector": True,
        "Webhook": True,
        "Workflow using the connector": False,
        "Variable": True,
    }
    assert writes(local_server) == []

    outputs.append(play("-e", "desc=two", "-e", "retries=5"))
    assert writes(local_server) and "PUT" in writes(local_server)[0]

    client = Client(base_url=local_server.url, api_key=local_server.api_key)
    hook_id = next(h.id for h in client.execution_webhooks.iter() if h.name == "ops")
    client.execution_webhooks.update(hook_id, max_retries=1)
    slack_id = next(c.id for c in client.connectors.iter() if c.name == "team slack")
    client.connectors.update(slack_id, description="edited in the app")
    workflow_id = next(w.id for w in client.iter_workflows() if w.name == "uses slack")
    client.variables.put(workflow_id, "counter", type="number", lifetime="reset", default=1)
    local_server.clear_requests()
    outputs.append(play("--diff", "-e", "desc=two", "-e", "retries=5"))
    repaired = changed(outputs[-1])
    assert repaired["Webhook"] and repaired["Connector"] and repaired["Variable"], repaired
    assert client.execution_webhooks.get(hook_id).max_retries == 5
    assert client.connectors.get(slack_id).description == "two"
    (variable,) = client.variables.list(workflow_id)
    assert (variable.definition.lifetime, variable.definition.default) == ("persist", 5)

    outputs.append(play("-e", "wanted=absent"))
    assert all(c.name != "team slack" for c in client.connectors.iter())
    everything = "\n".join(outputs)
    assert SLACK_TOKEN not in everything and local_server.api_key not in everything
    assert re.search(r"whsec_\w{8,}", everything) is None
