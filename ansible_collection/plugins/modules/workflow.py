#!/usr/bin/python
# Copyright: b3os-iac contributors
# Apache License 2.0 (see LICENSE at https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: workflow
short_description: Manage one B3OS workflow idempotently (content and lifecycle)
version_added: 0.1.0
description:
  - Creates, updates, publishes, pauses, resumes, archives and unarchives one B3OS workflow so that
    it matches the desired name, description, definition and O(state).
  - The desired definition is compared with the server's after normalization (key order, whitespace
    and server-added fields never count), on the keys you manage only. An unchanged workflow costs
    reads only and reports C(changed=false); a needless write would create a new B3OS version.
  - One task manages the whole workflow graph; there is no per-node task.
  - Check mode does every read and the server-side validation, and returns the predicted result
    without writing. Diff mode shows the managed keys before and after, with secrets masked.
  - All decisions come from the b3os-iac Python package (the same engine as the Pulumi provider and
    the C(b3os) CLI), so the three agree on what changed.
extends_documentation_fragment:
  - b3os.b3os.auth
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads and server-side validation run; no write is made; the result is predicted.
  diff_mode:
    support: full
    details: Managed keys only, the definition graph-aware, secrets masked.
  platform:
    platforms: posix
options:
  id:
    description:
      - The workflow id (V(wf_...)). Identifies an existing workflow; O(name) then renames it.
      - One of O(id) or O(name) is required.
    type: str
  name:
    description:
      - The workflow name. Without O(id), the workflow is found by name across every status,
        archived included; more than one workflow with that name is an error listing their ids.
    type: str
  description:
    description:
      - The workflow description. Left alone when not set.
    type: str
  definition:
    description:
      - The workflow definition (an object with C(nodes)).
      - B3OS expressions use C({{ ... }}) like Jinja2, so Ansible would template them. Mark the whole
        definition (or each string holding an expression) C(!unsafe), or use O(definition_file), or
        C({% raw %}...{% endraw %}) around each string. See the collection README.
      - A B3OS expression that Jinja2 cannot parse (C({{ $trigger.body.x }})) fails the task with
        these fixes named; one that Jinja2 would render (C({{ root.result.x }}) with a C(root)
        variable defined, where C(root) is a node of this definition) fails too, before any request.
      - Mutually exclusive with O(definition_file). Required to create a workflow.
    type: dict
  definition_file:
    description:
      - A JSON or YAML file holding the definition, read without any Jinja2 templating (expressions
        arrive unchanged). A file whose top-level key is C(definition) works too.
      - Looked up on the controller like C(ansible.builtin.copy)'s O(ansible.builtin.copy#module:src),
        by the action plugin, through Ansible's search path, a role's C(files/) directory first, then
        the playbook's C(files/) and directory. The file's text is sent to the module (which may run
        on another host with C(delegate_to)) as O(definition_content). Vault-encrypted files are
        decrypted.
      - An absolute path that does not exist on the controller is read on the host that runs the
        module.
      - Mutually exclusive with O(definition).
    type: path
  definition_content:
    description:
      - The definition as JSON or YAML text. The action plugin sets it from O(definition_file); you
        rarely set it yourself. Never templated by the module.
      - Mutually exclusive with O(definition).
    type: str
  state:
    description:
      - V(present) (the default) and V(published) - the workflow is live, its live version's content
        equals the desired content and it is active. The same default as the Pulumi provider and the
        C(b3os) CLI. Before collection 0.2.0, V(present) meant V(draft).
      - V(draft) - the workflow exists and its latest content (its draft) equals the desired content.
        Nothing is published; a live version already running keeps running.
      - V(paused) - the live version's content equals the desired content and it is paused.
      - V(archived) - the workflow is archived (B3OS never deletes workflows). V(absent) is an alias.
      - Any state other than archived unarchives an archived workflow of that name; it never
        creates a duplicate.
    type: str
    choices: [present, draft, published, paused, archived, absent]
    default: present
  cooldown_ms:
    description:
      - Minimum time between automatic trigger runs, in milliseconds. Left alone when not set.
    type: int
  max_runs:
    description:
      - Number of automatic runs after which B3OS pauses the workflow. Left alone when not set.
    type: int
  visibility:
    description:
      - Who can see or run the workflow. Left alone when not set.
    type: str
    choices: [private, org, public_view, public_execute]
  live_version:
    description:
      - Pin the live content to version N (B3OS rollback copies its definition into a new
        version, which is published; the newer versions stay listed). With it the declared
        O(definition) is not published. Needs O(state=published) or O(state=paused).
      - Without it, nothing about versions is changed.
    type: int
  owner:
    description:
      - The owner marker this play writes on the workflows it manages (kept on the server in
        C(uiMetadata.b3osIac), never content).
      - Playbooks are name-idempotent by convention, so a workflow with no owner is taken over by
        name (and marked). A workflow owned by a Pulumi stack, a C(b3os) CLI directory or another
        O(owner) is refused with an error naming that owner, unless O(id) is given (an explicit
        adopt). O(state=absent) never archives a workflow owned elsewhere.
    type: str
    default: ansible
notes:
  - Run it where b3os-iac is installed, normally the controller (a play on C(localhost), or
    C(delegate_to=localhost) with C(run_once=true)). If localhost is in your inventory, set
    C(ansible_python_interpreter) to C({{ ansible_playbook_python }}) for it.
  - Definitions that look already templated (an expression rendered to an empty string, a
    C(None) or a Python repr) produce a warning naming the node and field.
  - Has an action plugin (runs on the controller first) that resolves O(definition_file) there and
    checks inline definitions for B3OS expressions that Jinja2 broke.
  - The trigger secret of the workflow is never returned; it is masked as C(***).
seealso:
  - module: b3os.b3os.workflows
  - module: b3os.b3os.workflow_info
  - module: b3os.b3os.workflow_run
author:
  - b3os-iac contributors (@b3os)
"""

EXAMPLES = r"""
- name: Provision workflows
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/b3os.b3os.b3os:
      api_url: "{{ b3os_api_url }}"
      api_key: "{{ b3os_api_key }}"
  tasks:
    - name: Publish a workflow from files/quickstart.json (a role's files/ or the playbook's)
      b3os.b3os.workflow:
        name: API quickstart logger
        description: A minimal workflow created from the API.
        definition_file: quickstart.json

    - name: Keep a change as a draft only
      b3os.b3os.workflow:
        name: API quickstart logger
        definition_file: quickstart-v2.json
        state: draft

    - name: Inline definition marked !unsafe, so Jinja2 leaves its B3OS expressions alone
      b3os.b3os.workflow:
        name: Inline logger
        definition: !unsafe
          nodes:
            root:
              type: manual
              payload: {}
              children: [log_message]
            log_message:
              type: log
              payload:
                message: "Incoming message: {{$trigger.body.message}}"  # noqa: jinja[invalid]

    - name: Or raw blocks around the strings holding expressions
      b3os.b3os.workflow:
        name: Raw logger
        definition:
          nodes:
            root: {type: manual, payload: {}, children: [log_message]}
            log_message:
              type: log
              payload:
                message: "{% raw %}Got {{$trigger.body.message}}{% endraw %}"

    - name: Pause it
      b3os.b3os.workflow:
        name: API quickstart logger
        state: paused

    - name: Archive it (B3OS never deletes)
      b3os.b3os.workflow:
        name: API quickstart logger
        state: absent
"""

RETURN = r"""
workflow:
  description:
    - The workflow after the task (in check mode, the predicted workflow), with secrets masked.
    - Absent when the workflow does not exist (for example archived-and-missing in check mode).
  returned: success
  type: dict
  sample:
    id: wf_2b1c
    name: API quickstart logger
    status: active
    version: 2
    live_version: 2
    has_draft: false
    trigger_secret: "***"
actions:
  description: The API actions taken (or, in check mode, that would be taken), in order.
  returned: always
  type: list
  elements: str
  sample: [update, publish]
id:
  description: The workflow id (empty in check mode when the workflow would be created).
  returned: success
  type: str
  sample: wf_2b1c
version:
  description: The latest version number of the workflow.
  returned: success
  type: int
  sample: 3
live_version:
  description: The version number that is live (published), if any.
  returned: success
  type: int
  sample: 2
status:
  description: The workflow status after the task (V(draft), V(active), V(paused), V(archived)).
  returned: success
  type: str
  sample: active
changes:
  description:
    - One line per managed key that differs, the definition described node by node
      (nodes added, removed, changed; edges changed). Empty when nothing changes.
  returned: always
  type: list
  elements: str
  sample: ["definition: 1 node changed (log_message)"]
diff:
  description:
    - Before and after on the managed keys, then the graph-aware summary (only with C(--diff)).
  returned: when diff mode is on
  type: list
  elements: dict
warnings:
  description: Warnings, such as a definition that looks already templated by Jinja2.
  returned: when there are any
  type: list
  elements: str
"""

from ansible_collections.b3os.b3os.plugins.module_utils.b3os_workflow import run


def main():
    run("workflow")


if __name__ == "__main__":
    main()
