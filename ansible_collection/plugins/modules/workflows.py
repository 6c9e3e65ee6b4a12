#!/usr/bin/python
# Copyright: b3os-iac contributors
# Apache License 2.0 (see LICENSE at https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: workflows
short_description: Apply many B3OS workflows in one task (a list and/or a directory of files)
version_added: 0.2.0
description:
  - Makes every listed workflow match its desired content and O(state), in one task (one module
    start instead of one per workflow, and one listing of the organization instead of one search
    per name).
  - Every workflow is read, planned and validated (locally, then by the server) before the first
    write, so bad input in any item means no write at all.
  - Per-item results in RV(results); C(changed) is true when any item changed. Check mode and diff
    mode work as in M(b3os.b3os.workflow).
  - Workflows not listed are left alone, unless O(prune=true), with which the task also archives every
    live workflow of the organization marked with this task's O(owner) that it does not declare.
extends_documentation_fragment:
  - b3os.b3os.auth
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads and server-side validation run; no write is made; results are predicted.
  diff_mode:
    support: full
    details: One before/after per workflow, managed keys only, secrets masked.
  platform:
    platforms: posix
options:
  workflows:
    description:
      - Workflows, each with the options of M(b3os.b3os.workflow).
      - O(workflows[].definition_file) is looked up on the controller like the single module's.
    type: list
    elements: dict
    suboptions:
      id:
        description: The workflow id (V(wf_...)). One of O(workflows[].id) or O(workflows[].name) is required.
        type: str
      name:
        description: The workflow name, found across every status (archived included).
        type: str
      description:
        description: The workflow description. Left alone when not set.
        type: str
      definition:
        description:
          - The definition (an object with C(nodes)). B3OS expressions need C(!unsafe),
            C({% raw %}) or O(workflows[].definition_file); see M(b3os.b3os.workflow).
        type: dict
      definition_file:
        description: A JSON or YAML definition file, looked up on the controller, never templated.
        type: path
      definition_content:
        description: The definition as JSON or YAML text (set by the action plugin from O(workflows[].definition_file)).
        type: str
      state:
        description: As in M(b3os.b3os.workflow); defaults to the task's O(state).
        type: str
        choices: [present, draft, published, paused, archived, absent]
      cooldown_ms:
        description: Minimum time between automatic trigger runs, in milliseconds.
        type: int
      max_runs:
        description: Number of automatic runs after which B3OS pauses the workflow.
        type: int
      visibility:
        description: Who can see or run the workflow.
        type: str
        choices: [private, org, public_view, public_execute]
      live_version:
        description: Pin the live content to version N, as in M(b3os.b3os.workflow).
        type: int
  src:
    description:
      - A directory of workflow files, one workflow per top-level C(*.yaml), C(*.yml) or C(*.json)
        file, in the format of C(b3os apply) (C(name) or C(id), C(description), C(state),
        C(definition) or C(definition_file) relative to the file, C(cooldown_ms), C(max_runs),
        C(visibility)). Files are read without templating.
      - Looked up on the controller through Ansible's search path (a role's C(files/) first, then the
        playbook's C(files/) and directory); the files are sent to the module as O(src_files). A
        directory found only on the module's host is read there.
      - A file without C(state) is published; C(state=present) in a file means published too.
    type: path
  src_files:
    description:
      - The files of O(src) as a mapping of relative path to text; set by the action plugin.
    type: dict
  state:
    description:
      - The state of the O(workflows) items that set none (files under O(src) carry their own).
      - See M(b3os.b3os.workflow) for the states; V(present) means published.
    type: str
    choices: [present, draft, published, paused, archived, absent]
    default: present
  owner:
    description:
      - The owner marker written on the workflows this task manages, as in M(b3os.b3os.workflow).
      - With O(prune=true), give the declared set its own owner (for example V(team-payments)).
      - Changing the owner of workflows already managed under another owner is an explicit adopt,
        as everywhere else; list them with O(workflows[].id) once (an id adopts), else the task
        fails naming their current owner.
    type: str
    default: ansible
  prune:
    description:
      - Also archive every live (not archived) workflow of the organization whose owner marker is
        O(owner) and that this task does not declare (the files of O(src) and the O(workflows)
        items, compared by id after reading). Workflows without an owner marker, or marked by
        another owner, are never archived.
      - The archives are planned with the declared workflows, before the first write; check mode
        predicts them, diff mode shows them, RV(pruned) lists them.
      - Refused, before any request, with the default owner V(ansible) (every play that sets no
        owner shares it, so pruning under it would archive other plays' workflows).
      - Cost, the organization's workflow listing carries no owner marker, so each live
        workflow not declared costs one GET, made in parallel (ten at a time).
    type: bool
    default: false
notes:
  - Run it where b3os-iac is installed, normally the controller (C(hosts=localhost) or
    C(delegate_to=localhost)).
  - The items are read, validated and applied in parallel through the shared b3os engine; a write that fails stops
    the task and reports the items already applied in RV(results).
seealso:
  - module: b3os.b3os.workflow
author:
  - b3os-iac contributors (@b3os)
"""

EXAMPLES = r"""
- name: Every workflow of a role, from its files/workflows/ directory
  b3os.b3os.workflows:
    src: workflows

- name: A list, some paused
  b3os.b3os.workflows:
    workflows:
      - name: nightly report
        definition_file: nightly.json
      - name: intake
        definition_file: intake.yaml
        state: paused

- name: The team's workflows are exactly these two (any other one marked team-payments is archived)
  b3os.b3os.workflows:
    owner: team-payments
    prune: true
    workflows:
      - name: invoice intake
        definition_file: invoice-intake.yaml
      - name: refunds
        definition_file: refunds.yaml
"""

RETURN = r"""
results:
  description: One entry per workflow, in order (files of O(src) first, sorted, then O(workflows)).
  returned: always
  type: list
  elements: dict
  contains:
    source:
      description: The file (C(src/name.yaml)) or list item (C(workflows[0] (name))) it came from.
      type: str
    workflow_name:
      description: The workflow name as declared.
      type: str
    changed:
      description: Whether this workflow changed (or would, in check mode).
      type: bool
    actions:
      description: The API actions taken for it, in order.
      type: list
      elements: str
    changes:
      description: One line per managed key that differs.
      type: list
      elements: str
    workflow:
      description: The workflow after the task, secrets masked.
      type: dict
    id:
      description: The workflow id.
      type: str
    status:
      description: The workflow status after the task.
      type: str
    version:
      description: The latest version number.
      type: int
    live_version:
      description: The live version number, if any.
      type: int
pruned:
  description:
    - The workflows O(prune) archived (or would archive, in check mode), sorted by id; empty
      without O(prune).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The workflow id.
      type: str
    name:
      description: The workflow name.
      type: str
    source:
      description: C(prune NAME (ID)), the prefix of its lines in RV(actions), RV(changes) and the diff.
      type: str
    changed:
      description: Whether it was (or would be) archived.
      type: bool
    actions:
      description: The API actions taken for it (V(archive)).
      type: list
      elements: str
    changes:
      description: One line per managed key that differs.
      type: list
      elements: str
actions:
  description: Every action, prefixed by its item's source (the archives of O(prune) last).
  returned: always
  type: list
  elements: str
changes:
  description: Every change line, prefixed by its item's source.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.b3os.b3os.plugins.module_utils.b3os_workflow import run


def main():
    run("workflows")


if __name__ == "__main__":
    main()
