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
        C(lookup('ansible.builtin.file', 'wf.json') | from_json). See the collection README.
      - Mutually exclusive with O(definition_file). Required to create a workflow.
    type: dict
  definition_file:
    description:
      - Path to a JSON or YAML file holding the definition, read by the module without any Jinja2
        templating (expressions arrive unchanged). A file whose top-level key is C(definition) works too.
      - The path is read where the module runs (the controller with C(hosts=localhost)); relative
        paths are relative to the working directory, so prefer C({{ playbook_dir }}/files/wf.json).
    type: path
  state:
    description:
      - V(present) - the workflow exists and its latest content (its draft) equals the desired
        content. Nothing is published; a live version already running keeps running.
      - V(published) - the live version's content equals the desired content and it is active.
      - V(paused) - the live version's content equals the desired content and it is paused.
      - V(archived) - the workflow is archived (B3OS never deletes workflows). V(absent) is an alias.
      - Any state other than archived unarchives an archived workflow of that name; it never
        creates a duplicate.
    type: str
    choices: [present, published, paused, archived, absent]
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
  - The trigger secret of the workflow is never returned; it is masked as C(***).
seealso:
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
    - name: Publish a workflow from a JSON file (expressions are read verbatim)
      b3os.b3os.workflow:
        name: API quickstart logger
        description: A minimal workflow created from the API.
        definition_file: "{{ playbook_dir }}/files/quickstart.json"
        state: published

    - name: Inline definition marked !unsafe, so Jinja2 leaves its B3OS expressions alone
      b3os.b3os.workflow:
        name: Inline logger
        state: published
        definition: !unsafe
          nodes:
            root:
              type: manual
              payload: {}
              children: [log_message]
            log_message:
              type: log
              payload:
                message: "Incoming message: {{$trigger.body.message}}"

    - name: Or load the file on the controller; lookup results are never templated
      b3os.b3os.workflow:
        name: Looked-up logger
        definition: "{{ lookup('ansible.builtin.file', 'files/quickstart.json') | from_json }}"

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

import pathlib

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
    from b3os.definition import load_definition, template_damage
    from b3os.workflow import WorkflowSpec, ensure


def argument_spec():
    return auth_argspec(
        id=dict(type="str"),
        name=dict(type="str"),
        description=dict(type="str"),
        definition=dict(type="dict"),
        definition_file=dict(type="path"),
        state=dict(
            type="str",
            default="present",
            choices=["present", "published", "paused", "archived", "absent"],
        ),
        cooldown_ms=dict(type="int"),
        max_runs=dict(type="int"),
        visibility=dict(type="str", choices=["private", "org", "public_view", "public_execute"]),
        live_version=dict(type="int"),
        owner=dict(type="str", default="ansible"),
    )


def desired_definition(module):
    """The definition as given: inline dict, or the file read without templating."""
    params = module.params
    if params["definition_file"]:
        return load_definition(pathlib.Path(params["definition_file"]))
    if params["definition"] is not None:
        return load_definition(params["definition"])
    return None


def warn_template_damage(module, definition):
    items = template_damage(definition)
    for item in items:
        module.warn(item.message)
    if items:
        module.warn(
            "B3OS expressions use {{ }} like Jinja2: pass the definition with definition_file, mark it "
            "!unsafe, or use lookup('ansible.builtin.file', ...) | from_json (see the b3os.b3os README)"
        )


def diff_of(module, result):
    """Ansible diffs from the shared layer's managed-key diff: the keys before/after, then the
    graph-aware summary (nodes added/removed/changed) as a prepared text."""
    diff = result.diff
    label = module.params["name"] or module.params["id"] or "workflow"
    diffs = [
        dict(
            before=diff.before or {},
            after=diff.after or {},
            before_header="%s (before)" % label,
            after_header="%s (after)" % label,
        )
    ]
    summary = diff.describe()
    if summary:
        diffs.append(dict(prepared="\n".join(summary) + "\n"))
    return redacted(module, diffs)


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        required_one_of=[("id", "name")],
        mutually_exclusive=[("definition", "definition_file")],
        supports_check_mode=True,
    )
    require_b3os(module)
    params = module.params
    result = dict(changed=False, actions=[], changes=[])

    try:
        definition = desired_definition(module)
        if definition is not None:
            warn_template_damage(module, definition)
        spec = WorkflowSpec.build(
            id=params["id"],
            name=params["name"],
            description=params["description"],
            definition=definition,
            state=params["state"],
            cooldown_ms=params["cooldown_ms"],
            max_runs=params["max_runs"],
            visibility=params["visibility"],
            live_version=params["live_version"],
            owner=params["owner"],
            adopt=params["id"] is not None,
            adopt_unowned=True,
        )
        client = make_client(module)
        with client:
            applied = ensure(client, spec, dry_run=module.check_mode)
    except B3OSError as err:
        fail_from_error(module, err, **result)

    workflow = redacted(module, applied.workflow or {})
    result.update(
        changed=bool(applied.changed),
        actions=list(applied.actions),
        changes=redacted(module, applied.diff.describe()),
        workflow=workflow,
        id=workflow.get("id"),
        version=workflow.get("version"),
        live_version=workflow.get("live_version"),
        status=workflow.get("status"),
    )
    if module._diff:
        result["diff"] = diff_of(module, applied)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
