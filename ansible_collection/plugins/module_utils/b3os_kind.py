# Copyright: b3os-iac contributors
# Apache License 2.0 (see LICENSE at https://www.apache.org/licenses/LICENSE-2.0)

"""The one runner of the kind modules (connector, execution_webhook, workflow_variable, their _info).

A kind module is its documentation plus ``run_kind_module(kind, ARGUMENT_SPEC)``: everything it
decides (identity, diff, check mode, secrets) is the b3os engine's (``b3os.kinds``), shared with
the CLI and the Pulumi providers. The modules' options and argspec are generated from the kinds'
field tables by ``scripts/ansible_kinds.py`` (a test fails when they drift).
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.b3os.b3os.plugins.module_utils.b3os_common import (
    B3OSError,
    auth_argspec,
    fail_from_error,
    make_client,
    redacted,
    require_b3os,
)


def _secret_values(kind, values):
    secret = set(f.name for f in kind.fields if f.secret)
    found = []
    for name, value in values.items():
        if name in secret and isinstance(value, str) and value:
            found.append(value)
    return found


def run_kind_module(kind_name, options):
    """Ensure one object of ``kind_name`` is as the task's options declare (check/diff aware)."""
    module = AnsibleModule(argument_spec=auth_argspec(**options), supports_check_mode=True)
    require_b3os(module)
    from b3os.kinds import get
    from b3os.resource.simple import masked_outputs

    kind = get(kind_name)
    values = dict((name, module.params.get(name)) for name in options)
    result = dict(changed=False, actions=[], changes=[])
    try:
        spec = kind.build(values)
        client = make_client(module)
        with client:
            applied = kind.ensure(client, spec, dry_run=module.check_mode)
    except B3OSError as err:
        fail_from_error(module, err, **result)
    for secret in _secret_values(kind, applied.outputs):
        module.no_log_values.add(secret)
    shown = redacted(module, masked_outputs(kind.fields, applied.outputs))
    result.update(
        changed=bool(applied.changed),
        actions=list(applied.actions),
        changes=redacted(module, applied.diff.describe()),
        id=shown.get("id"),
    )
    result[kind_name] = shown
    if module._diff:
        diff = applied.diff
        label = kind.label(spec)
        result["diff"] = redacted(
            module,
            [
                dict(
                    before=diff.before,
                    after=diff.after,
                    before_header="%s (before)" % label,
                    after_header="%s (after)" % label,
                )
            ],
        )
    module.exit_json(**result)


def run_kind_info_module(kind_name, options):
    """Read objects of ``kind_name``: the one named (id or natural key), or all of them."""
    module = AnsibleModule(argument_spec=auth_argspec(**options), supports_check_mode=True)
    require_b3os(module)
    from b3os.kinds import get
    from b3os.resource.simple import masked_outputs
    from b3os.resource.spec import Spec

    kind = get(kind_name)
    values = dict((name, module.params.get(name)) for name in options if module.params.get(name) is not None)
    try:
        client = make_client(module)
        with client:
            keyed = values.get("id") is not None or all(values.get(k) is not None for k in kind.key_fields)
            if keyed:
                states = [kind.read(client, kind.build(values))]
            else:
                probe = Spec(kind.name, values)
                states = [kind.state_of(row) for row in kind.api_list(client, probe)]
    except B3OSError as err:
        fail_from_error(module, err, changed=False)
    items = [redacted(module, masked_outputs(kind.fields, kind.outputs(s))) for s in states if s is not None]
    result = dict(changed=False, exists=bool(items))
    result["%ss" % kind_name] = items  # connectors, execution_webhooks
    module.exit_json(**result)
