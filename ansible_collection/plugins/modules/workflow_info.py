#!/usr/bin/python
# Copyright: b3os-iac contributors
# Apache License 2.0 (see LICENSE at https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: workflow_info
short_description: Read B3OS workflows (one by id or name, or a filtered list)
version_added: 0.1.0
description:
  - With O(id) or O(name), returns that one workflow (found by name across every status, archived
    included), or nothing when it does not exist.
  - Without them, lists workflows matching the filters, following every page.
  - Never changes anything; works in check mode. Secrets (the trigger secret) are masked.
extends_documentation_fragment:
  - b3os.b3os.auth
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  id:
    description: A workflow id (V(wf_...)). Mutually exclusive with O(name).
    type: str
  name:
    description: A workflow name. More than one workflow with this name is an error listing their ids.
    type: str
  status:
    description: List only workflows with this status (archived ones are hidden unless asked for).
    type: str
    choices: [draft, active, paused, archived]
  query:
    description: Free-text search on names and descriptions (the API's C(q) filter).
    type: str
  include_definition:
    description:
      - Also return each listed workflow's definition (one more request per workflow).
      - A single workflow (O(id) or O(name)) always includes its definition.
    type: bool
    default: false
author:
  - b3os-iac contributors (@b3os)
"""

EXAMPLES = r"""
- name: Look one workflow up by name
  b3os.b3os.workflow_info:
    name: API quickstart logger
  register: wf

- name: Show its status and live version
  ansible.builtin.debug:
    msg: "{{ wf.workflow.status }} v{{ wf.workflow.live_version }}"
  when: wf.exists

- name: List paused workflows
  b3os.b3os.workflow_info:
    status: paused
  register: paused
"""

RETURN = r"""
exists:
  description: Whether the workflow asked for by O(id) or O(name) exists.
  returned: when O(id) or O(name) is given
  type: bool
workflow:
  description: The workflow asked for by O(id) or O(name), secrets masked; empty when it does not exist.
  returned: when O(id) or O(name) is given
  type: dict
  sample: {"id": "wf_2b1c", "name": "API quickstart logger", "status": "active", "version": 2}
workflows:
  description: The workflows found (the one asked for, or the filtered list), secrets masked.
  returned: always
  type: list
  elements: dict
"""

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
    from b3os.workflow import WorkflowSpec, outputs_of, read


def argument_spec():
    return auth_argspec(
        id=dict(type="str"),
        name=dict(type="str"),
        status=dict(type="str", choices=["draft", "active", "paused", "archived"]),
        query=dict(type="str"),
        include_definition=dict(type="bool", default=False),
    )


def dump(model):
    return model.model_dump(mode="json", exclude_none=True)


def one(module, client):
    params = module.params
    spec = WorkflowSpec.build(id=params["id"], name=params["name"])
    state = read(client, spec)
    if state is None:
        return dict(exists=False, workflow={}, workflows=[])
    workflow = redacted(module, outputs_of(state))
    return dict(exists=True, workflow=workflow, workflows=[workflow])


def many(module, client):
    params = module.params
    filters = dict(status=params["status"], q=params["query"])
    filters = dict((k, v) for k, v in filters.items() if v is not None)
    items = []
    for row in client.iter_workflows(**filters):
        item = dump(row)
        if params["include_definition"]:
            item["definition"] = dump(client.get_workflow(row.id).definition)
        items.append(redacted(module, item))
    return dict(workflows=items)


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        mutually_exclusive=[("id", "name")],
        supports_check_mode=True,
    )
    require_b3os(module)
    try:
        client = make_client(module)
        with client:
            found = one(module, client) if module.params["id"] or module.params["name"] else many(module, client)
    except B3OSError as err:
        fail_from_error(module, err, changed=False)
    module.exit_json(changed=False, **found)


if __name__ == "__main__":
    main()
