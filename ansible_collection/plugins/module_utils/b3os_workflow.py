# Copyright: b3os-iac contributors
# Apache License 2.0 (see LICENSE at https://www.apache.org/licenses/LICENSE-2.0)

"""One runner for the workflow modules (``workflow`` and the bulk ``workflows``).

Each module's ``main()`` is ``run(KIND)``: the argument spec is built from the ``FIELDS`` table,
the parameters become ``b3os.workflow.WorkflowSpec`` objects, the shared layer reads, plans and
applies them (``b3os.workflow.bulk.apply_specs``), and the results become Ansible results. The
modules themselves hold documentation only.

States (the same story as Pulumi and the CLI, see the collection README): ``present`` is the
workflow *published* (live, with your content); ``draft`` keeps your content as a draft only;
``paused``; ``archived`` (alias ``absent``).
"""

from __future__ import annotations

import dataclasses
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
    from b3os.definition import load_definition, parse_document, template_damage
    from b3os.errors import ConfigError
    from b3os.workflow import WorkflowSpec
    from b3os.workflow.bulk import apply_bulk, load_spec_texts

STATE_CHOICES = ["present", "draft", "published", "paused", "archived", "absent"]
# Ansible's vocabulary onto the shared layer's four states. present = published, as in Pulumi
# and the CLI (a kubernetes.core user reads "present" as "live"); draft is explicit.
ANSIBLE_STATES = {"present": "published", "absent": "archived"}

# name -> argument spec of one workflow's options (the table both modules build from).
FIELDS = dict(
    id=dict(type="str"),
    name=dict(type="str"),
    description=dict(type="str"),
    definition=dict(type="dict"),
    definition_file=dict(type="path"),
    definition_content=dict(type="str"),
    state=dict(type="str", default="present", choices=STATE_CHOICES),
    cooldown_ms=dict(type="int"),
    max_runs=dict(type="int"),
    visibility=dict(type="str", choices=["private", "org", "public_view", "public_execute"]),
    live_version=dict(type="int"),
)
OWNER = dict(type="str", default="ansible")
DEFINITION_SOURCES = ("definition", "definition_file", "definition_content")


def _fields():
    return dict((k, dict(v)) for k, v in FIELDS.items())


def _workflow_kind():
    return dict(
        argument_spec=auth_argspec(owner=dict(OWNER), **_fields()),
        required_one_of=[("id", "name")],
        mutually_exclusive=[("definition", "definition_file"), ("definition", "definition_content")],
        supports_check_mode=True,
    )


def _workflows_kind():
    item = _fields()
    item["state"].pop("default")  # an item without state takes the task's state
    return dict(
        argument_spec=auth_argspec(
            workflows=dict(
                type="list",
                elements="dict",
                options=item,
                required_one_of=[("id", "name")],
                mutually_exclusive=[("definition", "definition_file"), ("definition", "definition_content")],
            ),
            src=dict(type="path"),
            src_files=dict(type="dict"),
            state=dict(type="str", default="present", choices=STATE_CHOICES),
            owner=dict(OWNER),
            prune=dict(type="bool", default=False),
        ),
        required_one_of=[("workflows", "src", "src_files")],
        supports_check_mode=True,
    )


KINDS = dict(workflow=_workflow_kind, workflows=_workflows_kind)


def _state(value):
    return ANSIBLE_STATES.get(value, value)


def _definition(item, label):
    """The definition of one item: inline, the file text the action plugin read on the
    controller (``definition_content``), or a file read here (a path on the module's host)."""
    source = item.get("definition_file") or label
    if item.get("definition_content") is not None:
        suffix = pathlib.PurePath(str(source)).suffix.lower()
        data = parse_document(item["definition_content"], str(source), yaml_first=suffix != ".json")
        if not isinstance(data, dict):
            raise ConfigError("%s: a definition must be an object with 'nodes'" % source)
        return load_definition(data)
    if item.get("definition_file"):
        return load_definition(pathlib.Path(item["definition_file"]))
    if item.get("definition") is not None:
        return load_definition(item["definition"])
    return None


def _spec(module, item, label, default_state=None):
    """One item as a spec. Playbooks are name-idempotent by convention: a workflow with no owner
    is taken over by name (and marked with O(owner)); one owned elsewhere is refused unless the
    item gives its id (an explicit adopt)."""
    definition = _definition(item, label)
    if definition is not None:
        _warn_template_damage(module, definition, label)
    state = item.get("state") or default_state or "present"
    try:
        return WorkflowSpec.build(
            id=item.get("id"),
            name=item.get("name"),
            description=item.get("description"),
            definition=definition,
            state=_state(state),
            cooldown_ms=item.get("cooldown_ms"),
            max_runs=item.get("max_runs"),
            visibility=item.get("visibility"),
            live_version=item.get("live_version"),
            owner=module.params.get("owner") or "ansible",
            adopt=item.get("id") is not None,
            adopt_unowned=True,
        )
    except B3OSError as err:
        if label and not str(err).startswith(label):
            err.args = ("%s: %s" % (label, err),) + tuple(err.args[1:])
            if hasattr(err, "message"):
                err.message = err.args[0]
        raise


def _warn_template_damage(module, definition, label):
    items = template_damage(definition)
    for item in items:
        module.warn("%s: %s" % (label, item.message) if label else item.message)
    if items:
        module.warn(
            "B3OS expressions use {{ }} like Jinja2: pass the definition with definition_file, mark it "
            "!unsafe, or wrap the string in {% raw %}...{% endraw %} (see the b3os.b3os README)"
        )


def _specs(kind, module):
    """(label, spec) for each workflow the task declares, every one checked before any request."""
    params = module.params
    if kind == "workflow":
        return [("", _spec(module, params, ""))]
    out = []
    if params.get("src_files") is not None or params.get("src"):
        shown = params.get("src") or "src"
        if params.get("src_files") is not None:
            files = dict((str(k), str(v)) for k, v in params["src_files"].items())
        else:
            files = _read_dir(pathlib.Path(params["src"]))
        owner = params.get("owner") or "ansible"
        for label, spec in load_spec_texts(files, label=shown):
            # the play's owner, taking unowned workflows by name (an id in a file adopts)
            out.append((label, dataclasses.replace(spec, owner=owner, adopt=spec.id is not None, adopt_unowned=True)))
    for index, item in enumerate(params.get("workflows") or []):
        label = "workflows[%d] (%s)" % (index, item.get("name") or item.get("id"))
        out.append((label, _spec(module, item, label, params["state"])))
    return out


def _read_dir(path):
    """A directory on the module's host, for ``src`` when the action plugin did not read it."""
    if not path.is_dir():
        raise ConfigError("src %s: no such directory" % path)
    files = {}
    for child in sorted(path.rglob("*")):
        if child.is_file():
            files[child.relative_to(path).as_posix()] = child.read_text(encoding="utf-8")
    return files


def _diffs(module, label, applied):
    diff = applied.diff
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
        diffs.append(dict(prepared="\n".join("%s: %s" % (label, line) for line in summary) + "\n"))
    return redacted(module, diffs)


def _item_result(module, applied):
    workflow = redacted(module, applied.workflow or {})
    return dict(
        changed=bool(applied.changed),
        actions=list(applied.actions),
        changes=redacted(module, applied.diff.describe()),
        workflow=workflow,
        id=workflow.get("id"),
        version=workflow.get("version"),
        live_version=workflow.get("live_version"),
        status=workflow.get("status"),
    )


def _pruned_result(module, applied):
    """One archive of ``prune``: an undeclared workflow this task's owner owns."""
    spec = applied.plan.spec
    return dict(
        id=spec.id,
        name=spec.name,
        source="prune %s (%s)" % (spec.name, spec.id),
        changed=bool(applied.changed),
        actions=list(applied.actions),
        changes=redacted(module, applied.diff.describe()),
    )


def run(kind):
    """The whole module: argument spec from the table, specs, the shared apply, results."""
    module = AnsibleModule(**KINDS[kind]())
    require_b3os(module)
    result = dict(changed=False, actions=[], changes=[])
    prune_owner = None
    if kind == "workflows":
        result["results"] = []
        result["pruned"] = []
        if module.params.get("prune"):
            prune_owner = module.params.get("owner") or "ansible"
    try:
        specs = _specs(kind, module)
        client = make_client(module)
        with client:
            bulk = apply_bulk(
                client, [pair[1] for pair in specs], dry_run=module.check_mode, prune_owner=prune_owner
            )
    except B3OSError as err:
        fail_from_error(module, err, **result)
    applied = bulk.applied

    diffs = []
    for (label, spec), one in zip(specs, applied):
        item = _item_result(module, one)
        shown = label or module.params.get("name") or module.params.get("id") or "workflow"
        if module._diff:
            diffs.extend(_diffs(module, shown, one))
        if kind == "workflow":
            result.update(item)
        else:
            item.update(workflow_name=spec.name, source=label)
            result["results"].append(item)
    for one in bulk.pruned:
        item = _pruned_result(module, one)
        if module._diff:
            diffs.extend(_diffs(module, item["source"], one))
        result["pruned"].append(item)
    if kind == "workflows":
        items = result["results"] + result["pruned"]
        result.update(
            changed=any(i["changed"] for i in items),
            actions=["%s: %s" % (i["source"], a) for i in items for a in i["actions"]],
            changes=["%s: %s" % (i["source"], c) for i in items for c in i["changes"]],
        )
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)
