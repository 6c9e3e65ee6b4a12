#!/usr/bin/python
# Copyright: b3os-iac contributors
# Apache License 2.0 (see LICENSE at https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: workflow_run
short_description: Run a B3OS workflow and wait for its result
version_added: 0.1.0
description:
  - Starts a run of a workflow (by O(id) or O(name)) with an optional O(payload).
  - By default waits for the run to end while following its event stream (SSE), then returns the
    run status, every node's status and result, and the messages logged by C(log) nodes.
  - The task fails when the run ends in V(failure), V(partial) or V(cancelled), unless
    O(fail_on_run_failure=false).
  - With O(wait=false) it returns the run id as soon as the run is started.
  - Starting a run is a change; in check mode no run is started and the task reports C(changed).
extends_documentation_fragment:
  - b3os.b3os.auth
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: partial
    details: The workflow is looked up; no run is started.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  id:
    description: The workflow id (V(wf_...)). One of O(id) or O(name) is required.
    type: str
  name:
    description: The workflow name, looked up across every status.
    type: str
  payload:
    description:
      - The run input, available to the workflow as C({{$trigger.body...}}).
    type: dict
    default: {}
  simulate:
    description: Run as a simulation (no real side effects on chains or connectors).
    type: bool
  version:
    description:
      - The workflow version to run. By default B3OS runs the draft if there is one, else the live version.
    type: int
  wait:
    description: Wait for the run to end and return its results.
    type: bool
    default: true
  wait_timeout:
    description: How long to wait for the run to end, in seconds, before failing the task.
    type: float
    default: 300
  fail_on_run_failure:
    description: Fail the task when the run ends in V(failure), V(partial) or V(cancelled).
    type: bool
    default: true
author:
  - b3os-iac contributors (@b3os)
"""

EXAMPLES = r"""
- name: Run the quickstart workflow and wait for it
  b3os.b3os.workflow_run:
    name: API quickstart logger
    payload:
      message: Hello from the API
    simulate: true
  register: run

- name: Print what it logged
  ansible.builtin.debug:
    msg: "{{ run.logs }}"

- name: Fire and forget
  b3os.b3os.workflow_run:
    name: API quickstart logger
    wait: false
  register: started
"""

RETURN = r"""
run_id:
  description: The id of the run (V(run_...)).
  returned: unless check mode
  type: str
  sample: run_01HZX
workflow_id:
  description: The id of the workflow that ran.
  returned: always
  type: str
status:
  description: The final run status (V(success), V(partial), V(failure), V(cancelled)); V(running) with O(wait=false).
  returned: unless check mode
  type: str
  sample: success
succeeded:
  description: Whether the run ended in V(success).
  returned: when O(wait=true)
  type: bool
error:
  description: The first failing node's error as one line, if any node failed.
  returned: when O(wait=true)
  type: str
nodes:
  description: Per node id, its type, status, result and error (secrets masked).
  returned: when O(wait=true)
  type: dict
  sample: {"log_message": {"type": "log", "status": "success", "result": {"message": "Incoming message: hi"}}}
logs:
  description: The messages logged by C(log) nodes, in execution order.
  returned: when O(wait=true)
  type: list
  elements: str
  sample: ["Incoming message: Hello from the API"]
elapsed:
  description: Seconds spent waiting for the run.
  returned: when O(wait=true)
  type: float
events:
  description: The types of the stream events seen while waiting, in order.
  returned: when O(wait=true)
  type: list
  elements: str
run:
  description: The final run object as returned by the API (secrets masked).
  returned: when O(wait=true)
  type: dict
"""

import threading
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.b3os.b3os.plugins.module_utils.b3os_common import (
    B3OSError,
    HAS_B3OS,
    auth_argspec,
    fail_from_error,
    make_client,
    redacted,
    require_b3os,
)

if HAS_B3OS:
    from b3os.runs import summarize_run
    from b3os.workflow import WorkflowSpec, read

FAILED_STATUSES = ("failure", "partial", "cancelled")


def argument_spec():
    return auth_argspec(
        id=dict(type="str"),
        name=dict(type="str"),
        payload=dict(type="dict", default={}),
        simulate=dict(type="bool"),
        version=dict(type="int"),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="float", default=300),
        fail_on_run_failure=dict(type="bool", default=True),
    )


def workflow_id(module, client):
    """The id to run: given, or looked up by name (archived included, duplicates are an error)."""
    params = module.params
    if params["id"]:
        return params["id"]
    state = read(client, WorkflowSpec.build(name=params["name"]))
    if state is None:
        module.fail_json(msg="workflow %r not found" % params["name"])
    return state.id


class Follower:
    """Consumes run_and_follow in a thread, so the task can stop waiting at wait_timeout."""

    def __init__(self, events):
        self._events = events
        self.seen = []
        self.run_id = None
        self.final = None
        self.error = None
        self.done = threading.Event()

    def __call__(self):
        try:
            for event in self._events:
                self.seen.append(event.type)
                self.run_id = self.run_id or event.run_id
                if event.type == "run_final":
                    self.final = event.data
        except Exception as err:  # pylint: disable=broad-exception-caught
            self.error = err  # re-raised in the main thread, where fail_json runs
        finally:
            self.done.set()


def follow(module, client, wf_id):
    params = module.params
    events = client.run_and_follow(
        wf_id,
        payload=params["payload"],
        simulate=params["simulate"],
        version=params["version"],
        wait_timeout=params["wait_timeout"],
    )
    follower = Follower(events)
    thread = threading.Thread(target=follower, name="b3os-run-follower", daemon=True)
    started = time.monotonic()
    thread.start()
    if not follower.done.wait(params["wait_timeout"]):
        module.fail_json(
            msg="run %s of workflow %s did not end within wait_timeout=%ss"
            % (follower.run_id or "(not started yet)", wf_id, params["wait_timeout"]),
            changed=True,
            workflow_id=wf_id,
            run_id=follower.run_id,
            status="running",
            events=follower.seen,
        )
    if follower.error is not None:
        raise follower.error
    run = follower.final or {}
    result = summarize_run(run).as_dict() if run else dict(run_id=follower.run_id, status=None)
    result.update(
        changed=True,
        workflow_id=wf_id,
        events=follower.seen,
        run=run,
        elapsed=round(time.monotonic() - started, 3),
    )
    return redacted(module, result)


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        required_one_of=[("id", "name")],
        mutually_exclusive=[("id", "name")],
        supports_check_mode=True,
    )
    require_b3os(module)
    params = module.params
    try:
        client = make_client(module)
        with client:
            wf_id = workflow_id(module, client)
            if module.check_mode:
                module.exit_json(changed=True, workflow_id=wf_id, msg="check mode: no run started")
            if not params["wait"]:
                run_id = client.run_workflow(
                    wf_id, payload=params["payload"], simulate=params["simulate"], version=params["version"]
                )
                module.exit_json(changed=True, workflow_id=wf_id, run_id=run_id, status="running")
            result = follow(module, client, wf_id)
    except B3OSError as err:
        fail_from_error(module, err, changed=False)
    if params["fail_on_run_failure"] and result["status"] in FAILED_STATUSES:
        msg = "run %s ended with status %s" % (result["run_id"], result["status"])
        if result.get("error"):
            msg += ": %s" % result["error"]
        module.fail_json(msg=msg, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
